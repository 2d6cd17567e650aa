//! A caller's analyses: the run list, one run, its report (JSON or the per-period CSV),
//! and deleting a run. Callers see their own runs; admins (signed in) everyone's. Someone
//! else's run is "not found", so ids reveal nothing.

use super::Context;
use super::runs;
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::{Actor, Operation};
use pintar_core::api::{AnalysisRun, Page, Problem, ReportFormat, RunStatus};
use pintar_core::report::AnalysisReport;
use serde::Deserialize;
use uuid::Uuid;

/// Filters of the run list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilter {
    /// Only runs in this state.
    #[param(value_type = Option<String>, pattern = "^(queued|running|succeeded|failed)$")]
    pub status: Option<RunStatus>,
    /// Only this owner's runs (admins; others always see only their own).
    #[param(value_type = Option<String>, format = Uuid)]
    pub user_id: Option<Uuid>,
}

fn run_id(raw: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(raw).map_err(|_| ServerError::NotFound("analysis run".into()))
}

/// Where a run is polled.
pub fn location(id: impl std::fmt::Display) -> String {
    format!("/api/v1/analytics/runs/{id}")
}

/// The actor's runs, newest first (an admin's session: everyone's, or one owner's).
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: RunFilter,
    paging: PageParams,
) -> Result<Page<AnalysisRun>, ServerError> {
    let caller = actor.require(Operation::ListRuns)?;
    runs::list(&ctx.db, caller, filter.user_id, filter.status, paging).await
}

/// One run: its state, options, summary or error, and where its report is.
pub async fn run(ctx: &Context, actor: &Actor, id: &str) -> Result<AnalysisRun, ServerError> {
    let caller = actor.require(Operation::ReadRun)?;
    let run = runs::visible(&ctx.db, caller, run_id(id)?).await?;
    Ok(runs::view(&run))
}

/// A stored report, as asked for.
#[derive(Debug, Clone)]
pub enum Report {
    /// The `AnalysisReport` as JSON text.
    Json(String),
    /// The report, for its per-period table (written as it is sent:
    /// `pintar_core::table::PeriodsCsv`).
    Table(Box<AnalysisReport>),
}

/// A succeeded run's report. A run not finished yet is 409; a failed one answers its
/// stored problem. For the table, the stored JSON is read back on the analysis pool.
pub async fn report(
    ctx: &Context,
    actor: &Actor,
    id: &str,
    format: ReportFormat,
) -> Result<Report, ServerError> {
    let caller = actor.require(Operation::ReadRun)?;
    let run = runs::visible(&ctx.db, caller, run_id(id)?).await?;
    let view = runs::view(&run);
    match view.status {
        RunStatus::Queued | RunStatus::Running => {
            return Err(ServerError::Conflict(format!(
                "the run is {}; poll {} until it is done",
                view.status.as_str(),
                location(run.id)
            )));
        }
        RunStatus::Failed => {
            return Err(ServerError::Stored(Box::new(view.error.unwrap_or_else(
                || Problem::new(422, "analysis_failed", "the analysis failed"),
            ))));
        }
        RunStatus::Succeeded => {}
    }
    let body = runs::report(&ctx.db, run.id)
        .await?
        .ok_or_else(|| ServerError::NotFound("report".into()))?;
    Ok(match format {
        ReportFormat::Json => Report::Json(body),
        ReportFormat::Csv => Report::Table(Box::new(parse(ctx, body).await?)),
    })
}

/// A stored report read back, on the analysis pool (a large one is CPU work).
async fn parse(ctx: &Context, report_json: String) -> Result<AnalysisReport, ServerError> {
    let pool = &ctx.runner.pool;
    let permit = pool.permit().await?;
    pool.run(permit, move || {
        serde_json::from_str(&report_json)
            .map_err(|e| ServerError::Internal(format!("stored report: {e}")))
    })
    .await?
}

/// Deletes a run with its input and report (not while a worker analyses it: 409).
pub async fn delete(ctx: &Context, actor: &Actor, id: &str) -> Result<(), ServerError> {
    let caller = actor.require(Operation::DeleteRun)?;
    let run = runs::visible(&ctx.db, caller, run_id(id)?).await?;
    if run.status == RunStatus::Running.as_str() {
        return Err(ServerError::Conflict(
            "the run is being analysed; delete it once it is done".into(),
        ));
    }
    runs::delete(&ctx.db, run.id).await
}
