//! An email waiting to be delivered (written in the transaction of the event it reports).

use sea_orm::entity::prelude::*;

/// A row of `email_outbox`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Recipient.
    pub to_address: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// What it is about (`developer_upgrade`, `api_key_created`, `role_changed`).
    pub kind: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Not before (UTC).
    pub next_attempt_at: DateTimeUtc,
    /// Last delivery error.
    pub last_error: Option<String>,
    /// Queued (UTC).
    pub created_at: DateTimeUtc,
    /// Delivered (UTC).
    pub sent_at: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
