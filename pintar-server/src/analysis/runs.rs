//! Stored runs: every analysis is a row owned by its caller. Synchronous analyses are
//! written when done; jobs are queued with their input, claimed by a worker with a lease
//! (a conditional UPDATE, the same on SQLite and PostgreSQL: of two workers racing for a
//! run exactly one changes the row), renewed while it works, and finished only by the
//! worker that still holds the claim. A run whose lease lapsed (its worker died) is claimed
//! again; after [`MAX_ATTEMPTS`] claims it fails instead of crashing workers forever.

use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::Caller;
use crate::storage::entities::{analysis_input, analysis_report, analysis_run, user};
use chrono::{DateTime, Utc};
use pintar_core::analytics::InputFormat;
use pintar_core::api::{AnalysisRun, Page, Problem, RunStatus};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::Summary;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::time::Duration;
use uuid::Uuid;

/// Claims of one run before it is failed as one that keeps killing its workers.
pub const MAX_ATTEMPTS: i32 = 3;

/// The stored name of a format.
pub fn format_name(format: InputFormat) -> &'static str {
    match format {
        InputFormat::Csv => "csv",
        InputFormat::Json => "json",
    }
}

fn parse_format(name: &str) -> InputFormat {
    if name == "json" {
        InputFormat::Json
    } else {
        InputFormat::Csv
    }
}

/// What a new run is.
#[derive(Debug, Clone)]
pub struct NewRun {
    /// Owner.
    pub owner: Uuid,
    /// File name or `body`.
    pub source: String,
    /// How the input reads.
    pub format: InputFormat,
    /// Input size.
    pub input_bytes: usize,
    /// Engine options.
    pub options: AnalysisOptions,
}

/// How an analysis ended.
#[derive(Debug)]
pub enum Outcome {
    /// The report, as its summary and its JSON text.
    Succeeded {
        /// The report's summary.
        summary: Box<Summary>,
        /// The whole report as JSON.
        report_json: String,
    },
    /// Why the input could not be analysed.
    Failed(Problem),
}

/// A claimed job: the run and its input.
#[derive(Debug)]
pub struct Claimed {
    /// Run id.
    pub id: Uuid,
    /// This claim (the worker's name and a token of its own): renewing and finishing need
    /// it, so a claim that lapsed and was taken again cannot be renewed by the old one.
    pub token: String,
    /// Its owner.
    pub owner: Option<Uuid>,
    /// Options.
    pub options: AnalysisOptions,
    /// Input format.
    pub format: InputFormat,
    /// The input.
    pub input: Vec<u8>,
}

/// `value` as JSON for a JSON column. NUL characters (which uploads can carry into
/// warnings and errors) become U+FFFD: PostgreSQL's JSON refuses them.
fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, ServerError> {
    let mut v =
        serde_json::to_value(value).map_err(|e| ServerError::Internal(format!("encode: {e}")))?;
    scrub(&mut v);
    Ok(v)
}

fn scrub(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{fffd}"),
        serde_json::Value::Array(items) => items.iter_mut().for_each(scrub),
        serde_json::Value::Object(map) => map.values_mut().for_each(scrub),
        _ => {}
    }
}

fn base(
    new: &NewRun,
    status: RunStatus,
    now: DateTime<Utc>,
) -> Result<analysis_run::ActiveModel, ServerError> {
    Ok(analysis_run::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(new.owner)),
        source: Set(new.source.clone()),
        options: Set(json(&new.options)?),
        summary: Set(serde_json::Value::Null),
        report: Set(None),
        status: Set(status.as_str().into()),
        duration_ms: Set(0),
        created_at: Set(now),
        input_format: Set(format_name(new.format).into()),
        input_bytes: Set(i64::try_from(new.input_bytes).unwrap_or(i64::MAX)),
        error: Set(None),
        attempts: Set(0),
        claimed_by: Set(None),
        lease_until: Set(None),
        started_at: Set(None),
        finished_at: Set(None),
    })
}

/// The run columns of `outcome` (status, summary, error) and its report text.
type Columns = (
    RunStatus,
    serde_json::Value,
    Option<serde_json::Value>,
    Option<String>,
);

fn columns(outcome: Outcome) -> Result<Columns, ServerError> {
    Ok(match outcome {
        Outcome::Succeeded {
            summary,
            report_json,
        } => (
            RunStatus::Succeeded,
            json(&summary)?,
            None,
            Some(report_json),
        ),
        Outcome::Failed(p) => (
            RunStatus::Failed,
            serde_json::Value::Null,
            Some(json(&p)?),
            None,
        ),
    })
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Records a synchronous analysis that has finished; returns the run id.
pub async fn record_finished(
    db: &DatabaseConnection,
    new: &NewRun,
    outcome: Outcome,
    started: DateTime<Utc>,
    duration: Duration,
) -> Result<Uuid, ServerError> {
    let (status, summary, error, report) = columns(outcome)?;
    let mut run = base(new, status, started)?;
    let id = Uuid::now_v7();
    run.id = Set(id);
    run.summary = Set(summary);
    run.error = Set(error);
    run.attempts = Set(1);
    run.started_at = Set(Some(started));
    run.finished_at = Set(Some(Utc::now()));
    run.duration_ms = Set(millis(duration));
    let txn = crate::storage::write(db).await?;
    run.insert(&txn).await?;
    if let Some(body) = report {
        analysis_report::ActiveModel {
            run_id: Set(id),
            body: Set(body),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(id)
}

/// Limits on queued jobs.
#[derive(Debug, Clone, Copy)]
pub struct JobLimits {
    /// Jobs one account may have queued or running.
    pub per_user: u64,
    /// Jobs queued over all accounts.
    pub queued: u64,
}

/// Queues a job with its input, if the owner and the queue have room: counted and
/// inserted in one write transaction, holding the owner's row (PostgreSQL) or the write
/// lock (SQLite), so concurrent requests cannot all see room that only one has.
pub async fn enqueue(
    db: &DatabaseConnection,
    new: &NewRun,
    input: Vec<u8>,
    limits: JobLimits,
) -> Result<analysis_run::Model, ServerError> {
    let run = base(new, RunStatus::Queued, Utc::now())?;
    let txn = crate::storage::write(db).await?;
    user::Entity::find_by_id(new.owner)
        .lock_exclusive()
        .one(&txn)
        .await?;
    let in_flight = analysis_run::Entity::find()
        .filter(analysis_run::Column::UserId.eq(new.owner))
        .filter(analysis_run::Column::Status.is_in(["queued", "running"]))
        .count(&txn)
        .await?;
    if in_flight >= limits.per_user {
        return Err(ServerError::TooMany {
            detail: format!(
                "you already have {} analyses queued or running; wait for one to finish",
                limits.per_user
            ),
            retry_after: 10,
        });
    }
    let queued = analysis_run::Entity::find()
        .filter(analysis_run::Column::Status.eq("queued"))
        .count(&txn)
        .await?;
    if queued >= limits.queued {
        return Err(ServerError::Busy {
            detail: "the analysis queue is full; try again shortly".into(),
            retry_after: 30,
        });
    }
    let model = run.insert(&txn).await?;
    analysis_input::ActiveModel {
        run_id: Set(model.id),
        data: Set(input),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Deletes `owner`'s oldest finished runs beyond the newest `keep`.
pub async fn prune(db: &DatabaseConnection, owner: Uuid, keep: u64) -> Result<u64, ServerError> {
    let old: Vec<Uuid> = analysis_run::Entity::find()
        .select_only()
        .column(analysis_run::Column::Id)
        .filter(analysis_run::Column::UserId.eq(owner))
        .filter(analysis_run::Column::Status.is_in(["succeeded", "failed"]))
        .order_by_desc(analysis_run::Column::CreatedAt)
        .order_by_desc(analysis_run::Column::Id)
        .offset(keep)
        .limit(1000)
        .into_tuple()
        .all(db)
        .await?;
    if old.is_empty() {
        return Ok(0);
    }
    let txn = crate::storage::write(db).await?;
    analysis_report::Entity::delete_many()
        .filter(analysis_report::Column::RunId.is_in(old.clone()))
        .exec(&txn)
        .await?;
    analysis_input::Entity::delete_many()
        .filter(analysis_input::Column::RunId.is_in(old.clone()))
        .exec(&txn)
        .await?;
    let gone = analysis_run::Entity::delete_many()
        .filter(analysis_run::Column::Id.is_in(old))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(gone)
}

/// Runs a worker may take: queued, or running under a lease that has lapsed.
fn claimable(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(analysis_run::Column::Status.eq("queued"))
        .add(
            Condition::all()
                .add(analysis_run::Column::Status.eq("running"))
                .add(analysis_run::Column::LeaseUntil.lt(now)),
        )
}

/// Claims the oldest claimable run for `worker` for `lease`, with its input.
pub async fn claim(
    db: &DatabaseConnection,
    worker: &str,
    lease: Duration,
) -> Result<Option<Claimed>, ServerError> {
    let now = Utc::now();
    let token = format!("{worker}/{}", Uuid::now_v7().simple());
    let lease_until =
        now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let candidates: Vec<(Uuid, i32)> = analysis_run::Entity::find()
        .select_only()
        .column(analysis_run::Column::Id)
        .column(analysis_run::Column::Attempts)
        .filter(claimable(now))
        .order_by_asc(analysis_run::Column::CreatedAt)
        .limit(8)
        .into_tuple()
        .all(db)
        .await?;
    for (id, attempts) in candidates {
        if attempts >= MAX_ATTEMPTS {
            let problem = Problem::new(
                500,
                "analysis_interrupted",
                format!("the analysis was interrupted {attempts} times and was given up"),
            );
            let txn = crate::storage::write(db).await?;
            let res = analysis_run::Entity::update_many()
                .col_expr(analysis_run::Column::Status, Expr::value("failed"))
                .col_expr(
                    analysis_run::Column::Error,
                    Expr::value(Some(json(&problem)?)),
                )
                .col_expr(analysis_run::Column::FinishedAt, Expr::value(Some(now)))
                .col_expr(
                    analysis_run::Column::ClaimedBy,
                    Expr::value(Option::<String>::None),
                )
                .filter(analysis_run::Column::Id.eq(id))
                .filter(claimable(now))
                .exec(&txn)
                .await?;
            if res.rows_affected == 1 {
                analysis_input::Entity::delete_by_id(id).exec(&txn).await?;
            }
            txn.commit().await?;
            continue;
        }
        let res = analysis_run::Entity::update_many()
            .col_expr(analysis_run::Column::Status, Expr::value("running"))
            .col_expr(
                analysis_run::Column::ClaimedBy,
                Expr::value(Some(token.clone())),
            )
            .col_expr(
                analysis_run::Column::LeaseUntil,
                Expr::value(Some(lease_until)),
            )
            .col_expr(analysis_run::Column::StartedAt, Expr::value(Some(now)))
            .col_expr(
                analysis_run::Column::Attempts,
                Expr::col(analysis_run::Column::Attempts).add(1),
            )
            .filter(analysis_run::Column::Id.eq(id))
            .filter(claimable(now))
            .exec(db)
            .await?;
        if res.rows_affected != 1 {
            continue; // another worker took it
        }
        let run = analysis_run::Entity::find_by_id(id).one(db).await?;
        let input = analysis_input::Entity::find_by_id(id).one(db).await?;
        let (Some(run), Some(input)) = (run, input) else {
            continue; // deleted meanwhile
        };
        let options = serde_json::from_value(run.options.clone()).unwrap_or_default();
        return Ok(Some(Claimed {
            id,
            token,
            owner: run.user_id,
            options,
            format: parse_format(&run.input_format),
            input: input.data,
        }));
    }
    Ok(None)
}

/// Extends the claim `token` on `id`; false when it no longer holds it.
pub async fn renew(
    db: &DatabaseConnection,
    id: Uuid,
    token: &str,
    lease: Duration,
) -> Result<bool, ServerError> {
    let until =
        Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
    let res = analysis_run::Entity::update_many()
        .col_expr(analysis_run::Column::LeaseUntil, Expr::value(Some(until)))
        .filter(analysis_run::Column::Id.eq(id))
        .filter(analysis_run::Column::Status.eq("running"))
        .filter(analysis_run::Column::ClaimedBy.eq(token))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Puts the runs `worker` holds back in the queue, undoing their attempt (on shutdown:
/// a deploy should not count against a healthy job).
pub async fn release(db: &DatabaseConnection, worker: &str) -> Result<u64, ServerError> {
    let res = analysis_run::Entity::update_many()
        .col_expr(analysis_run::Column::Status, Expr::value("queued"))
        .col_expr(
            analysis_run::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            analysis_run::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            analysis_run::Column::Attempts,
            Expr::col(analysis_run::Column::Attempts).sub(1),
        )
        .filter(analysis_run::Column::Status.eq("running"))
        .filter(analysis_run::Column::ClaimedBy.starts_with(format!("{worker}/")))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Finishes `id` under the claim `token` with `outcome`; false (and nothing written) when
/// the claim was lost meanwhile (the run was deleted, or its lease lapsed and another
/// claim took it).
pub async fn finish(
    db: &DatabaseConnection,
    id: Uuid,
    token: &str,
    outcome: Outcome,
    duration: Duration,
) -> Result<bool, ServerError> {
    let (status, summary, error, report) = columns(outcome)?;
    let txn = crate::storage::write(db).await?;
    let res = analysis_run::Entity::update_many()
        .col_expr(analysis_run::Column::Status, Expr::value(status.as_str()))
        .col_expr(analysis_run::Column::Summary, Expr::value(summary))
        .col_expr(analysis_run::Column::Error, Expr::value(error))
        .col_expr(
            analysis_run::Column::FinishedAt,
            Expr::value(Some(Utc::now())),
        )
        .col_expr(
            analysis_run::Column::ClaimedBy,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            analysis_run::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            analysis_run::Column::DurationMs,
            Expr::value(millis(duration)),
        )
        .filter(analysis_run::Column::Id.eq(id))
        .filter(analysis_run::Column::Status.eq("running"))
        .filter(analysis_run::Column::ClaimedBy.eq(token))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    if let Some(body) = report {
        analysis_report::ActiveModel {
            run_id: Set(id),
            body: Set(body),
        }
        .insert(&txn)
        .await?;
    }
    analysis_input::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// The run `id` if `caller` may see it (its owner, or an admin); 404 otherwise, so ids of
/// other people's runs reveal nothing.
pub async fn visible(
    db: &DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<analysis_run::Model, ServerError> {
    analysis_run::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| caller.is_admin() || r.user_id == Some(caller.id))
        .ok_or_else(|| ServerError::NotFound("analysis run".into()))
}

/// The report text of a succeeded run.
pub async fn report(db: &DatabaseConnection, id: Uuid) -> Result<Option<String>, ServerError> {
    Ok(analysis_report::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|r| r.body))
}

/// Deletes a run with its input and report.
pub async fn delete(db: &DatabaseConnection, id: Uuid) -> Result<(), ServerError> {
    let txn = crate::storage::write(db).await?;
    analysis_input::Entity::delete_by_id(id).exec(&txn).await?;
    analysis_report::Entity::delete_by_id(id).exec(&txn).await?;
    analysis_run::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Runs `caller` may see, newest first: their own, or everyone's for an admin (optionally
/// one owner's); optionally only one status.
pub async fn list(
    db: &DatabaseConnection,
    caller: &Caller,
    owner: Option<Uuid>,
    status: Option<RunStatus>,
    paging: PageParams,
) -> Result<Page<AnalysisRun>, ServerError> {
    let (page, per_page) = paging.resolve()?;
    let mut query = analysis_run::Entity::find();
    if !caller.is_admin() {
        query = query.filter(analysis_run::Column::UserId.eq(caller.id));
    } else if let Some(owner) = owner {
        query = query.filter(analysis_run::Column::UserId.eq(owner));
    }
    if let Some(status) = status {
        query = query.filter(analysis_run::Column::Status.eq(status.as_str()));
    }
    let paginator = query
        .order_by_desc(analysis_run::Column::CreatedAt)
        .order_by_desc(analysis_run::Column::Id)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items: rows.iter().map(view).collect(),
        total,
        page,
        per_page,
    })
}

/// The API view of a stored run.
pub fn view(r: &analysis_run::Model) -> AnalysisRun {
    let status = RunStatus::parse(&r.status).unwrap_or(RunStatus::Failed);
    AnalysisRun {
        id: r.id.to_string(),
        owner_id: r.user_id.map(|u| u.to_string()),
        status,
        source: r.source.clone(),
        input_format: r.input_format.clone(),
        input_bytes: u64::try_from(r.input_bytes).unwrap_or(0),
        options: serde_json::from_value(r.options.clone()).unwrap_or_default(),
        summary: serde_json::from_value(r.summary.clone()).ok(),
        error: r.error.clone().and_then(|e| serde_json::from_value(e).ok()),
        attempts: u32::try_from(r.attempts).unwrap_or(0),
        created_at: r.created_at,
        started_at: r.started_at,
        finished_at: r.finished_at,
        duration_ms: status
            .is_done()
            .then(|| u64::try_from(r.duration_ms).unwrap_or(0)),
        report_url: format!("/api/v1/analytics/runs/{}/report", r.id),
    }
}
