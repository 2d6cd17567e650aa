//! Queuing emails: a row in `email_outbox`, always in the transaction of the event, so an
//! email is sent if and only if the change happened. The worker in [`crate::mail::worker`]
//! delivers the rows.
//!
//! One account can make the server send at most [`Policy::hourly_cap`] emails per hour:
//! beyond that the email is recorded as `suppressed` (visible to admins) and not sent, and
//! the action that caused it still succeeds. So nobody can mail-bomb an address through the
//! platform (the keys an account holds are capped too: `accounts::keys::MAX_LIVE_KEYS`).

use crate::error::ServerError;
use crate::mail::{Message, Policy};
use crate::paging::{PageParams, fetch_page};
use crate::policy::{Actor, Operation};
use crate::storage::entities::{email_outbox, user};
use chrono::{Duration, Utc};
use pintar_core::api::{FieldError, OUTBOX_STATUSES, OutboxEmail, Page};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use sea_orm::{DatabaseConnection, QueryOrder};
use serde::Deserialize;
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
    /// The account's address is not verified and this message does not verify one:
    /// recorded, never sent.
    Unverified,
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
    let account = user::Entity::find_by_id(email.user_id)
        .lock_exclusive()
        .one(conn)
        .await?;
    // Until its owner proves the address, an account's mail is only what proves one: nobody
    // can make the platform write to an address that is not theirs.
    let unverified =
        account.is_some_and(|a| a.email_verified_at.is_none()) && !email.message.to_unverified();
    let now = Utc::now();
    let recent = email_outbox::Entity::find()
        .filter(email_outbox::Column::UserId.eq(email.user_id))
        .filter(email_outbox::Column::CreatedAt.gt(now - Duration::hours(1)))
        .filter(email_outbox::Column::Status.ne("suppressed"))
        .count(conn)
        .await?;
    let outcome = if unverified {
        tracing::info!(
            user = %email.user_id,
            kind = email.message.kind(),
            "email suppressed: the account's address is not verified"
        );
        Queued::Unverified
    } else if recent < u64::from(policy.hourly_cap) || email.message.security_notice() {
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
            Queued::Suppressed | Queued::Unverified => "suppressed",
        }
        .into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        last_error: Set(match outcome {
            Queued::Pending => None,
            Queued::Suppressed => Some("over the account's hourly email cap".into()),
            Queued::Unverified => Some("the account's address is not verified".into()),
        }),
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

/// Filters of the email outbox.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailFilter {
    /// Only emails with this status: `pending`, `sending`, `sent`, `failed` or `suppressed`.
    #[param(pattern = r"^(pending|sending|sent|failed|suppressed)$")]
    pub status: Option<String>,
}

fn outbox_email(e: &email_outbox::Model) -> Result<OutboxEmail, ServerError> {
    Ok(OutboxEmail {
        id: e.id.to_string(),
        kind: e.kind.clone(),
        to: e.to_address.clone(),
        subject: e.subject.clone(),
        locale: e.locale.clone(),
        status: e.status.clone(),
        attempts: u32::try_from(e.attempts).unwrap_or_default(),
        last_error: e.last_error.clone(),
        created_at: e.created_at,
        next_attempt_at: e.next_attempt_at,
        sent_at: e.sent_at,
    })
}

/// The outbox, newest first, with delivery status, attempts and the last error (admins).
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: EmailFilter,
    paging: PageParams,
) -> Result<Page<OutboxEmail>, ServerError> {
    actor.require(Operation::ReadEmails)?;
    let mut query = email_outbox::Entity::find();
    if let Some(status) = filter.status {
        if !OUTBOX_STATUSES.contains(&status.as_str()) {
            return Err(ServerError::Validation(vec![FieldError::new(
                "status",
                format!("must be one of {}", OUTBOX_STATUSES.join(", ")),
            )]));
        }
        query = query.filter(email_outbox::Column::Status.eq(status));
    }
    let query = query
        .order_by_desc(email_outbox::Column::CreatedAt)
        .order_by_desc(email_outbox::Column::Id);
    fetch_page(db, query, paging, outbox_email).await
}
