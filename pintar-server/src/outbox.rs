//! Queuing emails: a row in `email_outbox`, always in the transaction of the event, so an
//! email is sent if and only if the change happened. The worker in [`crate::email::worker`]
//! delivers the rows.
//!
//! One account can make the server send at most [`Policy::hourly_cap`] emails per hour:
//! beyond that the email is recorded as `suppressed` (visible to admins) and not sent, and
//! the action that caused it still succeeds. So nobody can mail-bomb an address through the
//! platform (the keys an account holds are capped too: `accounts::keys::MAX_LIVE_KEYS`).

use crate::email::{Message, Policy};
use crate::storage::entities::{email_outbox, user};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use uuid::Uuid;

/// An email to queue.
#[derive(Debug, Clone)]
pub struct Email {
    /// The account it is about (its hourly cap applies).
    pub user_id: Uuid,
    /// Recipient.
    pub to: String,
    /// What it says (never a secret).
    pub message: Message,
}

/// What became of a queued email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queued {
    /// Waiting for the worker.
    Pending,
    /// Over the account's hourly cap: recorded, never sent.
    Suppressed,
}

/// Queues `email` through `conn` (pass the event's transaction), rendered in the policy's
/// language, unless the account reached its hourly cap.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    email: Email,
) -> Result<Queued, DbErr> {
    // Locks the account's row (PostgreSQL; SQLite's write transactions run one at a time
    // already), so two requests of one account count their emails one after the other.
    user::Entity::find_by_id(email.user_id)
        .lock_exclusive()
        .one(conn)
        .await?;
    let now = Utc::now();
    let recent = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(email.user_id))
        .filter(email_outbox::Column::CreatedAt.gt(now - Duration::hours(1)))
        .filter(email_outbox::Column::Status.ne("suppressed"))
        .count(conn)
        .await?;
    let outcome = if recent < u64::from(policy.hourly_cap) {
        Queued::Pending
    } else {
        tracing::warn!(
            user = %email.user_id,
            kind = email.message.kind(),
            cap = policy.hourly_cap,
            "email suppressed: the account reached its hourly cap"
        );
        Queued::Suppressed
    };
    let rendered = email.message.render(policy.locale);
    email_outbox::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_address: Set(email.to),
        subject: Set(rendered.subject),
        body: Set(rendered.text),
        html_body: Set(Some(rendered.html)),
        kind: Set(email.message.kind().into()),
        status: Set(match outcome {
            Queued::Pending => "pending",
            Queued::Suppressed => "suppressed",
        }
        .into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
        user_id: Set(Some(email.user_id)),
        locale: Set(policy.locale.as_str().into()),
        claimed_by: Set(None),
        claimed_until: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(outcome)
}
