//! Data analytics: `POST /analytics/analyze`, `POST /analytics/quick-analysis` and the
//! stored runs (`GET /analytics/runs`, `GET/DELETE /analytics/runs/{id}`,
//! `GET /analytics/runs/{id}/report`). Any signed-in caller, or an API key with the
//! `analytics` scope; callers see their own runs, admins (signed in) everyone's.
//!
//! Small inputs answer at once with the report (the run's id in `X-Run-Id`); inputs above
//! `PINTAR_ANALYTICS_ASYNC_BYTES`, or any with `?async=true`, answer `202 Accepted` with the
//! queued run and its `Location`. The engine runs on the analysis pool, never on the async
//! runtime; a full queue answers 503 with `Retry-After`.

use crate::analysis::runs::{self, NewRun};
use crate::analysis::{self, Computed, input};
use crate::auth::AuthUser;
use crate::error::{FieldError, ServerError};
use crate::pagination::{PageParams, Paged};
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use pintar_core::api::{
    AnalysisRun, AnalyzeParams, Page, Problem, QuickAnalysis, QuickSeries, ReportFormat, RunStatus,
};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::AnalysisReport;
use serde::Deserialize;
use std::time::Instant;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(analyze))
        .routes(routes!(quick_analysis))
        .routes(routes!(list_runs))
        .routes(routes!(get_run, delete_run))
        .routes(routes!(run_report))
}

fn options(params: &AnalyzeParams) -> Result<AnalysisOptions, ServerError> {
    params.options().map_err(|errors| {
        ServerError::Validation(
            errors
                .into_iter()
                .map(|(field, message)| FieldError::new(field, message))
                .collect(),
        )
    })
}

fn run_location(id: impl std::fmt::Display) -> String {
    format!("/api/v1/analytics/runs/{id}")
}

/// Queues `upload` as a job: 202 with the run and its `Location`.
async fn enqueue(
    state: &AppState,
    caller: &AuthUser,
    upload: input::Upload,
    opts: AnalysisOptions,
) -> Result<Response, ServerError> {
    let input::Upload {
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
        per_user: state.settings.analytics_jobs_per_user,
        queued: state.settings.analytics_max_queued,
    };
    let run = runs::enqueue(&state.db, &new, bytes, limits).await?;
    // The input now waits in the database, not in memory.
    drop(reserved);
    state.analytics.wake.notify_one();
    let location = run_location(run.id);
    let mut res = (StatusCode::ACCEPTED, Json(runs::view(&run))).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// Runs `upload` now on the pool (the caller holds an admission), stores the run, and
/// returns its id with the computation (or the problem it failed with).
async fn run_now(
    state: &AppState,
    caller: &AuthUser,
    upload: input::Upload,
    opts: AnalysisOptions,
    csv: bool,
) -> Result<(Uuid, Result<Computed, ServerError>), ServerError> {
    let input::Upload {
        bytes,
        format,
        source,
        reserved,
    } = upload;
    let permit = state.analytics.pool.permit().await?;
    let started_at = Utc::now();
    let started = Instant::now();
    let new = NewRun {
        owner: caller.id,
        source,
        format,
        input_bytes: bytes.len(),
        options: opts.clone(),
    };
    let result = state
        .analytics
        .pool
        .run(permit, move || {
            analysis::compute(&bytes, format, &opts, csv).map_err(ServerError::from)
        })
        .await
        .and_then(|r| r);
    drop(reserved);
    let duration = started.elapsed();
    let (outcome, computed) = analysis::outcome(result);
    // The answer keeps a copy of what the run stores (the stored copy moves into the row).
    let answer = match (&outcome, computed) {
        (runs::Outcome::Succeeded { report_json, .. }, Some((report, csv))) => Ok(Computed {
            report,
            json: report_json.clone(),
            csv,
        }),
        (runs::Outcome::Failed(p), _) => Err(ServerError::Stored(Box::new(p.clone()))),
        _ => Err(ServerError::Internal("analysis outcome lost".into())),
    };
    let id = runs::record_finished(&state.db, &new, outcome, started_at, duration).await?;
    let (db, owner, keep) = (
        state.db.clone(),
        caller.id,
        state.settings.analytics_keep_runs,
    );
    tokio::spawn(async move {
        if let Err(e) = runs::prune(&db, owner, keep).await {
            tracing::warn!(error = %e, "cannot prune old analysis runs");
        }
    });
    Ok((id, answer))
}

/// The request's upload, within the size limit, the shared upload budget and the time
/// allowed.
async fn read_upload(state: &AppState, req: Request) -> Result<input::Upload, ServerError> {
    let analytics = &state.analytics;
    input::read(
        req,
        state.settings.max_upload_bytes,
        &analytics.budget,
        analytics.upload_timeout,
    )
    .await
}

fn with_run_id(mut res: Response, id: Uuid) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut().insert("x-run-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{}/report", run_location(id))) {
        res.headers_mut().insert(header::CONTENT_LOCATION, v);
    }
    res
}

fn json_text(body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

fn csv_text(body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res
}

/// The per-period table of a stored report, written on the analysis pool.
async fn csv_of(state: &AppState, report_json: String) -> Result<String, ServerError> {
    let permit = state.analytics.pool.permit().await?;
    state
        .analytics
        .pool
        .run(permit, move || {
            let report: AnalysisReport = serde_json::from_str(&report_json)
                .map_err(|e| ServerError::Internal(format!("stored report: {e}")))?;
            pintar_core::table::periods_csv(&report).map_err(ServerError::from)
        })
        .await?
}

/// Analyse a CSV or JSON time series: clean, describe, test for trend and seasonality,
/// and forecast each series. The body is a multipart form with a `file` field, or the raw
/// file as `text/csv` or `application/json`. Answers the same `AnalysisReport` as
/// `pintar analyze --json` (or with `?format=csv` the per-period table), with the stored
/// run's id in `X-Run-Id`. Large inputs, `?async=true`, or any input while the analysis
/// threads and their queue are full, answer `202` with the queued run (`?async=false`
/// refuses to queue: 503 instead).
///
/// Signed-in callers, or API keys with the `analytics` scope.
#[utoipa::path(post, path = "/analytics/analyze", tag = "analytics", params(AnalyzeParams),
    request_body(description = "the data file: a multipart form with a `file` field, or the raw file",
        content((UploadForm = "multipart/form-data"), (String = "text/csv"), (Object = "application/json"))),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "the report (`docs/report.md`), or the per-period CSV with `?format=csv`",
            content((Object = "application/json"), (String = "text/csv"))),
        (status = 202, body = AnalysisRun, description = "queued as a job; poll `Location`"),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 408, body = Problem, description = "the upload did not arrive in time"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "invalid options, or the input could not be analysed"),
        (status = 429, body = Problem), (status = 503, body = Problem, description = "the analysis queue or the upload budget is full")))]
pub(crate) async fn analyze(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<AnalyzeParams>,
    req: Request,
) -> Result<Response, ServerError> {
    let opts = options(&params)?;
    let analytics = &state.analytics;
    let upload = read_upload(&state, req).await?;
    let large = upload.bytes.len() > state.settings.analytics_async_bytes;
    if params.run_async.unwrap_or(large) {
        return enqueue(&state, &caller, upload, opts).await;
    }
    // Every thread taken and the synchronous queue full: the input waits in the job queue
    // instead (or, with `?async=false`, the caller is told to come back).
    let admission = match analytics.pool.admit() {
        Ok(a) => a,
        Err(busy) if params.run_async == Some(false) => return Err(busy),
        Err(_) => return enqueue(&state, &caller, upload, opts).await,
    };
    let format = params.format.unwrap_or_default();
    let (id, result) = run_now(&state, &caller, upload, opts, format == ReportFormat::Csv).await?;
    drop(admission);
    let res = match result {
        Ok(Computed { csv: Some(csv), .. }) => csv_text(csv),
        Ok(c) => json_text(c.json),
        Err(e) => e.into_response(),
    };
    Ok(with_run_id(res, id))
}

fn quick(run_id: Uuid, report: &AnalysisReport) -> QuickAnalysis {
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

/// Trend, growth and last value per series, without forecasts: quick to compute, small to
/// send. Takes the same body and options as `/analytics/analyze` (forecast and history
/// options are ignored) and is stored as a run too.
///
/// Signed-in callers, or API keys with the `analytics` scope.
#[utoipa::path(post, path = "/analytics/quick-analysis", tag = "analytics", params(AnalyzeParams),
    request_body(description = "the data file: a multipart form with a `file` field, or the raw file",
        content((UploadForm = "multipart/form-data"), (String = "text/csv"), (Object = "application/json"))),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = QuickAnalysis),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 408, body = Problem, description = "the upload did not arrive in time"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "invalid options, or the input could not be analysed"),
        (status = 429, body = Problem), (status = 503, body = Problem, description = "the analysis queue or the upload budget is full")))]
async fn quick_analysis(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(params): Query<AnalyzeParams>,
    req: Request,
) -> Result<Response, ServerError> {
    let mut opts = options(&params)?;
    opts.include_forecast = false;
    opts.include_history = false;
    let analytics = &state.analytics;
    let upload = read_upload(&state, req).await?;
    let admission = analytics.pool.admit()?;
    let (id, result) = run_now(&state, &caller, upload, opts, false).await?;
    drop(admission);
    Ok(match result {
        Ok(c) => with_run_id(Json(quick(id, &c.report)).into_response(), id),
        Err(e) => with_run_id(e.into_response(), id),
    })
}

/// The multipart form of an upload.
#[derive(Debug, utoipa::ToSchema)]
pub struct UploadForm {
    /// The CSV or JSON file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

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

/// The caller's analyses, newest first (an admin's session: everyone's).
///
/// Signed-in callers, or API keys with the `analytics` scope.
#[utoipa::path(get, path = "/analytics/runs", tag = "analytics", params(RunFilter, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<AnalysisRun>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn list_runs(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(filter): Query<RunFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<AnalysisRun>, ServerError> {
    let page = runs::list(&state.db, &caller, filter.user_id, filter.status, paging).await?;
    Ok(Paged(page, uri))
}

fn run_id(raw: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(raw).map_err(|_| ServerError::NotFound("analysis run".into()))
}

/// One analysis: its state, options, summary or error, and where its report is.
///
/// Its owner, or an admin; API keys need the `analytics` scope.
#[utoipa::path(get, path = "/analytics/runs/{id}", tag = "analytics",
    params(("id" = String, Path, description = "run id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = AnalysisRun),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn get_run(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<AnalysisRun>, ServerError> {
    let run = runs::visible(&state.db, &caller, run_id(&id)?).await?;
    Ok(Json(runs::view(&run)))
}

/// Delete an analysis with its input and report (not while a worker analyses it).
///
/// Its owner, or an admin; API keys need the `analytics` scope.
#[utoipa::path(delete, path = "/analytics/runs/{id}", tag = "analytics",
    params(("id" = String, Path, description = "run id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the run is being analysed"),
        (status = 429, body = Problem)))]
pub(crate) async fn delete_run(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let run = runs::visible(&state.db, &caller, run_id(&id)?).await?;
    if run.status == RunStatus::Running.as_str() {
        return Err(ServerError::Conflict(
            "the run is being analysed; delete it once it is done".into(),
        ));
    }
    runs::delete(&state.db, run.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?format=` of a stored report.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    pub format: Option<ReportFormat>,
}

/// A succeeded run's report: the `AnalysisReport` JSON, or with `?format=csv` the
/// per-period table. A run not finished yet is 409; a failed one answers its problem.
///
/// Its owner, or an admin; API keys need the `analytics` scope.
#[utoipa::path(get, path = "/analytics/runs/{id}/report", tag = "analytics",
    params(("id" = String, Path, description = "run id"), ReportQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "the report (`docs/report.md`), or the per-period CSV",
            content((Object = "application/json"), (String = "text/csv"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the run is queued or running"),
        (status = 422, body = Problem, description = "the run failed: why"),
        (status = 429, body = Problem)))]
pub(crate) async fn run_report(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ServerError> {
    let run = runs::visible(&state.db, &caller, run_id(&id)?).await?;
    let view = runs::view(&run);
    match view.status {
        RunStatus::Queued | RunStatus::Running => {
            return Err(ServerError::Conflict(format!(
                "the run is {}; poll {} until it is done",
                view.status.as_str(),
                run_location(run.id)
            )));
        }
        RunStatus::Failed => {
            return Err(ServerError::Stored(Box::new(view.error.unwrap_or_else(
                || Problem::new(422, "analysis_failed", "the analysis failed"),
            ))));
        }
        RunStatus::Succeeded => {}
    }
    let body = runs::report(&state.db, run.id)
        .await?
        .ok_or_else(|| ServerError::NotFound("report".into()))?;
    Ok(match query.format.unwrap_or_default() {
        ReportFormat::Json => json_text(body),
        ReportFormat::Csv => csv_text(csv_of(&state, body).await?),
    })
}
