//! Who the client is: the credentials, and the tokens they yield, shared by every clone.

use crate::client::{Credentials, TokenListener};
use chrono::{DateTime, Utc};
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// A signed-in session: the short-lived access token and the refresh token that renews it.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    /// The JWT sent as `Authorization: Bearer`.
    pub access_token: String,
    /// The opaque refresh token (rotated on every use).
    pub refresh_token: String,
    /// When the access token expires, if known.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
}

impl Tokens {
    /// Tokens from a sign-in or refresh answer.
    pub fn from_response(t: &pintar_core::api::TokenResponse) -> Self {
        let secs = i64::try_from(t.expires_in).unwrap_or(i64::MAX / 2);
        Self {
            access_token: t.access_token.clone(),
            refresh_token: t.refresh_token.clone(),
            expires_at: Utc::now().checked_add_signed(chrono::Duration::seconds(secs)),
        }
    }

    /// Whether the access token expires within `margin` (unknown expiry: no).
    pub fn expires_within(&self, margin: chrono::Duration) -> bool {
        self.expires_at.is_some_and(|at| at - Utc::now() <= margin)
    }
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<hidden>")
            .field("refresh_token", &"<hidden>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// The credentials and current tokens; renewals are single-flight (`renewing`).
pub(crate) struct Session {
    pub(crate) credentials: Credentials,
    tokens: Mutex<Option<Tokens>>,
    pub(crate) renewing: tokio::sync::Mutex<()>,
    listener: Option<TokenListener>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("credentials", &self.credentials)
            .field("tokens", &self.tokens())
            .finish_non_exhaustive()
    }
}

impl Session {
    pub(crate) fn new(credentials: Credentials, listener: Option<TokenListener>) -> Self {
        let tokens = match &credentials {
            Credentials::Tokens(t) => Some(t.clone()),
            _ => None,
        };
        Self {
            credentials,
            tokens: Mutex::new(tokens),
            renewing: tokio::sync::Mutex::new(()),
            listener,
        }
    }

    pub(crate) fn tokens(&self) -> Option<Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stores the tokens, then tells the listener (which may read them back).
    pub(crate) fn set_tokens(&self, tokens: Option<Tokens>) {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = tokens.clone();
        if let (Some(t), Some(listener)) = (&tokens, &self.listener) {
            listener(t);
        }
    }
}
