//! `/developer/analytics/runs/{id}`: one run — its state, and for a succeeded one the report
//! per series (quality, trend, growth, seasonality, the forecast chart as server-drawn SVG),
//! paged by weight; the report as a JSON or CSV download; deleting the run.

use super::{canonical_run_id, human_bytes, page_of, run_path, stamp, status_words};
use crate::analysis::results::{self, Report};
use crate::chart::{self, ChartLabels, ForecastBand};
use crate::error::ServerError;
use crate::setup::state::AppState;
use crate::web::i18n::Tr;
use crate::web::{Chrome, Flash, Visitor};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use pintar_core::Frequency;
use pintar_core::api::{AnalysisRun, Problem, ReportFormat, RunStatus};
use pintar_core::report::{AnalysisReport, Direction, InputWarning, SeriesReport, SeriesStatus};
use std::ops::Range;

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
                SeriesStatus::Sparse => "dev.run.series_sparse",
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

pub(super) async fn page(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response, ServerError> {
    let ctx = &state.analysis;
    let run = results::run(ctx, &v.actor, &id).await?;
    let t = v.t;
    let page = usize::try_from(page_of(uri.query())).unwrap_or(1);
    let report = if run.status == RunStatus::Succeeded {
        let Report::Json(json) =
            results::report(ctx, &v.actor, &run.id, ReportFormat::Json).await?
        else {
            return Err(ServerError::Internal("a JSON report was asked for".into()));
        };
        let pool = &ctx.runner.pool;
        let permit = pool.permit().await?;
        Some(
            pool.run(permit, move || report_view(json.as_bytes(), t, page))
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
        c: Chrome::of(&state, &v).await?,
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
    Ok(v.html(view.render()))
}

/// A run's report as a download.
async fn download(
    state: AppState,
    v: Visitor,
    id: String,
    format: ReportFormat,
) -> Result<Response, ServerError> {
    let id = canonical_run_id(&id)?;
    let (body, media, ext) = match results::report(&state.analysis, &v.actor, &id, format).await? {
        Report::Json(body) => (axum::body::Body::from(body), "application/json", "json"),
        Report::Table(report) => (
            crate::http::body::table_body(*report),
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    let disposition = format!("attachment; filename=\"pintar-report-{id}.{ext}\"");
    Ok((
        [
            (header::CONTENT_TYPE, media.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

pub(super) async fn report_json(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    download(state, v, id, ReportFormat::Json).await
}

pub(super) async fn report_csv(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    download(state, v, id, ReportFormat::Csv).await
}

pub(super) async fn delete(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let id = canonical_run_id(&id)?;
    match results::delete(&state.analysis, &v.actor, &id).await {
        Ok(()) => Ok(v.redirect(
            "/developer/analytics",
            Some(Flash::ok("dev.flash.run_deleted")),
        )),
        Err(ServerError::Conflict(_)) => {
            Ok(v.redirect(&run_path(&id), Some(Flash::error("dev.flash.run_busy"))))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn numbers_read_safely() {
        assert_eq!(num(f64::NAN), "—");
        assert_eq!(num(12345.6), "12346");
        assert_eq!(num(0.5), "0.5000");
        assert_eq!(pct(Some(12.34)), "+12.3%");
        assert_eq!(pct(None), "—");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "abc…");
    }
}
