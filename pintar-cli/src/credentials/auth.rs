//! Which credentials a remote command sends: environment overrides (for CI)
//! beat stored credentials.

use super::store::{CredentialStore, Location};
use super::{Credentials, Secret, StoreError};
use crate::config::{Config, Env};
use chrono::{DateTime, Utc};
use std::fmt;

/// An API key that beats everything stored.
pub const ENV_API_KEY: &str = "PINTAR_API_KEY";
/// An access token that beats everything stored except `PINTAR_API_KEY`.
pub const ENV_TOKEN: &str = "PINTAR_TOKEN";

/// What to authenticate with. `Debug` redacts the secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: ApiKey <key>` (or `X-API-Key`).
    ApiKey(Secret),
    /// `Authorization: Bearer <access>`, renewable with `refresh`.
    Token {
        /// The access token.
        access: Secret,
        /// The refresh token, if any.
        refresh: Option<Secret>,
        /// When `access` expires, if known.
        expires_at: Option<DateTime<Utc>>,
    },
    /// Nothing: anonymous requests only.
    None,
}

impl Auth {
    /// What stored credentials authenticate with: the API key if there is one
    /// (it does not expire), else the access token, else nothing.
    pub fn from_credentials(creds: &Credentials) -> Self {
        if let Some(key) = &creds.api_key {
            Auth::ApiKey(key.clone())
        } else if let Some(access) = &creds.access_token {
            Auth::Token {
                access: access.clone(),
                refresh: creds.refresh_token.clone(),
                expires_at: creds.access_token_expires_at,
            }
        } else {
            Auth::None
        }
    }
}

/// Where the credentials in force came from; displays as `auth status` shows it:
/// `env PINTAR_API_KEY`, `keyring`, `file ~/.config/pintar/credentials.json`, `none`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSource {
    /// An environment variable.
    Env(&'static str),
    /// A credential store.
    Stored(Location),
    /// Nothing found.
    None,
}

impl fmt::Display for AuthSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthSource::Env(var) => write!(f, "env {var}"),
            AuthSource::Stored(location) => write!(f, "{location}"),
            AuthSource::None => f.write_str("none"),
        }
    }
}

/// The outcome of [`resolve_auth`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedAuth {
    /// What to send.
    pub auth: Auth,
    /// Where it came from.
    pub source: AuthSource,
    /// The stored credentials of the profile, when they were used (for `auth
    /// status`, or to refresh and save back).
    pub stored: Option<Credentials>,
    /// One line for stderr from loading, if any.
    pub warning: Option<String>,
}

/// Resolves the credentials for `profile`: `PINTAR_API_KEY` > `PINTAR_TOKEN` >
/// the profile's stored credentials > none. The environment is read first, so
/// with an override set no store (and no keyring) is touched.
pub fn resolve_auth(
    env: Env<'_>,
    store: &CredentialStore,
    config: &Config,
    profile: &str,
) -> Result<ResolvedAuth, StoreError> {
    let from_env = |auth, var| ResolvedAuth {
        auth,
        source: AuthSource::Env(var),
        stored: None,
        warning: None,
    };
    if let Some(key) = env(ENV_API_KEY) {
        return Ok(from_env(Auth::ApiKey(Secret::new(key)), ENV_API_KEY));
    }
    if let Some(token) = env(ENV_TOKEN) {
        let auth = Auth::Token {
            access: Secret::new(token),
            refresh: None,
            expires_at: None,
        };
        return Ok(from_env(auth, ENV_TOKEN));
    }
    Ok(match store.load(config, profile)? {
        Some(loaded) => ResolvedAuth {
            auth: Auth::from_credentials(&loaded.credentials),
            source: AuthSource::Stored(loaded.location),
            stored: Some(loaded.credentials),
            warning: loaded.warning,
        },
        None => ResolvedAuth {
            auth: Auth::None,
            source: AuthSource::None,
            stored: None,
            warning: None,
        },
    })
}
