//! Credentials per profile: the OS keyring with an honest, owner-only file
//! fallback, environment overrides for CI, and secrets that never print.
//!
//! ```ignore
//! let store = CredentialStore::new(StoreOptions::default());
//! let resolved = resolve_auth(&process_env, &store, &config, &settings.profile.value)?;
//! if let Some(w) = &resolved.warning { eprintln!("warning: {w}"); }
//! match resolved.auth { Auth::ApiKey(k) => ..., Auth::Token { access, .. } => ..., Auth::None => ... }
//! println!("credentials from {}", resolved.source); // "keyring", "env PINTAR_API_KEY", ...
//! ```

mod auth;
mod backend;
mod error;
mod file_store;
mod model;
mod os_keyring;
mod secret;
mod store;

pub use auth::{Auth, AuthSource, ENV_API_KEY, ENV_TOKEN, ResolvedAuth, resolve_auth};
pub use backend::{BackendError, SecretBackend};
pub use error::StoreError;
pub use file_store::CREDENTIALS_FILE;
pub use model::Credentials;
pub use os_keyring::{KEYRING_SERVICE, OsKeyring};
pub use secret::Secret;
pub use store::{
    CredentialStore, DEFAULT_TIMEOUT, Deleted, Loaded, Location, STORE_KEY, Saved, StoreKind,
    StoreOptions,
};

#[cfg(test)]
mod tests;
