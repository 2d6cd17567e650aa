//! Authentication primitives: argon2id passwords, JWT access tokens, API key shapes, the
//! caller that handlers extract, and the access policy of every route. Nothing here talks
//! to the database: `accounts` does, on top of these.

pub mod access;
pub mod api_key;
pub mod caller;
pub mod password;
pub mod token;

pub use caller::{AuthUser, Authenticated, Credentials, MaybeAuthUser, Scopes, Via};
pub use password::{dummy_hash, hash_password, verify_password};
pub use token::{ACCESS_TTL_SECS, AuthKeys, Claims, REFRESH_TTL_DAYS, hash_token, random_token};
