//! Submitting an analysis: receiving the upload (within the size limit, the instance's
//! upload budget and the time allowed), then analysing it now on the CPU pool or queueing
//! it as a job. Every analysis is stored as a run owned by its caller.
//!
//! Small inputs are analysed at once; inputs above the async threshold, or any input when
//! asked, are queued (`Submitted::Queued`). When every thread is taken and the synchronous
//! queue is full, the input is queued too, unless the caller refused queueing (then 503
//! with `Retry-After`).

use super::input::{self, Declared, Upload};
use super::runs::{self, NewRun, Outcome};
use super::{Computed, Context, compute, outcome};
use crate::error::ServerError;
use crate::policy::{Actor, Caller, Operation};
use chrono::Utc;
use pintar_core::api::{AnalysisRun, QuickAnalysis, QuickSeries};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::AnalysisReport;
use std::time::Instant;
use uuid::Uuid;

/// Receives an upload for `actor` (who must be allowed to analyse, checked before a byte
/// is read): at most the upload limit, reserved from the budget as it arrives, within the
/// upload timeout.
pub async fn receive<S, B, E>(
    ctx: &Context,
    actor: &Actor,
    stream: S,
    declared: Declared,
) -> Result<Upload, ServerError>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let caller = actor.require(Operation::Analyze)?;
    let runner = &ctx.runner;
    let limit = ctx.limits.max_upload_bytes;
    let reading = input::read(stream, declared, limit, &runner.budget, caller.id);
    match tokio::time::timeout(runner.upload_timeout, reading).await {
        Ok(result) => result,
        Err(_) => Err(ServerError::RequestTimeout(format!(
            "the upload did not arrive within {} s",
            runner.upload_timeout.as_secs()
        ))),
    }
}

/// How the caller wants the answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivery {
    /// `Some(true)`: queue it; `Some(false)`: never queue (503 when busy); `None`: queue
    /// large inputs and any input while the pool is full.
    pub run_async: Option<bool>,
}

/// What became of a submitted analysis.
#[derive(Debug)]
pub enum Submitted {
    /// Analysed now: the stored run's id, and the computation or the problem it failed
    /// with (stored with the run too).
    Done {
        /// The run.
        run_id: Uuid,
        /// The report, or why there is none.
        result: Result<Box<Computed>, ServerError>,
    },
    /// Queued as a job: poll the run.
    Queued(Box<AnalysisRun>),
}

/// Analyses `upload` for `actor` with `opts`, now or as a job (see the module docs).
pub async fn submit(
    ctx: &Context,
    actor: &Actor,
    upload: Upload,
    opts: AnalysisOptions,
    delivery: Delivery,
) -> Result<Submitted, ServerError> {
    let caller = actor.require(Operation::Analyze)?;
    within_usage(ctx, caller, upload.bytes.len()).await?;
    let large = upload.bytes.len() > ctx.limits.async_bytes;
    if delivery.run_async.unwrap_or(large) {
        return enqueue(ctx, caller, upload, opts).await;
    }
    // Every thread taken and the synchronous queue full: the input waits in the job queue
    // instead (or, when queueing was refused, the caller is told to come back).
    let admission = match ctx.runner.pool.admit() {
        Ok(a) => a,
        Err(busy) if delivery.run_async == Some(false) => return Err(busy),
        Err(_) => return enqueue(ctx, caller, upload, opts).await,
    };
    let running = ctx
        .runner
        .start(caller.id, ctx.limits.concurrent_per_user)?;
    let (run_id, result) = run_detached(ctx, caller, upload, opts, (running, admission)).await?;
    Ok(Submitted::Done {
        run_id,
        result: result.map(Box::new),
    })
}

/// Trend, growth and last value per series, without forecasts: quick to compute, small to
/// send. Stored as a run too; never queued (503 when the pool is full).
pub async fn quick(
    ctx: &Context,
    actor: &Actor,
    upload: Upload,
    mut opts: AnalysisOptions,
) -> Result<(Uuid, Result<QuickAnalysis, ServerError>), ServerError> {
    let caller = actor.require(Operation::QuickAnalysis)?;
    within_usage(ctx, caller, 0).await?;
    opts.include_forecast = false;
    opts.include_history = false;
    let admission = ctx.runner.pool.admit()?;
    let running = ctx
        .runner
        .start(caller.id, ctx.limits.concurrent_per_user)?;
    let (id, result) = run_detached(ctx, caller, upload, opts, (running, admission)).await?;
    Ok((id, result.map(|c| quick_view(id, &c.report))))
}

/// Refuses (429, with the time to wait) an account past its hourly CPU time, or one whose
/// stored inputs and reports, with `more` bytes to store, would pass its allowance.
async fn within_usage(ctx: &Context, caller: &Caller, more: usize) -> Result<(), ServerError> {
    let usage = runs::usage(&ctx.db, caller.id).await?;
    let limits = &ctx.limits;
    if usage.cpu_last_hour >= limits.cpu_per_hour {
        let wait = usage.cpu_frees_in.as_secs().clamp(1, 3600);
        return Err(ServerError::TooMany {
            code: "analysis_time_exceeded",
            detail: format!(
                "this account used {} s of analysis time in the last hour, as much as it may ({} s); try again in {wait} s",
                usage.cpu_last_hour.as_secs(),
                limits.cpu_per_hour.as_secs()
            ),
            retry_after: u32::try_from(wait).unwrap_or(3600),
        });
    }
    if usage.stored_bytes.saturating_add(more as u64) > limits.stored_bytes_per_user {
        return Err(ServerError::TooMany {
            code: "storage_exceeded",
            detail: format!(
                "this account keeps {} bytes of inputs and reports, and may keep {}; delete old runs first",
                usage.stored_bytes, limits.stored_bytes_per_user
            ),
            retry_after: 60,
        });
    }
    Ok(())
}

/// Queues `upload` as a job.
async fn enqueue(
    ctx: &Context,
    caller: &Caller,
    upload: Upload,
    opts: AnalysisOptions,
) -> Result<Submitted, ServerError> {
    let Upload {
        bytes,
        format,
        source,
        reserved,
    } = upload;
    let new = NewRun {
        owner: caller.id,
        source,
        format,
        input_bytes: bytes.len(),
        options: opts,
    };
    let limits = runs::JobLimits {
        per_user: ctx.limits.jobs_per_user,
        queued: ctx.limits.max_queued,
    };
    let run = runs::enqueue(&ctx.db, &new, bytes, limits).await?;
    // The input now waits in the database, not in memory.
    drop(reserved);
    ctx.runner.wake.notify_one();
    Ok(Submitted::Queued(Box::new(runs::view(&run))))
}

/// [`run_now`] in a task of its own, holding `held` (the account's slot, the pool's
/// admission) until the run is stored: a caller who hangs up does not stop the analysis,
/// so what it holds and what it is charged must not stop either.
async fn run_detached<H: Send + 'static>(
    ctx: &Context,
    caller: &Caller,
    upload: Upload,
    opts: AnalysisOptions,
    held: H,
) -> Result<(Uuid, Result<Computed, ServerError>), ServerError> {
    let (ctx, caller) = (ctx.clone(), *caller);
    tokio::spawn(async move {
        let out = run_now(&ctx, &caller, upload, opts).await;
        drop(held);
        out
    })
    .await
    .map_err(|e| ServerError::Internal(format!("analysis task ended: {e}")))?
}

/// Runs `upload` now on the pool (the caller holds an admission), within the analysis's
/// deadline and budget, stores the run with the CPU time it took, and returns its id with
/// the computation (or the problem it failed with).
async fn run_now(
    ctx: &Context,
    caller: &Caller,
    upload: Upload,
    opts: AnalysisOptions,
) -> Result<(Uuid, Result<Computed, ServerError>), ServerError> {
    let Upload {
        bytes,
        format,
        source,
        reserved,
    } = upload;
    let pool = &ctx.runner.pool;
    let permit = pool.permit().await?;
    let started_at = Utc::now();
    let started = Instant::now();
    let new = NewRun {
        owner: caller.id,
        source,
        format,
        input_bytes: bytes.len(),
        options: opts.clone(),
    };
    let budget = ctx.limits.budget();
    let result = pool
        .run(permit, move || {
            compute(&bytes, format, &opts, &budget).map_err(ServerError::from)
        })
        .await
        .and_then(|r| r);
    drop(reserved);
    let duration = started.elapsed();
    let cpu = result.as_ref().map_or(duration, |c| c.cpu);
    let (outcome, computed) = outcome(result);
    // The answer keeps a copy of what the run stores (the stored copy moves into the row).
    let answer = match (&outcome, computed) {
        (Outcome::Succeeded { report_json, .. }, Some(report)) => Ok(Computed {
            report,
            json: report_json.clone(),
            cpu,
        }),
        (Outcome::Failed(p), _) => Err(ServerError::Stored(Box::new(p.clone()))),
        _ => Err(ServerError::Internal("analysis outcome lost".into())),
    };
    let spent = runs::Spent { duration, cpu };
    let id = runs::record_finished(&ctx.db, &new, outcome, started_at, spent).await?;
    let (db, owner, keep) = (ctx.db.clone(), caller.id, ctx.limits.keep_runs);
    tokio::spawn(async move {
        if let Err(e) = runs::prune(&db, owner, keep).await {
            tracing::warn!(error = %e, "cannot prune old analysis runs");
        }
    });
    Ok((id, answer))
}

fn quick_view(run_id: Uuid, report: &AnalysisReport) -> QuickAnalysis {
    QuickAnalysis {
        run_id: run_id.to_string(),
        rows_read: report.summary.rows_read,
        invalid_rows: report.summary.invalid_rows,
        series: report
            .series
            .iter()
            .map(|s| QuickSeries {
                category: s.category.clone(),
                frequency: s.frequency,
                status: s.status,
                periods: s.stats.count,
                start: s.start,
                end: s.end,
                last_value: Some(s.stats.last).filter(|v| v.is_finite()),
                trend: s.trend.as_ref().map(|t| t.direction),
                slope_per_period: s
                    .trend
                    .as_ref()
                    .map(|t| t.sen_slope)
                    .filter(|v| v.is_finite()),
                p_value: s
                    .trend
                    .as_ref()
                    .map(|t| t.p_value)
                    .filter(|v| v.is_finite()),
                last_period_pct: s.growth.last_period_pct,
                year_over_year_pct: s.growth.year_over_year_pct,
                cagr_pct: s.growth.cagr_pct,
            })
            .collect(),
    }
}
