//! Analysis of uploaded series: `POST /analytics/analyze`, `POST /analytics/quick-analysis`
//! and the stored runs (`GET /analytics/runs`, `GET/DELETE /analytics/runs/{id}`,
//! `GET /analytics/runs/{id}/report`). Any signed-in caller, or an API key with the
//! `analytics` scope; callers see their own runs, admins (signed in) everyone's. The
//! handlers read the upload (a multipart form's `file`, or the raw body) and call
//! [`crate::analysis::submit`] and [`crate::analysis::results`].

use crate::analysis;
use crate::analysis::input::{Declared, Upload};
use crate::analysis::results::{self, Report, RunFilter};
use crate::analysis::submit::{self, Delivery, Submitted};
use crate::error::{FieldError, ServerError};
use crate::http::multipart::{self, Spec};
use crate::http::pagination::{PageParams, Paged};
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use pintar_core::api::{AnalysisRun, AnalyzeParams, Page, Problem, QuickAnalysis, ReportFormat};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::AnalysisReport;
use serde::Deserialize;
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

type Ctx = State<analysis::Context>;

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

/// The upload of `req`: a multipart form's `file` field, or the raw body.
async fn read_upload(
    ctx: &analysis::Context,
    actor: &Actor,
    req: Request,
) -> Result<Upload, ServerError> {
    let limit = ctx.limits.max_upload_bytes;
    if multipart::is_multipart(&req) {
        let spec = Spec {
            text_fields: &[],
            text_max: 0,
            file_field: "file",
            limit,
        };
        let form = multipart::read(req, &spec).await?;
        let file = form
            .file
            .ok_or_else(|| ServerError::BadRequest("the form has no 'file' field".into()))?;
        let declared = Declared {
            media_type: file.media_type.clone(),
            file_name: Some(file.file_name.clone().unwrap_or_default()),
            length: None,
        };
        return submit::receive(ctx, actor, file, declared).await;
    }
    let headers = req.headers();
    let declared = Declared {
        media_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            }),
        file_name: None,
        length: headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok()),
    };
    let stream = req.into_body().into_data_stream();
    submit::receive(ctx, actor, stream, declared).await
}

fn with_run_id(mut res: Response, id: Uuid) -> Response {
    if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
        res.headers_mut().insert("x-run-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{}/report", results::location(id))) {
        res.headers_mut().insert(header::CONTENT_LOCATION, v);
    }
    res
}

fn text(body: String, media: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    res
}

fn json_text(body: String) -> Response {
    text(body, "application/json")
}

/// The per-period table of `report`, streamed in chunks of rows as the client reads it.
fn csv_stream(report: AnalysisReport) -> Response {
    let mut res = Response::new(crate::http::body::table_body(report));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    res
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
#[utoipa::path(post, path = "/analytics/analyze", tag = "analysis", params(AnalyzeParams),
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
async fn analyze(
    State(ctx): Ctx,
    actor: Actor,
    Query(params): Query<AnalyzeParams>,
    req: Request,
) -> Result<Response, ServerError> {
    let opts = options(&params)?;
    let upload = read_upload(&ctx, &actor, req).await?;
    let csv = params.format.unwrap_or_default() == ReportFormat::Csv;
    let delivery = Delivery {
        run_async: params.run_async,
    };
    Ok(
        match submit::submit(&ctx, &actor, upload, opts, delivery).await? {
            Submitted::Queued(run) => {
                let location = results::location(&run.id);
                let mut res = (StatusCode::ACCEPTED, Json(*run)).into_response();
                if let Ok(v) = HeaderValue::from_str(&location) {
                    res.headers_mut().insert(header::LOCATION, v);
                }
                res
            }
            Submitted::Done { run_id, result } => {
                let res = match result {
                    Ok(c) if csv => csv_stream(c.report),
                    Ok(c) => json_text(c.json),
                    Err(e) => e.into_response(),
                };
                with_run_id(res, run_id)
            }
        },
    )
}

/// Trend, growth and last value per series, without forecasts: quick to compute, small to
/// send. Takes the same body and options as `/analytics/analyze` (forecast and history
/// options are ignored) and is stored as a run too.
///
/// Signed-in callers, or API keys with the `analytics` scope.
#[utoipa::path(post, path = "/analytics/quick-analysis", tag = "analysis", params(AnalyzeParams),
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
    State(ctx): Ctx,
    actor: Actor,
    Query(params): Query<AnalyzeParams>,
    req: Request,
) -> Result<Response, ServerError> {
    let opts = options(&params)?;
    let upload = read_upload(&ctx, &actor, req).await?;
    let (id, result) = submit::quick(&ctx, &actor, upload, opts).await?;
    Ok(match result {
        Ok(quick) => with_run_id(Json::<QuickAnalysis>(quick).into_response(), id),
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

/// The caller's analyses, newest first (an admin's session: everyone's).
///
/// Signed-in callers, or API keys with the `analytics` scope.
#[utoipa::path(get, path = "/analytics/runs", tag = "analysis", params(RunFilter, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<AnalysisRun>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn list_runs(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<RunFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<AnalysisRun>, ServerError> {
    let page = results::list(&ctx, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
}

/// One analysis: its state, options, summary or error, and where its report is.
///
/// Its owner, or an admin; API keys need the `analytics` scope.
#[utoipa::path(get, path = "/analytics/runs/{id}", tag = "analysis",
    params(("id" = String, Path, description = "run id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = AnalysisRun),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn get_run(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<AnalysisRun>, ServerError> {
    results::run(&ctx, &actor, &id).await.map(Json)
}

/// Delete an analysis with its input and report (not while a worker analyses it).
///
/// Its owner, or an admin; API keys need the `analytics` scope.
#[utoipa::path(delete, path = "/analytics/runs/{id}", tag = "analysis",
    params(("id" = String, Path, description = "run id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "the run is being analysed"),
        (status = 429, body = Problem)))]
async fn delete_run(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    results::delete(&ctx, &actor, &id).await?;
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
#[utoipa::path(get, path = "/analytics/runs/{id}/report", tag = "analysis",
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
async fn run_report(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ServerError> {
    let format = query.format.unwrap_or_default();
    Ok(match results::report(&ctx, &actor, &id, format).await? {
        Report::Json(body) => json_text(body),
        Report::Table(report) => csv_stream(*report),
    })
}
