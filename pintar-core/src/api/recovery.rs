//! Getting an account back and owning its data: email verification, password reset, change
//! of email, sessions, and the owner's export and deletion of the account.

use super::accounts::{ApiKeyInfo, UserProfile};
use super::analysis::AnalysisRun;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest one-time token read (they are 43 characters).
pub const MAX_ACCOUNT_TOKEN: usize = 128;

/// `POST /auth/verify-email` and `POST /auth/email-change/confirm`: the token from the link
/// in the email.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenRequest {
    /// The token from the emailed link (`…?token=`).
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub token: String,
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRequest")
            .field("token", &"<hidden>")
            .finish()
    }
}

/// `POST /auth/password-reset`: asks for a reset link. The answer is the same whether or
/// not an account has this address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetRequest {
    /// The account's email.
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = "email"))]
    pub email: String,
}

/// `POST /auth/password-reset/confirm`: sets a new password with the emailed token.
/// Every session of the account ends.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetConfirm {
    /// The token from the emailed link.
    #[cfg_attr(feature = "openapi", schema(max_length = 128))]
    pub token: String,
    /// The new password, 10 to 1024 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 10, max_length = 1024))]
    pub password: String,
}

impl fmt::Debug for PasswordResetConfirm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordResetConfirm")
            .field("token", &"<hidden>")
            .field("password", &"<hidden>")
            .finish()
    }
}

/// `POST /users/me/email`: asks to move the account to another address. The new address
/// gets a link; the change happens when it is opened, and the old address is told.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeEmailRequest {
    /// The new address.
    #[cfg_attr(feature = "openapi", schema(max_length = 254, format = "email"))]
    pub new_email: String,
    /// The account's current password.
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub current_password: String,
}

impl fmt::Debug for ChangeEmailRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeEmailRequest")
            .field("new_email", &self.new_email)
            .field("current_password", &"<hidden>")
            .finish()
    }
}

/// `DELETE /users/me`: deletes the account and its data for good.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteAccountRequest {
    /// The account's current password.
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub current_password: String,
}

impl fmt::Debug for DeleteAccountRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeleteAccountRequest")
            .field("current_password", &"<hidden>")
            .finish()
    }
}

/// An answer that says what happens next (a link was or will be emailed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    /// What happens next, in words.
    pub message: String,
}

/// How a session was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// Signed in on the website.
    Web,
    /// Signed in through the API (the CLI, the SDK, a script).
    Api,
}

/// `GET /users/me/sessions`: one live session of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// Session id.
    pub id: String,
    /// Whether this is the session making the request.
    pub current: bool,
    /// Website or API.
    pub kind: SessionKind,
    /// Signed in at.
    pub started_at: DateTime<Utc>,
    /// Last seen (to the minute for website sessions; the last refresh for API ones).
    pub last_active_at: DateTime<Utc>,
    /// Ends at the latest.
    pub expires_at: DateTime<Utc>,
    /// The browser or client that signed in, as it named itself.
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub ip: Option<String>,
}

/// `POST /users/me/sessions/end-others`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EndedSessions {
    /// How many sessions were ended.
    pub ended: u64,
}

/// One course the account enrolled in, in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedEnrollment {
    /// Course id.
    pub course_id: String,
    /// Course title.
    pub course_title: String,
    /// Enrolled at.
    pub enrolled_at: DateTime<Utc>,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// The certificate's code, once completed.
    pub certificate_code: Option<String>,
}

/// Progress on one item, in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedProgress {
    /// Course id.
    pub course_id: String,
    /// Content id.
    pub content_id: String,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// Last opened at.
    pub last_accessed_at: DateTime<Utc>,
}

/// One quiz attempt, in an export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedAttempt {
    /// The quiz (content id).
    pub content_id: String,
    /// The chosen answer per question.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub answers: serde_json::Value,
    /// Score in percent.
    pub score: f64,
    /// Whether it passed.
    pub passed: bool,
    /// Submitted at.
    pub created_at: DateTime<Utc>,
}

/// One recorded learning event, in an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportedActivity {
    /// What happened (`enrolled`, `content_completed`, …).
    pub kind: String,
    /// Course id.
    pub course_id: Option<String>,
    /// Content id.
    pub content_id: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// `GET /users/me/export`: everything the platform holds about the account, for its owner
/// (the right of access and portability of Indonesia's personal data protection law).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountExport {
    /// The format of this document: `pintar-account-export/1`.
    pub format: String,
    /// When it was made.
    pub exported_at: DateTime<Utc>,
    /// The profile.
    pub profile: UserProfile,
    /// Courses enrolled in.
    pub enrollments: Vec<ExportedEnrollment>,
    /// Progress per item.
    pub progress: Vec<ExportedProgress>,
    /// Quiz attempts.
    pub quiz_attempts: Vec<ExportedAttempt>,
    /// Certificates earned.
    pub certificates: Vec<super::courses::Certificate>,
    /// Learning events recorded.
    pub activity: Vec<ExportedActivity>,
    /// Data analyses run (their reports are at `GET /analytics/runs/{id}/report`).
    pub analysis_runs: Vec<AnalysisRun>,
    /// API keys (never their secrets).
    pub api_keys: Vec<ApiKeyInfo>,
    /// Live sessions.
    pub sessions: Vec<SessionInfo>,
}

/// The `format` of an [`AccountExport`].
pub const ACCOUNT_EXPORT_FORMAT: &str = "pintar-account-export/1";
