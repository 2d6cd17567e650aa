//! Certificate codes: `PE-` and three groups of four Crockford base-32 characters (60 random
//! bits), easy to read aloud and type, infeasible to guess.

use argon2::password_hash::rand_core::{OsRng, RngCore};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A fresh certificate code, e.g. `PE-7K3M-9QXD-2HWA`.
pub fn new_code() -> String {
    let bits = OsRng.next_u64();
    let chars: Vec<char> = (0..12)
        .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
        .collect();
    format!(
        "PE-{}-{}-{}",
        chars[0..4].iter().collect::<String>(),
        chars[4..8].iter().collect::<String>(),
        chars[8..12].iter().collect::<String>()
    )
}

/// The canonical form of a code as typed (upper case, `O`/`I`/`L` read as digits).
pub fn normalise(code: &str) -> String {
    code.trim()
        .to_uppercase()
        .chars()
        .map(|c| match c {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_well_formed_and_distinct() {
        let a = new_code();
        assert_eq!(a.len(), 17);
        assert!(a.starts_with("PE-"));
        assert_ne!(a, new_code());
        assert_eq!(normalise(&a.to_lowercase()), a);
    }
}
