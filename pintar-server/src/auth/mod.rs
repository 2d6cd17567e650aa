//! Authentication: argon2id passwords, short-lived JWT access tokens, opaque rotating refresh
//! tokens, and the extractor handlers use to require a caller.

use crate::app::AppState;
use crate::error::ServerError;
use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pintar_core::api::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub mod api_key;

/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: u64 = 15 * 60;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_DAYS: i64 = 30;

/// Signing keys for access tokens.
#[derive(Clone)]
pub struct AuthKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Role at issue time.
    pub role: Role,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
}

impl AuthKeys {
    /// Keys from a secret (at least 32 bytes is wise; the server generates 48).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs an access token for `user` with `role`, valid for [`ACCESS_TTL_SECS`].
    pub fn issue(&self, user: Uuid, role: Role) -> Result<String, ServerError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            iat: now,
            exp: now + ACCESS_TTL_SECS as i64,
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

/// The threads argon2 runs on: one per core. Each hash takes 19 MiB and tens of
/// milliseconds on purpose; on the shared blocking pool a burst of sign-ins ran dozens at once
/// (25 concurrent sign-ins left the process at 1.9 GB) and every thread kept its allocator
/// arena. A fixed pool bounds both: the rest wait their turn.
fn argon2_pool() -> Result<&'static rayon::ThreadPool, ServerError> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .thread_name(|i| format!("argon2-{i}"))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot start the argon2 threads"))
            .ok()
    })
    .as_ref()
    .ok_or_else(|| ServerError::Internal("no argon2 threads".into()))
}

/// Runs an argon2 computation on [`argon2_pool`] and waits for it without blocking.
async fn argon2_task<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServerError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    argon2_pool()?.spawn(move || {
        let _ = tx.send(work());
    });
    rx.await
        .map_err(|e| ServerError::Internal(format!("hashing task failed: {e}")))
}

/// argon2id hash of a password (runs on a blocking thread: it is slow on purpose).
pub async fn hash_password(password: String) -> Result<String, ServerError> {
    argon2_task(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServerError::Internal(format!("cannot hash password: {e}")))
    })
    .await?
}

/// Whether `password` matches the stored hash (on a blocking thread).
pub async fn verify_password(password: String, hash: String) -> bool {
    argon2_task(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown so that the
/// answer takes as long as for a known one.
pub fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(random_token(16).as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
    .clone()
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A JWT access token (all scopes of the role).
    AccessToken,
    /// An API key: its id and the scopes it carries.
    ApiKey {
        /// Key id.
        id: Uuid,
        /// Granted scopes.
        scopes: Scopes,
    },
}

/// A set of [`API_KEY_SCOPES`](pintar_core::api::API_KEY_SCOPES), as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes(u8);

impl Scopes {
    /// The set holding `names` (unknown names are ignored).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self(names.into_iter().fold(0, |bits, n| {
            match pintar_core::api::API_KEY_SCOPES
                .iter()
                .position(|s| *s == n)
            {
                Some(i) => bits | (1 << i),
                None => bits,
            }
        }))
    }

    /// Whether `scope` is in the set.
    pub fn contains(self, scope: &str) -> bool {
        pintar_core::api::API_KEY_SCOPES
            .iter()
            .position(|s| *s == scope)
            .is_some_and(|i| self.0 & (1 << i) != 0)
    }
}

/// The authenticated caller: `Authorization: Bearer <JWT>`, `Authorization: ApiKey <key>` or
/// `X-API-Key: <key>`. The rejection is a 401 problem. With a token, the role is the one in
/// the token (it lives 15 minutes, so a role change takes effect at the next refresh); with a
/// key, the owner's current role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    /// User id.
    pub id: Uuid,
    /// Role.
    pub role: Role,
    /// Token or key.
    pub via: Via,
}

impl AuthUser {
    /// Refuses (403) unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ServerError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            Err(ServerError::Forbidden(format!(
                "this needs the role {}; you are {}",
                allowed.join(" or "),
                self.role
            )))
        }
    }
}

impl AuthUser {
    /// Refuses (403) an API key that lacks `scope`; access tokens carry every scope.
    pub fn require_scope(&self, scope: &str) -> Result<(), ServerError> {
        match self.via {
            Via::ApiKey { scopes, .. } if !scopes.contains(scope) => Err(ServerError::Forbidden(
                format!("this API key lacks the '{scope}' scope"),
            )),
            _ => Ok(()),
        }
    }
}

/// Whether the request carries credentials at all.
fn has_credentials(parts: &Parts) -> bool {
    parts.headers.contains_key(header::AUTHORIZATION) || parts.headers.contains_key("x-api-key")
}

/// The caller if credentials were sent (`None` for anonymous requests). Credentials that
/// are sent but invalid are still a 401: a broken token must not quietly read as anonymous.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequestParts<AppState> for MaybeAuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if !has_credentials(parts) {
            return Ok(Self(None));
        }
        AuthUser::from_request_parts(parts, state)
            .await
            .map(|u| Self(Some(u)))
    }
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header_str = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
        };
        if let Some(key) = header_str(header::HeaderName::from_static("x-api-key")) {
            return api_key::authenticate(state, key.trim()).await;
        }
        let value = header_str(header::AUTHORIZATION).ok_or_else(|| {
            ServerError::Unauthorized("sign in first: no Authorization header".into())
        })?;
        if let Some(key) = value.strip_prefix("ApiKey ") {
            return api_key::authenticate(state, key.trim()).await;
        }
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(|| {
                ServerError::Unauthorized(
                    "expected 'Authorization: Bearer <token>' or 'ApiKey <key>'".into(),
                )
            })?;
        let claims = state.auth.verify(token.trim())?;
        let id = Uuid::parse_str(&claims.sub)
            .map_err(|_| ServerError::Unauthorized("the access token is not valid".into()))?;
        Ok(Self {
            id,
            role: claims.role,
            via: Via::AccessToken,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_expire() {
        let keys = AuthKeys::new(b"0123456789abcdef0123456789abcdef");
        let id = Uuid::now_v7();
        let token = keys.issue(id, Role::Developer).expect("sign");
        let claims = keys.verify(&token).expect("valid");
        assert_eq!((claims.sub, claims.role), (id.to_string(), Role::Developer));
        let old = Claims {
            sub: id.to_string(),
            role: Role::Public,
            iat: 1,
            exp: 2,
        };
        assert!(keys.verify(&keys.sign(&old).expect("sign")).is_err());
        let other = AuthKeys::new(b"another secret, just as long as the first");
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn token_hashes_are_stable_hex() {
        assert_eq!(hash_token("abc").len(), 64);
        assert_eq!(hash_token("abc"), hash_token("abc"));
        assert_ne!(random_token(32), random_token(32));
    }

    #[tokio::test]
    async fn passwords_verify() {
        let hash = hash_password("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong".into(), hash).await);
    }
}
