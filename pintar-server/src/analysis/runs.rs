//! Stored runs: every analysis is a row owned by its caller. Synchronous analyses are
//! written when done; jobs are queued with their input, claimed by a worker with a lease
//! (a conditional UPDATE, the same on SQLite and PostgreSQL: of two workers racing for a
//! run exactly one changes the row), renewed while it works, and finished only by the
//! worker that still holds the claim. A run whose lease lapsed (its worker died) is claimed
//! again once; after [`MAX_ATTEMPTS`] claims it fails with the reason instead of taking
//! another worker down. Workers take queued runs fairly: the run of the account with the
//! fewest runs being analysed comes first (then the oldest), so one account's many jobs
//! cannot keep another account's job waiting behind them.

use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::Caller;
use crate::storage::entities::{
    analysis_charge, analysis_input, analysis_report, analysis_run, user,
};
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

/// Claims of one run before it is failed as one that keeps killing its workers: the first,
/// and one retry.
pub const MAX_ATTEMPTS: i32 = 2;

/// What an analysis took: wall time, and CPU time over every thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Spent {
    /// Wall time.
    pub duration: Duration,
    /// CPU time.
    pub cpu: Duration,
}

/// What an account uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// CPU time of its analyses finished in the last hour.
    pub cpu_last_hour: Duration,
    /// When enough of that hour's CPU time ages out to be under the allowance again (an
    /// upper bound: when the oldest counted analysis leaves the hour).
    pub cpu_frees_in: Duration,
    /// Bytes of its queued inputs and stored reports.
    pub stored_bytes: u64,
}

/// What `owner` uses now (see [`Usage`]).
pub async fn usage(db: &DatabaseConnection, owner: Uuid) -> Result<Usage, ServerError> {
    let now = Utc::now();
    let hour_ago = now - chrono::Duration::hours(1);
    // The charges, not the runs: deleting a run must not give its CPU time back.
    let recent: Vec<(i64, DateTime<Utc>)> = analysis_charge::Entity::find()
        .select_only()
        .column(analysis_charge::Column::CpuMs)
        .column(analysis_charge::Column::ChargedAt)
        .filter(analysis_charge::Column::UserId.eq(owner))
        .filter(analysis_charge::Column::ChargedAt.gt(hour_ago))
        .into_tuple()
        .all(db)
        .await?;
    let cpu_ms: i64 = recent.iter().map(|(ms, _)| std::cmp::max(*ms, 0)).sum();
    let oldest = recent.iter().map(|(_, at)| *at).min();
    let frees = oldest.map_or(chrono::Duration::zero(), |t| {
        (t + chrono::Duration::hours(1)) - now
    });
    // PostgreSQL sums a BIGINT as NUMERIC: cast back, the same on both engines.
    let stored: Option<i64> = analysis_run::Entity::find()
        .select_only()
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(stored_bytes), 0) AS BIGINT)"),
            "s",
        )
        .filter(analysis_run::Column::UserId.eq(owner))
        .into_tuple()
        .one(db)
        .await?;
    Ok(Usage {
        cpu_last_hour: Duration::from_millis(u64::try_from(cpu_ms).unwrap_or(0)),
        cpu_frees_in: frees.to_std().unwrap_or_default(),
        stored_bytes: u64::try_from(stored.unwrap_or(0)).unwrap_or(0),
    })
}

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
        cpu_ms: Set(0),
        // A queued run keeps its input until it is analysed.
        stored_bytes: Set(i64::try_from(new.input_bytes).unwrap_or(i64::MAX)),
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
    spent: Spent,
) -> Result<Uuid, ServerError> {
    let (status, summary, error, report) = columns(outcome)?;
    let duration = spent.duration;
    let mut run = base(new, status, started)?;
    let id = Uuid::now_v7();
    run.id = Set(id);
    run.summary = Set(summary);
    run.error = Set(error);
    run.attempts = Set(1);
    run.started_at = Set(Some(started));
    run.finished_at = Set(Some(Utc::now()));
    run.duration_ms = Set(millis(duration));
    run.cpu_ms = Set(millis(spent.cpu));
    run.stored_bytes = Set(report
        .as_ref()
        .map_or(0, |r| i64::try_from(r.len()).unwrap_or(i64::MAX)));
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
    charge(&txn, Some(new.owner), spent.cpu).await?;
    txn.commit().await?;
    Ok(id)
}

/// Charges `owner` the CPU time of a finished analysis, and forgets the account's charges
/// that left the hour.
async fn charge<C: sea_orm::ConnectionTrait>(
    conn: &C,
    owner: Option<Uuid>,
    cpu: Duration,
) -> Result<(), ServerError> {
    let Some(owner) = owner else {
        return Ok(());
    };
    let now = Utc::now();
    analysis_charge::Entity::delete_many()
        .filter(analysis_charge::Column::UserId.eq(owner))
        .filter(analysis_charge::Column::ChargedAt.lt(now - chrono::Duration::hours(1)))
        .exec(conn)
        .await?;
    analysis_charge::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(owner),
        charged_at: Set(now),
        cpu_ms: Set(millis(cpu)),
    }
    .insert(conn)
    .await?;
    Ok(())
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
            code: "too_many_runs",
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

/// Claims the next claimable run for `worker` for `lease`, with its input: round robin
/// over accounts (see below). A run whose claims were lost [`MAX_ATTEMPTS`] times (its
/// process died while analysing it) is failed with the reason instead.
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
        // Round robin over accounts: the account with the fewest runs being analysed goes
        // first, then the one whose last run started longest ago (never: first), and
        // within an account, the oldest job. A full queue of one account delays another's
        // job by at most the one running when it was queued.
        .order_by_asc(Expr::cust(
            "(SELECT COUNT(*) FROM analysis_runs busy \
              WHERE busy.user_id = analysis_runs.user_id AND busy.status = 'running')",
        ))
        .order_by_asc(Expr::cust(
            "(SELECT COALESCE(MAX(seen.started_at), '1970-01-01') FROM analysis_runs seen \
              WHERE seen.user_id = analysis_runs.user_id)",
        ))
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
                format!(
                    "the server stopped {attempts} times while analysing this input, so it is not tried again; it may be far heavier than it looks (check its dates and series)"
                ),
            );
            let txn = crate::storage::write(db).await?;
            let res = analysis_run::Entity::update_many()
                .col_expr(analysis_run::Column::Status, Expr::value("failed"))
                .col_expr(analysis_run::Column::StoredBytes, Expr::value(0i64))
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
    spent: Spent,
) -> Result<bool, ServerError> {
    let (status, summary, error, report) = columns(outcome)?;
    let duration = spent.duration;
    let stored = report
        .as_ref()
        .map_or(0, |r| i64::try_from(r.len()).unwrap_or(i64::MAX));
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
        .col_expr(analysis_run::Column::CpuMs, Expr::value(millis(spent.cpu)))
        .col_expr(analysis_run::Column::StoredBytes, Expr::value(stored))
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
    let owner: Option<Option<Uuid>> = analysis_run::Entity::find_by_id(id)
        .select_only()
        .column(analysis_run::Column::UserId)
        .into_tuple()
        .one(&txn)
        .await?;
    charge(&txn, owner.flatten(), spent.cpu).await?;
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
