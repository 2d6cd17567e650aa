//! What is stored for one profile.

use super::Secret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The credentials of one profile. `Debug` redacts every secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The signed-in user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The short-lived access token (a JWT).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<Secret>,
    /// The refresh token that renews the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// A long-lived API key, the alternative to tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// When the access token expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_expires_at: Option<DateTime<Utc>>,
    /// The server these credentials were issued by: they are never sent anywhere else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

impl Credentials {
    /// True when the access token's expiry is known and at or before `now`.
    pub fn access_token_expired(&self, now: DateTime<Utc>) -> bool {
        self.access_token_expires_at.is_some_and(|t| t <= now)
    }

    /// True when nothing usable is stored.
    pub fn is_empty(&self) -> bool {
        self.access_token.is_none() && self.refresh_token.is_none() && self.api_key.is_none()
    }
}
