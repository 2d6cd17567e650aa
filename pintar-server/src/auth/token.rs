//! Access tokens (HS256 JWTs naming the user and the session they belong to) and the random
//! opaque tokens behind refresh tokens and API keys.

use crate::error::ServerError;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pintar_core::api::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_DAYS: i64 = 30;

/// Shortest signing secret accepted: HS256 with fewer than 256 bits of key is guessable.
pub const MIN_SECRET_BYTES: usize = 32;

/// Signing keys for access tokens.
#[derive(Clone)]
pub struct AuthKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for AuthKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthKeys(<hidden>)")
    }
}

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role at issue time (for the client's information: the server reads the current role).
    pub role: Role,
    /// The session: the refresh-token family the token was issued with. When the session
    /// ends (logout, password change, disabling), the token stops working at once.
    pub sid: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// A website session's token (the `pe_session` cookie): accepted only from that
    /// cookie, never as an API bearer token, and the other way round.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub web: bool,
    /// A website session's sign-in time (Unix seconds): its cookie is renewed while the
    /// visitor is active, never past this plus the absolute lifetime.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub auth: i64,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// How long a website session lasts: without a request, and at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebLifetime {
    /// Seconds without a request before it ends.
    pub idle_secs: u64,
    /// Seconds after sign-in it ends, however active.
    pub max_secs: u64,
}

impl WebLifetime {
    /// From settings (each at least a minute; the idle time at most the absolute one).
    pub fn new(idle_secs: u64, max_secs: u64) -> Self {
        let max_secs = max_secs.clamp(60, 366 * 24 * 3600);
        Self {
            idle_secs: idle_secs.clamp(60, max_secs),
            max_secs,
        }
    }

    /// When a cookie issued `now` for a session signed in at `auth` expires.
    pub fn expiry(self, auth: i64, now: i64) -> i64 {
        let idle = now.saturating_add(self.idle_secs as i64);
        let end = auth.saturating_add(self.max_secs as i64);
        idle.min(end)
    }
}

impl AuthKeys {
    /// Keys from a secret of at least [`MIN_SECRET_BYTES`] (the server generates 48).
    pub fn new(secret: &[u8]) -> Result<Self, ServerError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ServerError::Config(format!(
                "the JWT secret is {} bytes; it must be at least {MIN_SECRET_BYTES} \
                 (set PINTAR_JWT_SECRET to a longer random value, or unset it to generate one)",
                secret.len()
            )));
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        })
    }

    /// Signs an access token for `user` with `role` in session `sid`, valid for
    /// [`ACCESS_TTL_SECS`].
    pub fn issue(&self, user: Uuid, role: Role, sid: Uuid) -> Result<String, ServerError> {
        self.issue_token(user, role, sid, ACCESS_TTL_SECS, false)
    }

    /// Signs a website session token (the session cookie) for a session signed in at `auth`
    /// (Unix seconds): valid for the idle time from now, never past the absolute lifetime.
    /// It works only as the cookie, and stops working when its session ends like any other.
    pub fn issue_web(
        &self,
        user: Uuid,
        role: Role,
        sid: Uuid,
        auth: i64,
        life: WebLifetime,
    ) -> Result<String, ServerError> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&Claims {
            sub: user.to_string(),
            role,
            sid: sid.to_string(),
            iat: now,
            exp: life.expiry(auth, now),
            web: true,
            auth,
        })
    }

    fn issue_token(
        &self,
        user: Uuid,
        role: Role,
        sid: Uuid,
        ttl_secs: u64,
        web: bool,
    ) -> Result<String, ServerError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            sid: sid.to_string(),
            iat: now,
            exp: now + ttl_secs as i64,
            web,
            auth: 0,
        };
        self.sign(&claims)
    }

    /// Signs arbitrary claims (tests use it for expired tokens).
    pub fn sign(&self, claims: &Claims) -> Result<String, ServerError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ServerError::Internal(format!("cannot sign token: {e}")))
    }

    /// Checks signature and expiry.
    pub fn verify(&self, token: &str) -> Result<Claims, ServerError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    ServerError::Unauthorized("the access token has expired; refresh it".into())
                }
                _ => ServerError::Unauthorized("the access token is not valid".into()),
            })
    }
}

/// Random bytes, URL-safe base64.
pub fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a token, hex: what is stored in place of the token.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_expire() {
        let keys = AuthKeys::new(b"0123456789abcdef0123456789abcdef").expect("keys");
        let id = Uuid::now_v7();
        let token = keys
            .issue(id, Role::Developer, Uuid::now_v7())
            .expect("sign");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.sub, claims.role), (id.to_string(), Role::Developer));
        let old = Claims {
            sub: id.to_string(),
            role: Role::Public,
            sid: Uuid::now_v7().to_string(),
            iat: 1,
            exp: 2,
            web: false,
            auth: 0,
        };
        assert!(keys.verify(&keys.sign(&old).expect("sign")).is_err());
        let other = AuthKeys::new(b"another secret, just as long as the first").expect("keys");
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn web_sessions_end_when_idle_and_at_the_latest_at_their_limit() {
        let life = WebLifetime::new(7200, 7 * 24 * 3600);
        assert_eq!(
            life.expiry(1_000, 1_000),
            1_000 + 7200,
            "idle time from now"
        );
        let late = 1_000 + 7 * 24 * 3600 - 60;
        assert_eq!(
            life.expiry(1_000, late),
            1_000 + 7 * 24 * 3600,
            "never past the limit"
        );
        assert_eq!(WebLifetime::new(10, 5).idle_secs, 60, "at least a minute");
        assert_eq!(
            WebLifetime::new(9_999_999, 3600).idle_secs,
            3600,
            "idle within max"
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        let err = AuthKeys::new(b"too-short").expect_err("short");
        assert!(err.to_string().contains("at least 32"), "{err}");
        assert!(!format!("{:?}", AuthKeys::new(&[7; 32]).expect("keys")).contains('7'));
    }

    #[test]
    fn token_hashes_are_stable_hex() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_ne!(random_token(32), random_token(32));
    }
}
