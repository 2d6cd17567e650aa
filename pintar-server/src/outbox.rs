//! Queuing emails: a row in `email_outbox`, always in the transaction of the event, so an
//! email is sent if and only if the change happened. Delivery (a worker with retries and
//! backoff, and the providers) comes with the next issue.

use crate::storage::entities::email_outbox;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use uuid::Uuid;

/// An email to queue.
#[derive(Debug, Clone)]
pub struct Email {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (never a secret).
    pub body: String,
    /// What it is about.
    pub kind: &'static str,
}

/// Queues `email` through `conn` (pass the event's transaction).
pub async fn queue<C: ConnectionTrait>(conn: &C, email: Email) -> Result<(), DbErr> {
    let now = Utc::now();
    email_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_address: Set(email.to),
        subject: Set(email.subject),
        body: Set(email.body),
        kind: Set(email.kind.into()),
        status: Set("pending".into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(conn)
    .await
    .map(|_| ())
}
