//! The delivery worker: claims due outbox rows, delivers them, and records the outcome.
//!
//! A claim is a conditional update (compare-and-set) of one row from "due" to `sending`
//! with this worker's id and a lease: of two workers (or two instances) that pick the same
//! row, the database lets one update it and the other's matches nothing. This works the
//! same on SQLite and PostgreSQL. A row whose lease ran out (its worker died or hung) is due
//! again. Attempts are counted when a row is claimed, so a message that kills its worker
//! still runs out of attempts.
//!
//! In normal operation a row is sent once: the lease is longer than the send timeout, and
//! the outcome is written only by the worker that still holds the claim.

use super::provider::{DeliveryError, Outgoing, Provider};
use crate::config::Settings;
use crate::error::ServerError;
use crate::storage::entities::email_outbox::{self, Column, Entity};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use uuid::Uuid;

/// Rows one worker claims at a time.
const BATCH: u64 = 16;

/// How delivery behaves, from settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Pause between looks for due rows when there is nothing to do.
    pub poll: Duration,
    /// Attempts before a row is `failed`.
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one.
    pub backoff: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Longest one attempt may take.
    pub send_timeout: Duration,
    /// How long a claim lasts.
    pub lease: Duration,
}

impl DeliveryConfig {
    /// The delivery settings, checked.
    pub fn from_settings(s: &Settings) -> Result<Self, ServerError> {
        let config = Self {
            poll: Duration::from_millis(s.email_poll_ms),
            max_attempts: s.email_max_attempts,
            backoff: Duration::from_millis(s.email_backoff_ms),
            backoff_max: Duration::from_millis(s.email_backoff_max_ms),
            send_timeout: Duration::from_millis(s.email_send_timeout_ms),
            lease: Duration::from_millis(s.email_lease_ms),
        };
        if config.max_attempts == 0 || config.max_attempts > 100 {
            return Err(ServerError::Config(
                "PINTAR_EMAIL_MAX_ATTEMPTS must be 1 to 100".into(),
            ));
        }
        if config.poll.is_zero() || config.send_timeout.is_zero() {
            return Err(ServerError::Config(
                "PINTAR_EMAIL_POLL_MS and PINTAR_EMAIL_SEND_TIMEOUT_MS must be above 0".into(),
            ));
        }
        if config.lease <= config.send_timeout {
            return Err(ServerError::Config(
                "PINTAR_EMAIL_LEASE_MS must be longer than PINTAR_EMAIL_SEND_TIMEOUT_MS, or a slow send would be taken over and sent twice".into(),
            ));
        }
        Ok(config)
    }

    /// The wait before the next attempt after `attempts` failed ones: `backoff`, doubled
    /// per further failure, at most `backoff_max`.
    pub fn backoff_after(&self, attempts: u32) -> Duration {
        let doublings = Ord::min(attempts.saturating_sub(1), 30);
        Ord::min(
            self.backoff.saturating_mul(1u32 << doublings),
            self.backoff_max,
        )
    }
}

/// `wait` after `now`, or the end of time when that is past it (a huge setting).
fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One delivery worker over the outbox.
pub struct Worker {
    db: DatabaseConnection,
    provider: Arc<Provider>,
    config: DeliveryConfig,
    id: String,
}

/// Rows that are due: pending and past their time, or claimed with a lease run out.
fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(Column::Status.eq("pending"))
                .add(Column::NextAttemptAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(Column::Status.eq("sending"))
                .add(Column::ClaimedUntil.lt(now)),
        )
}

impl Worker {
    /// A worker delivering through `provider`, with an id of its own.
    pub fn new(db: DatabaseConnection, provider: Arc<Provider>, config: DeliveryConfig) -> Self {
        let id = format!("{}-{}", std::process::id(), Uuid::now_v7().simple());
        Self {
            db,
            provider,
            config,
            id,
        }
    }

    /// This worker's id (recorded in `claimed_by`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Claims up to `limit` due rows for this worker (attempts counted), oldest due first.
    pub async fn claim(&self, limit: u64) -> Result<Vec<email_outbox::Model>, DbErr> {
        let now = Utc::now();
        self.fail_abandoned(now).await?;
        let candidates: Vec<Uuid> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(due(now))
            .order_by_asc(Column::NextAttemptAt)
            .order_by_asc(Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.db)
            .await?;
        let until = later(now, self.config.lease);
        let mut claimed = Vec::new();
        for id in candidates {
            // The compare-and-set: only a row still due is taken.
            let res = Entity::update_many()
                .col_expr(Column::Status, Expr::value("sending"))
                .col_expr(Column::ClaimedBy, Expr::value(self.id.clone()))
                .col_expr(Column::ClaimedUntil, Expr::value(until))
                .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
                .filter(Column::Id.eq(id))
                .filter(due(now))
                .exec(&self.db)
                .await?;
            if res.rows_affected == 1
                && let Some(row) = Entity::find_by_id(id)
                    .filter(Column::ClaimedBy.eq(self.id.clone()))
                    .one(&self.db)
                    .await?
            {
                claimed.push(row);
            }
        }
        Ok(claimed)
    }

    /// Rows whose last allowed attempt was claimed by a worker that never finished it: no
    /// attempt is left, so they fail instead of being claimed again.
    async fn fail_abandoned(&self, now: DateTime<Utc>) -> Result<(), DbErr> {
        let max = i32::try_from(self.config.max_attempts).unwrap_or(i32::MAX);
        Entity::update_many()
            .col_expr(Column::Status, Expr::value("failed"))
            .col_expr(
                Column::LastError,
                Expr::value("the worker delivering the last attempt stopped before finishing"),
            )
            .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(Column::Status.eq("sending"))
            .filter(Column::ClaimedUntil.lt(now))
            .filter(Column::Attempts.gte(max))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Delivers `row` (claimed by this worker) once, within the send timeout.
    async fn deliver(&self, row: &email_outbox::Model) -> Result<(), DeliveryError> {
        let email = Outgoing::from(row);
        match tokio::time::timeout(self.config.send_timeout, self.provider.send(&email)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(DeliveryError::Retryable(format!(
                "no answer within {} ms",
                self.config.send_timeout.as_millis()
            ))),
        }
    }

    /// Records the outcome of the attempt on `row`, if this worker still holds its claim.
    async fn finish(
        &self,
        row: &email_outbox::Model,
        outcome: Result<(), DeliveryError>,
    ) -> Result<(), DbErr> {
        let now = Utc::now();
        let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
        let mut update = Entity::update_many()
            .col_expr(Column::ClaimedBy, Expr::value(Option::<String>::None))
            .col_expr(
                Column::ClaimedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            );
        update = match &outcome {
            Ok(()) => update
                .col_expr(Column::Status, Expr::value("sent"))
                .col_expr(Column::SentAt, Expr::value(now)),
            Err(DeliveryError::Retryable(e)) if attempts < self.config.max_attempts => {
                let next = later(now, self.config.backoff_after(attempts));
                update
                    .col_expr(Column::Status, Expr::value("pending"))
                    .col_expr(Column::NextAttemptAt, Expr::value(next))
                    .col_expr(Column::LastError, Expr::value(e.clone()))
            }
            Err(e) => update
                .col_expr(Column::Status, Expr::value("failed"))
                .col_expr(Column::LastError, Expr::value(e.to_string())),
        };
        let res = update
            .filter(Column::Id.eq(row.id))
            .filter(Column::Status.eq("sending"))
            .filter(Column::ClaimedBy.eq(self.id.clone()))
            .filter(Column::Attempts.eq(row.attempts))
            .exec(&self.db)
            .await?;
        match (&outcome, res.rows_affected) {
            (_, 0) => tracing::warn!(
                email = %row.id,
                "the claim ran out before the attempt finished; another worker owns the email now"
            ),
            (Ok(()), _) => {
                tracing::info!(email = %row.id, kind = %row.kind, attempts, "email sent")
            }
            (Err(e), _) => tracing::warn!(
                email = %row.id,
                kind = %row.kind,
                attempts,
                error = %e,
                "email attempt failed"
            ),
        }
        Ok(())
    }

    /// Claims one batch of due rows and delivers them; returns how many were attempted.
    pub async fn run_once(&self) -> Result<usize, DbErr> {
        let rows = self.claim(BATCH).await?;
        for row in &rows {
            let outcome = self.deliver(row).await;
            self.finish(row, outcome).await?;
        }
        Ok(rows.len())
    }

    /// Delivers until nothing is due; returns how many attempts were made.
    pub async fn drain(&self) -> Result<usize, DbErr> {
        let mut total = 0;
        loop {
            match self.run_once().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// Runs until `stop` says so (or its sender is gone): delivers what is due, then waits
    /// for the poll interval or a `wake`.
    pub async fn run(self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        loop {
            if *stop.borrow() {
                return;
            }
            match self.run_once().await {
                // More may be due at once.
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "email delivery could not read the outbox"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.config.poll) => {}
                () = wake.notified() => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let c = DeliveryConfig {
            poll: Duration::from_secs(1),
            max_attempts: 8,
            backoff: Duration::from_secs(30),
            backoff_max: Duration::from_secs(600),
            send_timeout: Duration::from_secs(30),
            lease: Duration::from_secs(300),
        };
        let secs: Vec<u64> = (1..=7).map(|a| c.backoff_after(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 600, 600]);
        assert_eq!(c.backoff_after(u32::MAX), Duration::from_secs(600));
    }

    #[test]
    fn a_lease_shorter_than_a_send_is_refused() {
        let s = Settings {
            email_lease_ms: 1000,
            email_send_timeout_ms: 1000,
            ..Settings::default()
        };
        assert!(DeliveryConfig::from_settings(&s).is_err());
        assert!(DeliveryConfig::from_settings(&Settings::default()).is_ok());
    }
}
