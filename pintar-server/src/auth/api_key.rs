//! The shape of API keys: `pk_` + 256 random bits in URL-safe base64, stored as a SHA-256
//! hash with a visible prefix.

use super::token::{hash_token, random_token};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "pk_";
/// Characters after the prefix: 32 random bytes in unpadded base64url.
const SECRET_LEN: usize = 43;
/// Characters of the key kept visible in listings and emails.
const VISIBLE: usize = 11;

/// A new key in the clear, with its visible prefix and stored hash.
pub fn generate() -> NewKey {
    let key = format!("{KEY_PREFIX}{}", random_token(32));
    NewKey {
        prefix: key.chars().take(VISIBLE).collect(),
        hash: hash_token(&key),
        key,
    }
}

/// A freshly generated key.
pub struct NewKey {
    /// The key itself, shown once.
    pub key: String,
    /// Its visible start.
    pub prefix: String,
    /// What is stored.
    pub hash: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("key", &"<hidden>")
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// Whether `key` has the shape of a key this server issues (checked before any lookup).
pub fn looks_like_key(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|secret| {
        secret.len() == SECRET_LEN
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_checked_shape() {
        let k = generate();
        assert!(looks_like_key(&k.key), "{}", k.key);
        assert!(k.key.starts_with(&k.prefix));
        assert_eq!(k.hash, hash_token(&k.key));
        assert!(!format!("{k:?}").contains(&k.key));
    }
}
