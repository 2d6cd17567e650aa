//! Authentication primitives: argon2id passwords, JWT access tokens and API key shapes.
//! Nothing here talks to the database or HTTP: `accounts` uses these to check credentials,
//! `policy` decides what a caller may do.

pub mod api_key;
pub mod credentials;
pub mod password;
pub mod token;

pub use credentials::Credentials;
pub use password::{dummy_hash, hash_password, verify_password};
pub use token::{
    ACCESS_TTL_SECS, AuthKeys, Claims, REFRESH_TTL_DAYS, WebLifetime, hash_token, random_token,
};
