//! Admin views: users, the audit trail and the email outbox.

use super::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `PATCH /admin/users/{id}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUserUpdate {
    /// New role (the user is emailed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Enable or disable the account (disabling ends its sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Entry id.
    pub id: String,
    /// Who made the change (absent for the system).
    pub actor_id: Option<String>,
    /// From which address.
    pub actor_ip: Option<String>,
    /// The request that made it.
    pub request_id: Option<String>,
    /// `insert`, `update` or `delete`.
    pub operation: String,
    /// Table changed.
    pub table: String,
    /// Row changed.
    pub record_id: String,
    /// Row before (secrets removed).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub old_values: Option<serde_json::Value>,
    /// Row after (secrets removed).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub new_values: Option<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// One email of the outbox, as admins see it (`GET /admin/emails`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxEmail {
    /// Email id (also its message id and idempotency key at the provider).
    pub id: String,
    /// What it is about: `developer_upgrade`, `api_key_created` or `role_changed`.
    pub kind: String,
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Language: `id` or `en`.
    pub locale: String,
    /// `pending`, `sending`, `sent`, `failed` or `suppressed` (over the account's hourly
    /// cap; never sent).
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last attempt's error, if it failed.
    pub last_error: Option<String>,
    /// Queued.
    pub created_at: DateTime<Utc>,
    /// When the next attempt is due (while `pending`).
    pub next_attempt_at: DateTime<Utc>,
    /// Delivered.
    pub sent_at: Option<DateTime<Utc>>,
}

/// The statuses an outbox email can have, for filters.
pub const OUTBOX_STATUSES: [&str; 5] = ["pending", "sending", "sent", "failed", "suppressed"];
