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
    /// `pending` (waiting for its time), `sending` (claimed by a worker), `sent`, `failed`
    /// (permanently, or out of attempts) or `suppressed` (over the account's hourly cap;
    /// never sent).
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
    /// HTML body (the same message as `body`).
    pub html_body: Option<String>,
    /// The account the email is about (counts towards its hourly cap).
    pub user_id: Option<Uuid>,
    /// Language of the message (`id` or `en`).
    pub locale: String,
    /// The worker delivering it now (while `sending`).
    pub claimed_by: Option<String>,
    /// The claim's lease: after this another worker may take the row (UTC).
    pub claimed_until: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
