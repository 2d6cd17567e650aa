//! The developer area in the browser: becoming a developer (with the first API key),
//! managing API keys, the analytics workbench (upload, past runs, reports with charts and
//! downloads) and a getting-started page whose snippets name the address the visitor used.
//! Every action goes through the API's own handlers, so roles, limits, visibility and
//! validation are the same code.
//!
//! A new key's secret only ever travels in the body of the page answering the POST that made
//! it: never in an address, a cookie or a flash message (pages are sent `no-store`).

use super::chart::{self, ChartLabels, ForecastBand};
use super::i18n::Tr;
use super::session;
use super::{Chrome, Developer, Flash, SignedIn, Visitor};
use crate::audit::RequestMeta;
use crate::body::JsonBody;
use crate::error::{FieldError, ServerError};
use crate::pagination::{PageParams, Paged};
use crate::routes::analytics::{self as runs_api, ReportQuery, RunFilter};
use crate::routes::developer as keys_api;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt as _;
use pintar_core::Frequency;
use pintar_core::api::{
    AnalysisRun, AnalyzeParams, ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, MAX_HORIZON,
    Problem, ReportFormat, Role, RunStatus, Scope,
};
use pintar_core::options::{DuplicatePolicy, OutlierPolicy};
use pintar_core::report::{AnalysisReport, Direction, InputWarning, SeriesReport, SeriesStatus};
use std::net::SocketAddr;
use std::ops::Range;
use uuid::Uuid;

/// Runs listed per page of the workbench.
const RUNS_PER_PAGE: u64 = 20;
/// Highest page number read from a query.
const MAX_PAGE: u64 = 100_000;
/// Form fields read from the key form.
const MAX_KEY_FIELDS: usize = 20;
/// Bytes of form fields read before the upload's file part (the analysis options).
const MAX_HEAD: usize = 16 * 1024;
/// Longest analysis option value kept.
const MAX_OPTION: usize = 64;
/// The option fields the upload form sends before its file.
const OPTION_FIELDS: [&str; 4] = ["horizon", "frequency", "duplicates", "outliers"];
/// Estimated markup of a report page's series, in bytes: with the layout and the summary a
/// page stays well under 150 KB.
const SERIES_BUDGET: usize = 110_000;
/// Most series shown on one page of a report.
const MAX_SERIES_PER_PAGE: usize = 50;
/// Longest series or column name shown, in characters.
const MAX_NAME: usize = 200;
/// Notes shown per series.
const MAX_NOTES: usize = 10;
/// Longest note or warning shown, in characters.
const MAX_NOTE: usize = 300;
/// Input warnings shown (the engine keeps at most 50).
const MAX_WARNINGS: usize = 50;
/// Points a chart draws at most per line (it downsamples longer series).
const CHART_POINTS: usize = 602;

/// The developer routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/developer", get(overview))
        .route("/developer/upgrade", post(upgrade))
        .route("/developer/keys", get(keys_page).post(create_key))
        .route("/developer/keys/{id}/revoke", post(revoke_key))
        .route("/developer/analytics", get(workbench).post(analyze))
        .route("/developer/analytics/runs/{id}", get(run_page))
        .route(
            "/developer/analytics/runs/{id}/report.json",
            get(report_json),
        )
        .route("/developer/analytics/runs/{id}/report.csv", get(report_csv))
        .route("/developer/analytics/runs/{id}/delete", post(delete_run))
        .route("/developer/start", get(start))
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// A key just made, for the page that shows its secret this once.
struct NewKey {
    key: String,
    name: String,
    prefix: String,
    scopes: String,
    expires: String,
}

impl NewKey {
    fn of(created: &ApiKeyCreated, t: Tr) -> Self {
        Self {
            key: created.key.clone(),
            name: created.info.name.clone(),
            prefix: created.info.prefix.clone(),
            scopes: scope_list(&created.info.scopes),
            expires: created
                .info
                .expires_at
                .map_or_else(|| t.get("dev.keys.no_expiry").to_string(), |d| t.date(&d)),
        }
    }
}

/// Scopes as listed on a page.
fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date and time (UTC) as a page shows it.
fn stamp(t: Tr, d: &DateTime<Utc>) -> String {
    format!("{} {}", t.date(d), d.format("%H:%M UTC"))
}

/// `errors` with the messages of the fields in `words` replaced by the visitor's words (the
/// API's messages are English).
fn translated(errors: Vec<FieldError>, t: Tr, words: &[(&str, &'static str)]) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match words.iter().find(|(f, _)| *f == e.field) {
            Some((_, key)) => FieldError::new(e.field, t.get(key).to_string()),
            None => e,
        })
        .collect()
}

/// The message of `field` among `errors`.
fn error_of<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// The `page` parameter of a query, within 1 to [`MAX_PAGE`] (1 when absent or unreadable).
fn page_of(query: Option<&str>) -> u64 {
    query
        .into_iter()
        .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE)
}

/// A byte count as people read it (`512 B`, `1.5 KB`, `50.0 MB`).
fn human_bytes(n: u64) -> String {
    const KB: f64 = 1024.0;
    let x = n as f64;
    if x < KB {
        format!("{n} B")
    } else if x < KB * KB {
        format!("{:.1} KB", x / KB)
    } else if x < KB * KB * KB {
        format!("{:.1} MB", x / (KB * KB))
    } else {
        format!("{:.1} GB", x / (KB * KB * KB))
    }
}

/// A run id in its canonical form, or 404 as the API answers for a malformed one.
fn canonical_run_id(raw: &str) -> Result<String, ServerError> {
    Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ServerError::NotFound("analysis run".into()))
}

fn run_path(id: &str) -> String {
    format!("/developer/analytics/runs/{id}")
}

// ---------------------------------------------------------------------------------------------
// Overview and upgrade
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "developer/overview.html")]
struct Overview {
    c: Chrome,
    learner: bool,
    new_key: Option<NewKey>,
}

async fn overview(State(state): State<AppState>, m: SignedIn) -> Result<Response, ServerError> {
    let page = Overview {
        c: Chrome::of(&state, &m.v).await?,
        learner: m.user.role == Role::Public,
        new_key: None,
    };
    Ok(m.v.html(page.render()))
}

/// Becomes a developer through the API's upgrade; the first key is shown on this very
/// answer (not redirected, so the secret is in no address or cookie).
async fn upgrade(
    State(state): State<AppState>,
    m: SignedIn,
    meta: RequestMeta,
) -> Result<Response, ServerError> {
    let created = match keys_api::upgrade(State(state.clone()), m.user, meta).await {
        Ok((_, axum::Json(r))) => r.api_key,
        Err(ServerError::Conflict(_)) => {
            return Ok(m
                .v
                .redirect("/developer", Some(Flash::ok("dev.flash.already_developer"))));
        }
        Err(e) => return Err(e),
    };
    let mut c = Chrome::of(&state, &m.v).await?;
    c.role = Some(Role::Developer);
    let page = Overview {
        c,
        learner: false,
        new_key: Some(NewKey::of(&created, m.v.t)),
    };
    Ok(m.v.html(page.render()))
}

// ---------------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------------

/// One key in the table.
struct KeyRow {
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: String,
    expires: String,
    state: &'static str,
    live: bool,
    revoke_path: String,
}

impl KeyRow {
    fn of(k: &ApiKeyInfo, t: Tr, now: DateTime<Utc>) -> Self {
        let expired = k.expires_at.is_some_and(|e| e <= now);
        let state = if k.revoked_at.is_some() {
            "dev.keys.state_revoked"
        } else if expired {
            "dev.keys.state_expired"
        } else {
            "dev.keys.state_active"
        };
        Self {
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scopes: scope_list(&k.scopes),
            created: t.date(&k.created_at),
            last_used: k
                .last_used_at
                .map_or_else(|| t.get("dev.keys.never").to_string(), |d| stamp(t, &d)),
            expires: k
                .expires_at
                .map_or_else(|| t.get("dev.keys.no_expiry").to_string(), |d| t.date(&d)),
            state,
            live: k.revoked_at.is_none(),
            revoke_path: format!("/developer/keys/{}/revoke", k.id),
        }
    }
}

/// A scope checkbox of the key form.
struct ScopeOption {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

/// What the key form holds.
#[derive(Debug, Default)]
struct KeyForm {
    name: String,
    scopes: Vec<String>,
    expires: String,
}

impl KeyForm {
    /// The form as first shown: every scope ticked.
    fn fresh() -> Self {
        Self {
            scopes: Scope::ALL.iter().map(|s| s.as_str().to_string()).collect(),
            ..Self::default()
        }
    }

    /// Reads a posted key form (`name`, `scope` repeated, `expires_in_days`), bounded.
    fn parse(body: &[u8]) -> Self {
        let mut f = Self::default();
        for (k, v) in form_urlencoded::parse(body).take(MAX_KEY_FIELDS) {
            match &*k {
                "name" => f.name = v.chars().take(200).collect(),
                "scope" if f.scopes.len() < Scope::ALL.len() * 2 => {
                    f.scopes.push(v.chars().take(40).collect());
                }
                "expires_in_days" => f.expires = v.trim().chars().take(20).collect(),
                _ => {}
            }
        }
        f
    }

    /// The API request this form asks for, or the fields it cannot be.
    fn request(&self, t: Tr) -> Result<CreateApiKeyRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut scopes: Vec<Scope> = Vec::new();
        for name in &self.scopes {
            match Scope::ALL.iter().find(|s| s.as_str() == name) {
                Some(s) if !scopes.contains(s) => scopes.push(*s),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "scopes",
                    t.get("dev.keys.scopes_error").to_string(),
                )),
            }
        }
        let expires_in_days = if self.expires.is_empty() {
            None
        } else {
            match self.expires.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new(
                        "expires_in_days",
                        t.get("dev.keys.expires_error").to_string(),
                    ));
                    None
                }
            }
        };
        if errors.is_empty() {
            Ok(CreateApiKeyRequest {
                name: self.name.clone(),
                // None would mean "every scope": an empty choice is refused by the API's own
                // check instead.
                scopes: Some(scopes),
                expires_in_days,
            })
        } else {
            Err(errors)
        }
    }
}

/// The API's key fields and the words for what is wrong with them.
const KEY_ERRORS: [(&str, &str); 3] = [
    ("name", "dev.keys.name_error"),
    ("scopes", "dev.keys.scopes_error"),
    ("expires_in_days", "dev.keys.expires_error"),
];

#[derive(Template)]
#[template(path = "developer/keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<KeyRow>,
    new_key: Option<NewKey>,
    form: KeyForm,
    scope_options: Vec<ScopeOption>,
    errors: Vec<FieldError>,
    form_error: Option<String>,
    max_days: u32,
}

impl KeysPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_of(&self.errors, field)
    }

    async fn build(
        state: &AppState,
        m: &Developer,
        form: KeyForm,
        new_key: Option<NewKey>,
    ) -> Result<Self, ServerError> {
        let axum::Json(keys) = keys_api::list_keys(State(state.clone()), m.user).await?;
        let t = m.v.t;
        let now = Utc::now();
        let scope_options = Scope::ALL
            .iter()
            .map(|s| ScopeOption {
                name: s.as_str(),
                label: match s {
                    Scope::Analytics => "dev.scope.analytics",
                    Scope::CoursesRead => "dev.scope.courses_read",
                    Scope::Learning => "dev.scope.learning",
                },
                checked: form.scopes.iter().any(|f| f == s.as_str()),
            })
            .collect();
        Ok(Self {
            c: Chrome::of(state, &m.v).await?,
            keys: keys.iter().map(|k| KeyRow::of(k, t, now)).collect(),
            new_key,
            form,
            scope_options,
            errors: Vec::new(),
            form_error: None,
            max_days: crate::accounts::keys::MAX_EXPIRY_DAYS,
        })
    }
}

async fn keys_page(State(state): State<AppState>, m: Developer) -> Result<Response, ServerError> {
    let page = KeysPage::build(&state, &m, KeyForm::fresh(), None).await?;
    Ok(m.v.html(page.render()))
}

/// Creates a key through the API; the secret is shown on this answer only.
async fn create_key(
    State(state): State<AppState>,
    m: Developer,
    meta: RequestMeta,
    body: Bytes,
) -> Result<Response, ServerError> {
    let t = m.v.t;
    let form = KeyForm::parse(&body);
    let (status, errors, form_error) = match form.request(t) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(req) => {
            match keys_api::create_key(State(state.clone()), m.user, meta, JsonBody(req)).await {
                Ok((_, axum::Json(created))) => {
                    let new_key = NewKey::of(&created, t);
                    let page = KeysPage::build(&state, &m, KeyForm::fresh(), Some(new_key)).await?;
                    return Ok(m.v.html(page.render()));
                }
                Err(ServerError::Validation(errors)) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    translated(errors, t, &KEY_ERRORS),
                    None,
                ),
                Err(ServerError::Conflict(_)) => (
                    StatusCode::CONFLICT,
                    Vec::new(),
                    Some(t.fmt("dev.keys.too_many", crate::accounts::keys::MAX_LIVE_KEYS)),
                ),
                Err(e) => return Err(e),
            }
        }
    };
    let mut page = KeysPage::build(&state, &m, form, None).await?;
    page.errors = errors;
    page.form_error = form_error;
    Ok(m.v.html_status(status, page.render()))
}

async fn revoke_key(
    State(state): State<AppState>,
    m: Developer,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    keys_api::revoke_key(State(state.clone()), m.user, meta, Path(id)).await?;
    Ok(m.v.redirect("/developer/keys", Some(Flash::ok("dev.flash.key_revoked"))))
}

// ---------------------------------------------------------------------------------------------
// The workbench: upload and past runs
// ---------------------------------------------------------------------------------------------

/// The analysis options of the upload form, as sent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct OptForm {
    horizon: String,
    frequency: String,
    duplicates: String,
    outliers: String,
}

impl OptForm {
    fn set(&mut self, name: &str, value: String) {
        match name {
            "horizon" => self.horizon = value,
            "frequency" => self.frequency = value,
            "duplicates" => self.duplicates = value,
            "outliers" => self.outliers = value,
            _ => {}
        }
    }

    /// The API's query parameters these options ask for, or the fields that are not
    /// readable (ranges are the API's own check).
    fn params(&self, t: Tr) -> Result<AnalyzeParams, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut p = AnalyzeParams::default();
        let mut bad = |field: &str, key: &str| {
            errors.push(FieldError::new(field, t.get(key).to_string()));
        };
        if !self.horizon.is_empty() {
            match self.horizon.parse::<usize>() {
                Ok(h) => p.horizon = Some(h),
                Err(_) => bad("horizon", "dev.work.horizon_error"),
            }
        }
        if !self.frequency.is_empty() {
            match FREQUENCIES.iter().find(|(v, _)| *v == self.frequency) {
                Some((v, _)) => p.frequency = v.parse::<Frequency>().ok(),
                None => bad("frequency", "dev.work.choice_error"),
            }
        }
        if !self.duplicates.is_empty() {
            match DUPLICATES.iter().find(|(v, _, _)| *v == self.duplicates) {
                Some((_, _, d)) => p.duplicates = Some(*d),
                None => bad("duplicates", "dev.work.choice_error"),
            }
        }
        if !self.outliers.is_empty() {
            match OUTLIERS.iter().find(|(v, _, _)| *v == self.outliers) {
                Some((_, _, o)) => p.outliers = Some(*o),
                None => bad("outliers", "dev.work.choice_error"),
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }
}

/// Frequencies offered: value and words.
const FREQUENCIES: [(&str, &str); 5] = [
    ("day", "dev.freq.day"),
    ("week", "dev.freq.week"),
    ("month", "dev.freq.month"),
    ("quarter", "dev.freq.quarter"),
    ("year", "dev.freq.year"),
];
/// Duplicate policies offered.
const DUPLICATES: [(&str, &str, DuplicatePolicy); 4] = [
    ("sum", "dev.work.dup_sum", DuplicatePolicy::Sum),
    ("mean", "dev.work.dup_mean", DuplicatePolicy::Mean),
    ("first", "dev.work.dup_first", DuplicatePolicy::First),
    ("last", "dev.work.dup_last", DuplicatePolicy::Last),
];
/// Outlier policies offered.
const OUTLIERS: [(&str, &str, OutlierPolicy); 3] = [
    ("cap", "dev.work.out_cap", OutlierPolicy::Cap),
    ("keep", "dev.work.out_keep", OutlierPolicy::Keep),
    ("remove", "dev.work.out_remove", OutlierPolicy::Remove),
];
/// The API's option fields and the words for what is wrong with them.
const OPTION_ERRORS: [(&str, &str); 4] = [
    ("horizon", "dev.work.horizon_error"),
    ("frequency", "dev.work.choice_error"),
    ("duplicates", "dev.work.choice_error"),
    ("outliers", "dev.work.choice_error"),
];

/// One choice of a select.
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

fn choices(options: &[(&'static str, &'static str)], current: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(value, label)| Choice {
            value,
            label,
            selected: *value == current,
        })
        .collect()
}

/// One past run in the workbench's table.
struct RunRow {
    path: String,
    source: String,
    status: &'static str,
    badge: &'static str,
    created: String,
    series: String,
    size: String,
}

fn status_words(s: RunStatus) -> (&'static str, &'static str) {
    match s {
        RunStatus::Queued => ("dev.status.queued", "draft"),
        RunStatus::Running => ("dev.status.running", "draft"),
        RunStatus::Succeeded => ("dev.status.succeeded", "published"),
        RunStatus::Failed => ("dev.status.failed", "archived"),
    }
}

impl RunRow {
    fn of(r: &AnalysisRun, t: Tr) -> Self {
        let (status, badge) = status_words(r.status);
        Self {
            path: run_path(&r.id),
            source: r.source.clone(),
            status,
            badge,
            created: stamp(t, &r.created_at),
            series: r
                .summary
                .as_ref()
                .map_or_else(|| "—".to_string(), |s| s.series_count.to_string()),
            size: human_bytes(r.input_bytes),
        }
    }
}

#[derive(Template)]
#[template(path = "developer/analytics.html")]
struct Workbench {
    c: Chrome,
    runs: Vec<RunRow>,
    total: u64,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    opts: OptForm,
    frequencies: Vec<Choice>,
    duplicates: Vec<Choice>,
    outliers: Vec<Choice>,
    errors: Vec<FieldError>,
    max_bytes: usize,
    max_size: String,
    max_horizon: usize,
}

impl Workbench {
    fn error(&self, field: &str) -> Option<&str> {
        error_of(&self.errors, field)
    }

    async fn build(
        state: &AppState,
        m: &Developer,
        page: u64,
        opts: OptForm,
        errors: Vec<FieldError>,
    ) -> Result<Self, ServerError> {
        let list = |page: u64| {
            runs_api::list_runs(
                State(state.clone()),
                m.user,
                Uri::from_static("/developer/analytics"),
                // The caller's own runs (an admin's list would otherwise hold everyone's).
                Query(RunFilter {
                    status: None,
                    user_id: Some(m.user.id),
                }),
                Query(PageParams {
                    page: Some(page),
                    per_page: Some(RUNS_PER_PAGE),
                }),
            )
        };
        let Paged(mut runs, _) = list(page).await?;
        let pages = runs.total.div_ceil(RUNS_PER_PAGE).max(1);
        if page > pages {
            Paged(runs, _) = list(pages).await?;
        }
        let page = page.min(pages);
        let t = m.v.t;
        let link = |p: u64| format!("/developer/analytics?page={p}");
        let max_bytes = state.settings.max_upload_bytes;
        Ok(Self {
            c: Chrome::of(state, &m.v).await?,
            runs: runs.items.iter().map(|r| RunRow::of(r, t)).collect(),
            total: runs.total,
            page,
            pages,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
            frequencies: choices(&FREQUENCIES, &opts.frequency),
            duplicates: choices(
                &DUPLICATES.map(|(v, l, _)| (v, l)),
                if opts.duplicates.is_empty() {
                    "sum"
                } else {
                    &opts.duplicates
                },
            ),
            outliers: choices(
                &OUTLIERS.map(|(v, l, _)| (v, l)),
                if opts.outliers.is_empty() {
                    "cap"
                } else {
                    &opts.outliers
                },
            ),
            opts,
            errors,
            max_bytes,
            max_size: human_bytes(max_bytes as u64),
            max_horizon: MAX_HORIZON,
        })
    }
}

async fn workbench(
    State(state): State<AppState>,
    m: Developer,
    uri: Uri,
) -> Result<Response, ServerError> {
    let page = Workbench::build(
        &state,
        &m,
        page_of(uri.query()),
        OptForm::default(),
        Vec::new(),
    )
    .await?;
    Ok(m.v.html(page.render()))
}

/// Runs an uploaded file through the API's analyze handler (the same upload reader, limits,
/// synchronous or queued run), then shows the run.
async fn analyze(
    State(state): State<AppState>,
    m: Developer,
    req: Request,
) -> Result<Response, ServerError> {
    let t = m.v.t;
    let timeout = state.analytics.upload_timeout;
    let split =
        match tokio::time::timeout(timeout, split_upload(req, state.settings.max_upload_bytes))
            .await
        {
            Ok(split) => split,
            Err(_) => Err(ServerError::RequestTimeout(format!(
                "the upload did not arrive within {} s",
                timeout.as_secs()
            ))),
        };
    let (opts, unnamed, req) = match split {
        Ok(s) => s,
        Err(e) => return upload_refused(&state, &m, OptForm::default(), e).await,
    };
    if unnamed {
        let errors = vec![FieldError::new(
            "file",
            t.get("dev.work.no_file").to_string(),
        )];
        return rerender(&state, &m, opts, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let params = match opts.params(t) {
        Ok(p) => p,
        Err(errors) => {
            return rerender(&state, &m, opts, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    match runs_api::analyze(State(state.clone()), m.user, Query(params), req).await {
        Ok(res) => after_analysis(&m, res),
        Err(e) => upload_refused(&state, &m, opts, e).await,
    }
}

/// Where an analysis answer leads: its run's page (done, failed or queued).
fn after_analysis(m: &Developer, res: Response) -> Result<Response, ServerError> {
    let status = res.status();
    let header_id = res
        .headers()
        .get("x-run-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Uuid::parse_str(v).ok());
    let queued_id = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|l| l.rsplit('/').next())
        .and_then(|v| Uuid::parse_str(v).ok())
        .filter(|_| status == StatusCode::ACCEPTED);
    match header_id.or(queued_id) {
        Some(id) => {
            let flash = if status == StatusCode::ACCEPTED {
                Flash::ok("dev.flash.queued")
            } else if status.is_success() {
                Flash::ok("dev.flash.analysed")
            } else {
                Flash::error("dev.flash.failed")
            };
            Ok(m.v.redirect(&run_path(&id.to_string()), Some(flash)))
        }
        // A refusal without a run: the error page says why.
        None if !status.is_success() => Ok(res),
        None => Err(ServerError::Internal(
            "the analysis answered without a run".into(),
        )),
    }
}

/// The workbench again, with `errors` by the fields.
async fn rerender(
    state: &AppState,
    m: &Developer,
    opts: OptForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, ServerError> {
    let page = Workbench::build(state, m, 1, opts, errors).await?;
    Ok(m.v.html_status(status, page.render()))
}

/// An upload the API refused: invalid options and unreadable files are shown by their
/// fields; anything else (a full queue, …) is an error page.
async fn upload_refused(
    state: &AppState,
    m: &Developer,
    opts: OptForm,
    e: ServerError,
) -> Result<Response, ServerError> {
    let t = m.v.t;
    let (status, errors) = match e {
        ServerError::Validation(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            translated(errors, t, &OPTION_ERRORS),
        ),
        ServerError::PayloadTooLarge(limit) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            vec![FieldError::new(
                "file",
                t.fmt("dev.work.too_large", human_bytes(limit as u64)),
            )],
        ),
        ServerError::BadRequest(detail) => (
            StatusCode::BAD_REQUEST,
            vec![FieldError::new(
                "file",
                t.fmt("dev.work.unreadable", detail),
            )],
        ),
        ServerError::UnsupportedMediaType(_) => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            vec![FieldError::new(
                "file",
                t.get("dev.work.format").to_string(),
            )],
        ),
        ServerError::RequestTimeout(_) => (
            StatusCode::REQUEST_TIMEOUT,
            vec![FieldError::new("file", t.get("dev.work.slow").to_string())],
        ),
        other => return Err(other),
    };
    rerender(state, m, opts, errors, status).await
}

/// Longest multipart boundary accepted (RFC 2046 allows 70 characters).
const MAX_BOUNDARY: usize = 70;

/// Splits the upload form with multer: reads the option fields that come before the file
/// (each at most a few hundred bytes) and gives back a request whose multipart body holds
/// only the file part, streamed as it arrives, for the API's upload reader (which applies
/// the upload limit, the byte budget and the file's format). A body announced as larger
/// than `limit` (plus the options) is refused before it is read.
async fn split_upload(req: Request, limit: usize) -> Result<(OptForm, bool, Request), ServerError> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(MAX_HEAD) as u64) {
        return Err(ServerError::PayloadTooLarge(limit));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
    {
        return Err(ServerError::UnsupportedMediaType(
            "send the form as multipart/form-data".into(),
        ));
    }
    let boundary = multer::parse_boundary(content_type)
        .ok()
        .filter(|b| !b.is_empty() && b.len() <= MAX_BOUNDARY)
        .ok_or_else(|| {
            ServerError::BadRequest("the multipart body has no valid boundary".into())
        })?;
    let mut fields: Vec<&str> = OPTION_FIELDS.to_vec();
    fields.push("file");
    let mut sizes = multer::SizeLimit::new().whole_stream(limit.saturating_add(MAX_HEAD) as u64);
    for name in OPTION_FIELDS {
        sizes = sizes.for_field(name, (MAX_OPTION * 4) as u64);
    }
    let constraints = multer::Constraints::new()
        .allowed_fields(fields)
        .size_limit(sizes);
    let bad = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            ServerError::PayloadTooLarge(limit)
        }
        other => ServerError::BadRequest(format!("the form could not be read: {other}")),
    };
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut opts = OptForm::default();
    let file = loop {
        let Some(field) = form.next_field().await.map_err(bad)? else {
            return Err(ServerError::BadRequest(
                "the form has no 'file' field".into(),
            ));
        };
        if field.name() == Some("file") {
            break field;
        }
        let name = field.name().unwrap_or_default().to_string();
        let value = field.text().await.map_err(bad)?;
        opts.set(&name, value.trim().chars().take(MAX_OPTION).collect());
    };
    // The file part again, alone, under a boundary of our own.
    let name: String = file
        .file_name()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(MAX_NAME)
        .collect();
    let unnamed = name.is_empty();
    let media = file
        .content_type()
        .map(|m| format!("Content-Type: {}\r\n", m.essence_str()))
        .unwrap_or_default();
    let ours = format!("pintar-{}", crate::auth::random_token(12));
    let head = format!(
        "--{ours}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n{media}\r\n"
    );
    let tail = format!("\r\n--{ours}--\r\n");
    let stream = futures_util::stream::once(async move { Ok(Bytes::from(head)) })
        .chain(file)
        .chain(futures_util::stream::once(
            async move { Ok(Bytes::from(tail)) },
        ));
    let mut out = Request::new(Body::from_stream(stream));
    *out.method_mut() = parts.method;
    *out.uri_mut() = parts.uri;
    if let Ok(v) = HeaderValue::from_str(&format!("multipart/form-data; boundary={ours}")) {
        out.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    Ok((opts, unnamed, out))
}

// ---------------------------------------------------------------------------------------------
// A run and its report
// ---------------------------------------------------------------------------------------------

/// A label and a value shown in a `dl.stats`.
struct Fact {
    label: &'static str,
    value: String,
}

fn fact(label: &'static str, value: impl ToString) -> Fact {
    Fact {
        label,
        value: value.to_string(),
    }
}

/// At most `n` characters of `s` (with "…" when cut): input-made text (series names,
/// column names) is bounded on a page.
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}

/// A number as the report shows it ("—" when it could not be computed).
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    let a = v.abs();
    if a >= 1000.0 {
        format!("{v:.0}")
    } else if a >= 1.0 || a == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

/// A percentage with its sign ("—" when undefined).
fn pct(v: Option<f64>) -> String {
    match v {
        Some(p) if p.is_finite() => format!("{p:+.1}%"),
        _ => "—".into(),
    }
}

/// The words of a frequency.
fn frequency_key(f: Frequency) -> &'static str {
    match f {
        Frequency::Day => "dev.freq.day",
        Frequency::Week => "dev.freq.week",
        Frequency::Month => "dev.freq.month",
        Frequency::Quarter => "dev.freq.quarter",
        Frequency::Year => "dev.freq.year",
    }
}

/// One series of a report page.
struct SeriesView {
    index: usize,
    category: String,
    frequency: &'static str,
    span: String,
    status: &'static str,
    notes: Vec<String>,
    quality: Vec<Fact>,
    trend: Vec<Fact>,
    growth: Vec<Fact>,
    seasonality: Vec<Fact>,
    forecast: Vec<Fact>,
    chart: String,
    no_history: bool,
}

fn yes_no(b: bool) -> &'static str {
    if b { "dev.run.yes" } else { "dev.run.no" }
}

impl SeriesView {
    fn of(s: &SeriesReport, index: usize, t: Tr) -> Self {
        let q = &s.quality;
        let quality = vec![
            fact("dev.run.rows_read", q.rows_read),
            fact("dev.run.rows_used", q.rows_used),
            fact("dev.run.missing_values", q.missing_values),
            fact("dev.run.missing_periods", q.missing_periods),
            fact("dev.run.duplicates", q.duplicate_rows + q.duplicate_dates),
            fact("dev.run.outliers", q.outliers.len()),
            fact("dev.run.invalid_rows", q.invalid_rows),
            fact("dev.run.filled", q.filled),
        ];
        let trend = s.trend.as_ref().map_or_else(Vec::new, |tr| {
            vec![
                fact(
                    "dev.run.direction",
                    t.get(match tr.direction {
                        Direction::Increasing => "dev.run.increasing",
                        Direction::Decreasing => "dev.run.decreasing",
                        Direction::Stable => "dev.run.stable",
                    }),
                ),
                fact("dev.run.slope", num(tr.slope)),
                fact("dev.run.sen_slope", num(tr.sen_slope)),
                fact("dev.run.r_squared", num(tr.r_squared)),
                fact("dev.run.p_value", num(tr.p_value)),
                fact("dev.run.significant", t.get(yes_no(tr.significant))),
            ]
        });
        let g = &s.growth;
        let growth = vec![
            fact("dev.run.total_growth", pct(g.total_pct)),
            fact("dev.run.last_period", pct(g.last_period_pct)),
            fact("dev.run.yoy", pct(g.year_over_year_pct)),
            fact("dev.run.cagr", pct(g.cagr_pct)),
        ];
        let seasonality = s.seasonality.as_ref().map_or_else(Vec::new, |se| {
            vec![
                fact("dev.run.season_period", se.period),
                fact("dev.run.season_strength", num(se.strength)),
                fact("dev.run.season_detected", t.get(yes_no(se.detected))),
            ]
        });
        let forecast = s.forecast.as_ref().map_or_else(Vec::new, |f| {
            vec![
                fact("dev.run.model", &f.model),
                fact("dev.run.periods", f.points.len()),
                fact("dev.run.mase", num(f.backtest.mase)),
                fact("dev.run.smape", num(f.backtest.smape)),
                fact("dev.run.holdout", f.backtest.holdout),
            ]
        });
        let history: Vec<(NaiveDate, f64)> =
            s.history.iter().map(|h| (h.date, h.cleaned)).collect();
        let bands: Vec<ForecastBand> = s.forecast.as_ref().map_or_else(Vec::new, |f| {
            f.points
                .iter()
                .map(|p| ForecastBand {
                    date: p.date,
                    value: p.value,
                    lower_80: p.lower_80,
                    upper_80: p.upper_80,
                    lower_95: p.lower_95,
                    upper_95: p.upper_95,
                })
                .collect()
        });
        let category = clip(&s.category, MAX_NAME);
        let chart = chart::render(
            &history,
            &bands,
            &ChartLabels {
                title: &category,
                history: t.get("dev.chart.history"),
                forecast: t.get("dev.chart.forecast"),
                band_80: t.get("dev.chart.band_80"),
                band_95: t.get("dev.chart.band_95"),
            },
        );
        Self {
            index,
            category,
            frequency: frequency_key(s.frequency),
            span: format!("{} – {}", t.day(s.start), t.day(s.end)),
            status: match s.status {
                SeriesStatus::Ok => "dev.run.series_ok",
                SeriesStatus::TooShort => "dev.run.series_short",
                SeriesStatus::Constant => "dev.run.series_constant",
            },
            notes: s
                .notes
                .iter()
                .take(MAX_NOTES)
                .map(|n| clip(n, MAX_NOTE))
                .collect(),
            quality,
            trend,
            growth,
            seasonality,
            forecast,
            chart,
            no_history: s.history.is_empty(),
        }
    }
}

/// The estimated markup of one series on a report page, in bytes: its facts and notes, and
/// its chart (measured: about 2.6 KB of frame and legend, 12 bytes per history point, 60 per
/// forecast period with its bands).
fn series_weight(history: usize, forecast: usize, text: usize) -> usize {
    const FACTS: usize = 2_400;
    const CHART: usize = 2_600;
    FACTS + CHART + 12 * history.min(CHART_POINTS) + 60 * forecast.min(CHART_POINTS) + 2 * text
}

/// Splits items of `weights` into consecutive pages of at most `budget` total weight and
/// `max` items; an item heavier than the budget gets a page of its own. Never empty.
fn pages_by_weight(weights: &[usize], budget: usize, max: usize) -> Vec<Range<usize>> {
    let max = max.max(1);
    let mut pages = Vec::new();
    let (mut start, mut sum) = (0, 0usize);
    for (i, w) in weights.iter().enumerate() {
        let full = i > start && (sum.saturating_add(*w) > budget || i - start >= max);
        if full {
            pages.push(start..i);
            start = i;
            sum = 0;
        }
        sum = sum.saturating_add(*w);
    }
    if start < weights.len() || pages.is_empty() {
        pages.push(start..weights.len());
    }
    pages
}

/// The report's summary and one page of its series, ready to show.
struct ReportView {
    summary: Vec<Fact>,
    warnings: Vec<InputWarning>,
    series: Vec<SeriesView>,
    page: usize,
    pages: usize,
    total: usize,
    shown: String,
}

/// Reads a stored report and lays out page `page` of it (runs on the analysis pool: reports
/// can be large).
fn report_view(json: &[u8], t: Tr, page: usize) -> Result<ReportView, ServerError> {
    let report: AnalysisReport = serde_json::from_slice(json)
        .map_err(|e| ServerError::Internal(format!("stored report: {e}")))?;
    let weights: Vec<usize> = report
        .series
        .iter()
        .map(|s| {
            let text = s.category.len().min(MAX_NAME * 4)
                + s.notes
                    .iter()
                    .take(MAX_NOTES)
                    .map(|n| n.len().min(MAX_NOTE * 4))
                    .sum::<usize>();
            series_weight(
                s.history.len(),
                s.forecast.as_ref().map_or(0, |f| f.points.len()),
                text,
            )
        })
        .collect();
    let ranges = pages_by_weight(&weights, SERIES_BUDGET, MAX_SERIES_PER_PAGE);
    let pages = ranges.len();
    let page = page.clamp(1, pages);
    let range = ranges.get(page - 1).cloned().unwrap_or(0..0);
    let series = report
        .series
        .get(range.clone())
        .unwrap_or_default()
        .iter()
        .zip(range.clone())
        .map(|(s, i)| SeriesView::of(s, i, t))
        .collect();
    let sm = &report.summary;
    let summary = vec![
        fact("dev.run.series_count", sm.series_count),
        fact("dev.run.forecasted", sm.forecasted),
        fact("dev.run.rows_read", sm.rows_read),
        fact("dev.run.rows_used", sm.rows_used),
        fact("dev.run.invalid_rows", sm.invalid_rows),
        fact(
            "dev.run.horizon",
            sm.horizon.map_or_else(
                || t.get("dev.run.one_season").to_string(),
                |h| h.to_string(),
            ),
        ),
        fact("dev.run.layout", &sm.layout),
        fact("dev.run.engine", &sm.engine_version),
    ];
    Ok(ReportView {
        summary,
        warnings: if page == 1 {
            report
                .summary
                .warnings
                .iter()
                .take(MAX_WARNINGS)
                .map(|w| InputWarning {
                    row: w.row,
                    column: clip(&w.column, MAX_NAME),
                    message: clip(&w.message, MAX_NOTE),
                })
                .collect()
        } else {
            Vec::new()
        },
        series,
        page,
        pages,
        total: report.series.len(),
        shown: format!("{}–{}", range.start + 1, range.end),
    })
}

#[derive(Template)]
#[template(path = "developer/run.html")]
struct RunPage {
    c: Chrome,
    run: AnalysisRun,
    status: &'static str,
    badge: &'static str,
    created: String,
    finished: Option<String>,
    size: String,
    path: String,
    delete_path: String,
    error: Option<Problem>,
    report: Option<ReportView>,
    prev: Option<String>,
    next: Option<String>,
}

impl RunPage {
    fn pending(&self) -> bool {
        !self.run.status.is_done()
    }

    /// Whether the run may be deleted now (not while a worker analyses it).
    fn deletable(&self) -> bool {
        self.run.status != RunStatus::Running
    }
}

async fn run_page(
    State(state): State<AppState>,
    m: Developer,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ServerError> {
    let axum::Json(run) = runs_api::get_run(State(state.clone()), m.user, Path(id)).await?;
    let t = m.v.t;
    let page = usize::try_from(page_of(uri.query())).unwrap_or(1);
    let report = if run.status == RunStatus::Succeeded {
        let res = runs_api::run_report(
            State(state.clone()),
            m.user,
            Path(run.id.clone()),
            Query(ReportQuery {
                format: Some(ReportFormat::Json),
            }),
        )
        .await?;
        if !res.status().is_success() {
            return Ok(res);
        }
        let json = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .map_err(|e| ServerError::Internal(format!("report body: {e}")))?;
        let pool = &state.analytics.pool;
        let permit = pool.permit().await?;
        Some(
            pool.run(permit, move || report_view(&json, t, page))
                .await??,
        )
    } else {
        None
    };
    let path = run_path(&run.id);
    let link = |p: usize| format!("{path}?page={p}");
    let (prev, next) = match &report {
        Some(r) => (
            (r.page > 1).then(|| link(r.page - 1)),
            (r.page < r.pages).then(|| link(r.page + 1)),
        ),
        None => (None, None),
    };
    let (status, badge) = status_words(run.status);
    let view = RunPage {
        c: Chrome::of(&state, &m.v).await?,
        status,
        badge,
        created: stamp(t, &run.created_at),
        finished: run.finished_at.as_ref().map(|d| stamp(t, d)),
        size: human_bytes(run.input_bytes),
        delete_path: format!("{path}/delete"),
        path,
        error: run.error.clone(),
        report,
        prev,
        next,
        run,
    };
    Ok(m.v.html(view.render()))
}

/// The API's report of a run as a download.
async fn download(
    state: AppState,
    m: Developer,
    id: String,
    format: ReportFormat,
) -> Result<Response, ServerError> {
    let id = canonical_run_id(&id)?;
    let mut res = runs_api::run_report(
        State(state),
        m.user,
        Path(id.clone()),
        Query(ReportQuery {
            format: Some(format),
        }),
    )
    .await?;
    if res.status().is_success() {
        let ext = match format {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
        };
        let disposition = format!("attachment; filename=\"pintar-report-{id}.{ext}\"");
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

async fn report_json(
    State(state): State<AppState>,
    m: Developer,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    download(state, m, id, ReportFormat::Json).await
}

async fn report_csv(
    State(state): State<AppState>,
    m: Developer,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    download(state, m, id, ReportFormat::Csv).await
}

async fn delete_run(
    State(state): State<AppState>,
    m: Developer,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let id = canonical_run_id(&id)?;
    match runs_api::delete_run(State(state.clone()), m.user, Path(id.clone())).await {
        Ok(_) => Ok(m.v.redirect(
            "/developer/analytics",
            Some(Flash::ok("dev.flash.run_deleted")),
        )),
        Err(ServerError::Conflict(_)) => {
            Ok(m.v.redirect(&run_path(&id), Some(Flash::error("dev.flash.run_busy"))))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Getting started
// ---------------------------------------------------------------------------------------------

/// `raw` if it can be printed as a host (and port) in a snippet: 1 to 255 characters of
/// letters, digits, `.`, `:`, `-`, `[` and `]`.
fn clean_host(raw: &str) -> Option<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= 255
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'));
    ok.then_some(raw)
}

/// The address the visitor reached this server at: the request's `Host` when it is clean,
/// else the address the server binds (loopback for a wildcard bind).
fn base_url(host: Option<&str>, secure: bool, bind: SocketAddr) -> String {
    let scheme = if secure { "https" } else { "http" };
    match host.and_then(clean_host) {
        Some(h) => format!("{scheme}://{h}"),
        None => {
            let mut addr = bind;
            if addr.ip().is_unspecified() {
                addr.set_ip(if addr.is_ipv4() {
                    std::net::Ipv4Addr::LOCALHOST.into()
                } else {
                    std::net::Ipv6Addr::LOCALHOST.into()
                });
            }
            format!("{scheme}://{addr}")
        }
    }
}

/// The getting-started snippets for `base`.
struct Snippets {
    sample: String,
    courses: String,
    analyze: String,
    rust: String,
    example: String,
    cli: String,
}

impl Snippets {
    fn for_base(base: &str) -> Self {
        Self {
            sample: "{\n  echo \"date,category,value\"\n  for y in 2022 2023 2024; do\n    for m in 01 02 03 04 05 06 07 08 09 10 11 12; do\n      echo \"$y-$m-01,coffee,$((100 + RANDOM % 50))\"\n    done\n  done\n} > exports.csv".to_string(),
            courses: format!("curl -s {base}/api/v1/courses"),
            analyze: format!(
                "export PINTAR_API_KEY=pk_YOUR_KEY\ncurl -s -H \"Authorization: ApiKey $PINTAR_API_KEY\" \\\n  -F \"file=@exports.csv\" \\\n  \"{base}/api/v1/analytics/analyze?horizon=6\""
            ),
            rust: format!(
                "use pintar_sdk::Client;\n\n#[tokio::main]\nasync fn main() -> pintar_sdk::Result<()> {{\n    let key = std::env::var(\"PINTAR_API_KEY\").unwrap_or_default();\n    let client = Client::builder().base_url(\"{base}\").api_key(key).build()?;\n    let report = client.analytics().analyze_file(\"exports.csv\").await?.horizon(6).report().await?;\n    for s in &report.series {{\n        println!(\"{{}}: {{:?}}\", s.category, s.forecast.as_ref().map(|f| &f.model));\n    }}\n    Ok(())\n}}"
            ),
            example: format!(
                "PINTAR_SERVER={base} PINTAR_API_KEY=pk_YOUR_KEY \\\n  cargo run --example sdk_forecast -- exports.csv 6"
            ),
            cli: format!(
                "pintar --server {base} auth login\npintar --server {base} analyze exports.csv --remote\npintar --server {base} --json courses list"
            ),
        }
    }
}

#[derive(Template)]
#[template(path = "developer/start.html")]
struct Start {
    c: Chrome,
    base: String,
    s: Snippets,
}

async fn start(
    State(state): State<AppState>,
    v: Visitor,
    https: Option<axum::Extension<session::Https>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let https = https.is_some_and(|h| h.0.0);
    let base = base_url(host, https, state.settings.bind);
    let page = Start {
        c: Chrome::of(&state, &v).await?,
        s: Snippets::for_base(&base),
        base,
    };
    Ok(v.html(page.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_sanitised_and_fall_back_to_the_bind_address() {
        let bind: SocketAddr = "0.0.0.0:8000".parse().expect("addr");
        assert_eq!(
            base_url(Some("pintar.example:8443"), true, bind),
            "https://pintar.example:8443"
        );
        assert_eq!(
            base_url(Some("[::1]:8000"), false, bind),
            "http://[::1]:8000"
        );
        for bad in [
            "",
            "a b",
            "evil.example/x",
            "x\"y",
            "a@b",
            "host;rm",
            &"a".repeat(256),
        ] {
            assert_eq!(
                base_url(Some(bad), false, bind),
                "http://127.0.0.1:8000",
                "{bad}"
            );
        }
        assert_eq!(base_url(None, false, bind), "http://127.0.0.1:8000");
        let v6: SocketAddr = "[::]:9000".parse().expect("addr");
        assert_eq!(base_url(None, false, v6), "http://[::1]:9000");
        let fixed: SocketAddr = "10.0.0.5:80".parse().expect("addr");
        assert_eq!(base_url(None, false, fixed), "http://10.0.0.5:80");
    }

    #[test]
    fn snippets_name_the_base() {
        let s = Snippets::for_base("http://h:1");
        assert_eq!(s.courses, "curl -s http://h:1/api/v1/courses");
        assert!(s.analyze.contains("Authorization: ApiKey $PINTAR_API_KEY"));
        assert!(
            s.analyze
                .contains("\"http://h:1/api/v1/analytics/analyze?horizon=6\"")
        );
        assert!(s.rust.contains(".base_url(\"http://h:1\")"));
        assert!(s.rust.contains("println!(\"{}: {:?}\""));
        assert!(
            s.cli
                .contains("pintar --server http://h:1 analyze exports.csv --remote")
        );
    }

    #[test]
    fn series_pages_stay_within_the_budget() {
        assert_eq!(pages_by_weight(&[], 100, 5), vec![0..0]);
        assert_eq!(pages_by_weight(&[40, 40, 40], 100, 5), vec![0..2, 2..3]);
        assert_eq!(pages_by_weight(&[10; 7], 1000, 3), vec![0..3, 3..6, 6..7]);
        // Too heavy alone: a page of its own.
        assert_eq!(pages_by_weight(&[500, 10, 10], 100, 5), vec![0..1, 1..3]);
        assert_eq!(
            pages_by_weight(&[10, 500, 10], 100, 5),
            vec![0..1, 1..2, 2..3]
        );
        // Every item lands on exactly one page, in order.
        let w: Vec<usize> = (0..1000)
            .map(|i| series_weight(i % 700, i % 130, i % 50))
            .collect();
        let pages = pages_by_weight(&w, SERIES_BUDGET, MAX_SERIES_PER_PAGE);
        let mut next = 0;
        for p in &pages {
            assert_eq!(p.start, next);
            assert!(!p.is_empty() && p.len() <= MAX_SERIES_PER_PAGE);
            let sum: usize = w[p.clone()].iter().sum();
            assert!(sum <= SERIES_BUDGET || p.len() == 1, "{p:?}: {sum}");
            next = p.end;
        }
        assert_eq!(next, 1000);
        // The heaviest series still fits a page under 150 KB with the layout around it.
        assert!(series_weight(usize::MAX, usize::MAX, 2_000) < 60_000);
    }

    #[test]
    fn pages_and_sizes_read_safely() {
        assert_eq!(page_of(None), 1);
        assert_eq!(page_of(Some("page=3")), 3);
        assert_eq!(page_of(Some("x=1&page=0")), 1);
        assert_eq!(page_of(Some("page=abc")), 1);
        assert_eq!(page_of(Some("page=99999999999999999999")), 1);
        assert_eq!(page_of(Some("page=7777777")), MAX_PAGE);
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(50 * 1024 * 1024), "50.0 MB");
        assert_eq!(num(f64::NAN), "—");
        assert_eq!(num(12345.6), "12346");
        assert_eq!(num(0.5), "0.5000");
        assert_eq!(pct(Some(12.34)), "+12.3%");
        assert_eq!(pct(None), "—");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
    }

    #[tokio::test]
    async fn reads_options_before_the_file_and_passes_the_file_on() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"horizon\"\r\n\r\n6\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"exports.csv\"\r\n\
                    Content-Type: text/csv\r\n\r\ndate,v\r\n2024-01-01,1\r\n--XyZ--\r\n";
        let req = Request::builder()
            .method("POST")
            .uri("/developer/analytics")
            .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
            .body(Body::from(body))
            .expect("request");
        let (opts, unnamed, out) = split_upload(req, 1 << 20).await.expect("split");
        assert_eq!(opts.horizon, "6");
        assert!(!unnamed);
        let ct = out.headers()[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .to_string();
        let bytes = axum::body::to_bytes(out.into_body(), 1 << 20)
            .await
            .expect("body");
        let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
        let boundary = ct.split("boundary=").nth(1).expect("boundary");
        assert!(text.starts_with(&format!("--{boundary}\r\n")), "{text}");
        assert!(text.contains("filename=\"exports.csv\""), "{text}");
        assert!(text.contains("Content-Type: text/csv"), "{text}");
        assert!(
            text.ends_with(&format!("date,v\r\n2024-01-01,1\r\n--{boundary}--\r\n")),
            "{text}"
        );

        // A boundary longer than RFC 2046 allows, an unknown field, no file: refused.
        let long = format!("multipart/form-data; boundary={}", "-".repeat(8000));
        for (ct, body) in [
            (long.as_str(), "x"),
            (
                "multipart/form-data; boundary=XyZ",
                "--XyZ\r\nContent-Disposition: form-data; name=\"evil\"\r\n\r\n1\r\n--XyZ--\r\n",
            ),
            (
                "multipart/form-data; boundary=XyZ",
                "--XyZ\r\nContent-Disposition: form-data; name=\"horizon\"\r\n\r\n1\r\n--XyZ--\r\n",
            ),
            ("text/csv", "a,b"),
        ] {
            let req = Request::builder()
                .method("POST")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .expect("request");
            assert!(split_upload(req, 1 << 20).await.is_err(), "{ct}: {body}");
        }
    }

    #[test]
    fn key_forms_become_api_requests() {
        let f = KeyForm::parse(
            b"name=ci&scope=analytics&scope=analytics&scope=learning&expires_in_days=30",
        );
        let t = Tr::default();
        let r = f.request(t).expect("request");
        assert_eq!(r.name, "ci");
        assert_eq!(r.scopes, Some(vec![Scope::Analytics, Scope::Learning]));
        assert_eq!(r.expires_in_days, Some(30));
        // No scope ticked: an empty list, which the API's check refuses.
        let none = KeyForm::parse(b"name=x").request(t).expect("request");
        assert_eq!(none.scopes, Some(Vec::new()));
        assert!(KeyForm::parse(b"name=x&scope=admin").request(t).is_err());
        assert!(
            KeyForm::parse(b"name=x&scope=analytics&expires_in_days=-1")
                .request(t)
                .is_err()
        );
    }
}
