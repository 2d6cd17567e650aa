//! `/developer/analytics`: the analysis workbench — upload a CSV or JSON file with the
//! engine's options (analysed now or queued, as on the API), and the caller's past runs.

use super::{human_bytes, page_of, run_path, stamp, status_words};
use crate::analysis::input::Declared;
use crate::analysis::results::{self, RunFilter};
use crate::analysis::submit::{self, Delivery, Submitted};
use crate::error::{FieldError, ServerError};
use crate::http::multipart::{self, Spec};
use crate::paging::PageParams;
use crate::setup::state::AppState;
use crate::web::forms::{error_of, translated};
use crate::web::i18n::Tr;
use crate::web::{Chrome, Flash, Visitor};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use pintar_core::Frequency;
use pintar_core::api::{AnalysisRun, AnalyzeParams, MAX_HORIZON};
use pintar_core::options::{DuplicatePolicy, OutlierPolicy};

/// Runs listed per page of the workbench.
const RUNS_PER_PAGE: u64 = 20;
/// Bytes of form fields read before the upload's file part (the analysis options).
const MAX_HEAD: usize = 16 * 1024;
/// Longest analysis option value kept.
const MAX_OPTION: usize = 64;
/// The option fields the upload form sends before its file.
const OPTION_FIELDS: [&str; 4] = ["horizon", "frequency", "duplicates", "outliers"];

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
        v: &Visitor,
        page: u64,
        opts: OptForm,
        errors: Vec<FieldError>,
    ) -> Result<Self, ServerError> {
        let me = v.caller()?.id;
        let list = |page: u64| {
            results::list(
                &state.analysis,
                &v.actor,
                // The caller's own runs (an admin's list would otherwise hold everyone's).
                RunFilter {
                    status: None,
                    user_id: Some(me),
                },
                PageParams {
                    page: Some(page),
                    per_page: Some(RUNS_PER_PAGE),
                },
            )
        };
        let mut runs = list(page).await?;
        let pages = runs.total.div_ceil(RUNS_PER_PAGE).max(1);
        if page > pages {
            runs = list(pages).await?;
        }
        let page = page.min(pages);
        let t = v.t;
        let link = |p: u64| format!("/developer/analytics?page={p}");
        let max_bytes = state.analysis.limits.max_upload_bytes;
        Ok(Self {
            c: Chrome::of(state, v).await?,
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

pub(super) async fn workbench(
    State(state): State<AppState>,
    v: Visitor,
    uri: Uri,
) -> Result<Response, ServerError> {
    let page = Workbench::build(
        &state,
        &v,
        page_of(uri.query()),
        OptForm::default(),
        Vec::new(),
    )
    .await?;
    Ok(v.html(page.render()))
}

/// Analyses an uploaded file (the same use cases, upload limits and budget as the API's
/// `POST /analytics/analyze`: analysed now or queued), then shows the run.
pub(super) async fn analyze(
    State(state): State<AppState>,
    v: Visitor,
    req: Request,
) -> Result<Response, ServerError> {
    let t = v.t;
    let ctx = &state.analysis;
    let timeout = ctx.runner.upload_timeout;
    let spec = Spec {
        text_fields: &OPTION_FIELDS,
        text_max: MAX_OPTION * 4,
        file_field: "file",
        limit: ctx.limits.max_upload_bytes.saturating_add(MAX_HEAD),
    };
    let read = match tokio::time::timeout(timeout, multipart::read(req, &spec)).await {
        Ok(read) => read,
        Err(_) => Err(ServerError::RequestTimeout(format!(
            "the upload did not arrive within {} s",
            timeout.as_secs()
        ))),
    };
    let form = match read {
        Ok(f) => f,
        Err(e) => return upload_refused(&state, &v, OptForm::default(), e).await,
    };
    let mut opts = OptForm::default();
    for (name, value) in &form.fields {
        opts.set(name, value.trim().chars().take(MAX_OPTION).collect());
    }
    let file = form
        .file
        .filter(|f| f.file_name.as_deref().is_some_and(|n| !n.trim().is_empty()));
    let Some(file) = file else {
        let errors = vec![FieldError::new(
            "file",
            t.get("dev.work.no_file").to_string(),
        )];
        return rerender(&state, &v, opts, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let options = match opts.params(t).and_then(|p| {
        p.options().map_err(|errors| {
            errors
                .into_iter()
                .map(|(field, message)| FieldError::new(field, message))
                .collect()
        })
    }) {
        Ok(o) => o,
        Err(errors) => {
            let errors = translated(errors, t, &OPTION_ERRORS);
            return rerender(&state, &v, opts, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let declared = Declared {
        media_type: file.media_type.clone(),
        file_name: file.file_name.clone(),
        length: None,
    };
    let upload = match submit::receive(ctx, &v.actor, file, declared).await {
        Ok(u) => u,
        Err(e) => return upload_refused(&state, &v, opts, e).await,
    };
    let (id, flash) =
        match submit::submit(ctx, &v.actor, upload, options, Delivery::default()).await {
            Ok(Submitted::Queued(run)) => (run.id, Flash::ok("dev.flash.queued")),
            Ok(Submitted::Done {
                run_id,
                result: Ok(_),
            }) => (run_id.to_string(), Flash::ok("dev.flash.analysed")),
            Ok(Submitted::Done { run_id, .. }) => {
                (run_id.to_string(), Flash::error("dev.flash.failed"))
            }
            Err(e) => return upload_refused(&state, &v, opts, e).await,
        };
    Ok(v.redirect(&run_path(&id), Some(flash)))
}

/// The workbench again, with `errors` by the fields.
async fn rerender(
    state: &AppState,
    v: &Visitor,
    opts: OptForm,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, ServerError> {
    let page = Workbench::build(state, v, 1, opts, errors).await?;
    Ok(v.html_status(status, page.render()))
}

/// An upload the API refused: invalid options and unreadable files are shown by their
/// fields; anything else (a full queue, …) is an error page.
async fn upload_refused(
    state: &AppState,
    v: &Visitor,
    opts: OptForm,
    e: ServerError,
) -> Result<Response, ServerError> {
    let t = v.t;
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
    rerender(state, v, opts, errors, status).await
}
