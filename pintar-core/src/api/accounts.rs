//! Accounts, tokens and API keys.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A learner (the default on registration).
    Public,
    /// A learner who also builds on the API with keys.
    Developer,
    /// Manages users, content and the platform.
    Admin,
}

impl Role {
    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "public",
            Role::Developer => "developer",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "public" => Ok(Role::Public),
            "developer" => Ok(Role::Developer),
            "admin" => Ok(Role::Admin),
            other => Err(format!("unknown role '{other}'")),
        }
    }
}

/// What `Debug` shows in place of a secret.
const HIDDEN: &str = "<hidden>";

fn hidden<T>(v: &Option<T>) -> Option<&'static str> {
    v.as_ref().map(|_| HIDDEN)
}

/// `POST /auth/register`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterRequest {
    /// Login email.
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = "email"))]
    pub email: String,
    /// 10 to 1024 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: String,
    /// Name shown to others: 1 to 100 characters, no control characters. Optional: the
    /// email's local part when left out.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl fmt::Debug for RegisterRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegisterRequest")
            .field("email", &self.email)
            .field("password", &HIDDEN)
            .field("display_name", &self.display_name)
            .finish()
    }
}

/// `POST /auth/token` as JSON (the OAuth2 form `grant_type=password&username&password` works too).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &HIDDEN)
            .finish()
    }
}

/// `POST /auth/refresh`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefreshRequest {
    /// The opaque refresh token from the last login or refresh.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &HIDDEN)
            .finish()
    }
}

/// `POST /auth/logout`: ends the session of this refresh token, or every session of its
/// account (`everywhere`). Access tokens of the ended sessions stop working at once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutRequest {
    /// The refresh token of the session.
    #[cfg_attr(feature = "openapi", schema(max_length = 256))]
    pub refresh_token: String,
    /// End every session of the account, on every device.
    #[serde(default)]
    pub everywhere: bool,
}

impl fmt::Debug for LogoutRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogoutRequest")
            .field("refresh_token", &HIDDEN)
            .field("everywhere", &self.everywhere)
            .finish()
    }
}

/// Tokens issued by login and refresh.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque token for `POST /auth/refresh`; rotated on every use.
    pub refresh_token: String,
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &HIDDEN)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &HIDDEN)
            .finish()
    }
}

/// An account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserProfile {
    /// Account id (UUIDv7).
    pub id: String,
    /// Login email.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Whether the account may log in.
    pub is_active: bool,
    /// Whether the owner proved the email is theirs (by its link). Until then the account
    /// can learn but not upgrade, create keys or receive any other mail.
    #[serde(default)]
    pub email_verified: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// `PATCH /users/me`: any field left out stays as it is.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateProfileRequest {
    /// New display name: 1 to 100 characters, no control characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub display_name: Option<String>,
    /// New password, 10 to 1024 characters (needs `current_password`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: Option<String>,
    /// The current password, required to set a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub current_password: Option<String>,
}

impl fmt::Debug for UpdateProfileRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateProfileRequest")
            .field("display_name", &self.display_name)
            .field("password", &hidden(&self.password))
            .field("current_password", &hidden(&self.current_password))
            .finish()
    }
}

/// Scopes an API key may carry: what a key can reach. Nothing else is open to keys: managing
/// keys, changing the account, upgrading and everything under `/admin` need a signed-in
/// session.
pub const API_KEY_SCOPES: &[&str] = &["analytics", "courses:read", "learning"];

/// One scope of an API key (see [`API_KEY_SCOPES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// The data analytics routes (`/analytics/...`).
    #[serde(rename = "analytics")]
    Analytics,
    /// Reading the catalog with a key.
    #[serde(rename = "courses:read")]
    CoursesRead,
    /// Enrolment, content, progress and quizzes of the key's owner.
    #[serde(rename = "learning")]
    Learning,
}

impl Scope {
    /// Every scope, in the order of [`API_KEY_SCOPES`].
    pub const ALL: [Scope; 3] = [Scope::Analytics, Scope::CoursesRead, Scope::Learning];

    /// The name used in requests and responses.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Analytics => "analytics",
            Scope::CoursesRead => "courses:read",
            Scope::Learning => "learning",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `POST /developer/key`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    /// A label to tell keys apart (1–100 characters, no control characters).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069][^\x00-\x1F\x7F-\x9F\u2028\u2029\u202A-\u202E\u2066-\u2069]*$"
        )
    )]
    pub name: String,
    /// Scopes from [`API_KEY_SCOPES`], each once; all of them when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 3))]
    pub scopes: Option<Vec<Scope>>,
    /// Days until the key stops working (1–3650); never when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
}

/// An API key as listed (the secret is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyInfo {
    /// Key id (UUIDv7).
    pub id: String,
    /// Its label.
    pub name: String,
    /// The visible start of the key, e.g. `pk_Ab12Cd34`.
    pub prefix: String,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Stops working at.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revoked at.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly created API key: the only time `key` is shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    /// The key itself: send it as `Authorization: ApiKey <key>` or `X-API-Key: <key>`.
    pub key: String,
    /// Everything else about it.
    #[serde(flatten)]
    pub info: ApiKeyInfo,
}

impl fmt::Debug for ApiKeyCreated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyCreated")
            .field("key", &HIDDEN)
            .field("info", &self.info)
            .finish()
    }
}

/// `POST /auth/upgrade-role`: the caller is now a developer and has a first key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpgradeResponse {
    /// The new role (`developer`).
    pub role: Role,
    /// The first API key, shown once.
    pub api_key: ApiKeyCreated,
}
