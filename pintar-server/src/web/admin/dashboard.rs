//! `GET /admin`: insights — key figures, daily activity with its forecast, and per course
//! completion, progress and engagement: the use case `insights::dashboard`, as an admin,
//! so drafts are included.

use crate::chart::{self, ChartLabels, ForecastBand};
use crate::error::ServerError;
use crate::insights::figures::{MAX_DAYS, MAX_HORIZON};
use crate::insights::{self, DashboardRequest, Totals};
use crate::paging::PageParams;
use crate::setup::state::AppState;
use crate::web::{Chrome, Pager, Visitor, with_query};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use pintar_core::api::{
    ActivityForecast, ActivityMetric, ActivitySeries, CourseCompletion, CourseEngagement,
    CourseProgressDistribution,
};
use serde::Deserialize;

/// Courses per page in the per-course tables.
const COURSES_PER_PAGE: u64 = 20;
/// The history windows offered, in days (the first is the default).
const WINDOWS: [u32; 4] = [90, 30, 180, 365];
/// The forecast horizons offered, in days (the first is the default).
const HORIZONS: [u32; 3] = [7, 14, 28];
/// The metrics offered, with their message keys (the first is the default).
const METRICS: [(ActivityMetric, &str); 5] = [
    (
        ActivityMetric::ActiveLearners,
        "admin.metric.active_learners",
    ),
    (ActivityMetric::Enrollments, "admin.metric.enrolments"),
    (ActivityMetric::ContentOpens, "admin.metric.content_opens"),
    (ActivityMetric::QuizAttempts, "admin.metric.quiz_attempts"),
    (ActivityMetric::Completions, "admin.metric.completions"),
];
/// The progress ranges of `/analytics/course-progress`, in order.
const BUCKETS: [&str; 6] = ["0", "1-25", "26-50", "51-75", "76-99", "100"];

/// The dashboard's query, as its filter form sends it (empty = the default).
#[derive(Debug, Default, Deserialize)]
pub(super) struct DashboardQuery {
    #[serde(default)]
    metric: String,
    days: Option<u32>,
    horizon: Option<u32>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    c: Chrome,
    tab: &'static str,
    totals: Totals,
    enrolled_30d: u64,
    active_today: u64,
    active_week: u64,
    metric_key: &'static str,
    metrics: Vec<(&'static str, &'static str, bool)>,
    windows: Vec<(u32, bool)>,
    horizons: Vec<(u32, bool)>,
    chart: String,
    forecast: Option<ActivityForecast>,
    note: Option<String>,
    completion: Vec<CourseCompletion>,
    progress: Vec<CourseProgressDistribution>,
    engagement: Vec<CourseEngagement>,
    buckets: [&'static str; 6],
    pager: Pager,
    pager_label: String,
}

impl DashboardPage {
    /// A duration in seconds in the visitor's words (its two largest units).
    fn duration(&self, secs: &f64) -> String {
        duration_parts(*secs)
            .into_iter()
            .map(|(n, unit)| self.c.t.fmt(unit.key(), n))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The section where most learners who have not finished stopped.
    fn drop_off(&self, c: &CourseCompletion) -> String {
        c.drop_off
            .iter()
            .filter(|d| d.learners > 0)
            .max_by_key(|d| d.learners)
            .map(|d| format!("{} ({})", d.title, d.learners))
            .unwrap_or_default()
    }

    /// An optional number to one decimal, or a dash.
    fn maybe(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "–".to_string(), |v| format!("{v:.1}"))
    }

    /// A forecast value to one decimal.
    fn one(&self, x: &f64) -> String {
        format!("{x:.1}")
    }
}

/// A unit of [`duration_parts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Days,
    Hours,
    Minutes,
}

impl Unit {
    fn key(self) -> &'static str {
        match self {
            Unit::Days => "admin.dur.days",
            Unit::Hours => "admin.dur.hours",
            Unit::Minutes => "admin.dur.minutes",
        }
    }
}

/// `secs` as its two largest non-zero units of days, hours and minutes (at least one
/// part: `0 minutes` for less than a minute; non-finite or negative input is 0).
fn duration_parts(secs: f64) -> Vec<(u64, Unit)> {
    let secs = if secs.is_finite() && secs > 0.0 {
        secs.min(1e15) as u64
    } else {
        0
    };
    let minutes = secs / 60;
    let parts = [
        (minutes / 1440, Unit::Days),
        ((minutes / 60) % 24, Unit::Hours),
        (minutes % 60, Unit::Minutes),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0);
    match first {
        None => vec![(0, Unit::Minutes)],
        Some(i) => parts[i..]
            .iter()
            .take(2)
            .filter(|(n, _)| *n > 0)
            .copied()
            .collect(),
    }
}

/// The series and its forecast as the chart draws them.
fn chart_series(s: &ActivitySeries) -> (Vec<(chrono::NaiveDate, f64)>, Vec<ForecastBand>) {
    let history = s.points.iter().map(|p| (p.date, p.value)).collect();
    let forecast = s
        .forecast
        .as_ref()
        .map(|f| {
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
        })
        .unwrap_or_default();
    (history, forecast)
}

/// The dashboard.
pub(super) async fn page(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let (metric, metric_key) = if q.metric.is_empty() {
        METRICS[0]
    } else {
        METRICS
            .into_iter()
            .find(|(m, _)| m.as_str() == q.metric)
            .ok_or_else(|| crate::insights::invalid("metric", "is not a metric this page shows"))?
    };
    let days = q.days.unwrap_or(WINDOWS[0]);
    if !WINDOWS.contains(&days) || days > MAX_DAYS {
        return Err(crate::insights::invalid(
            "days",
            "must be 30, 90, 180 or 365",
        ));
    }
    let horizon = q.horizon.unwrap_or(HORIZONS[0]);
    if !HORIZONS.contains(&horizon) || horizon > MAX_HORIZON {
        return Err(crate::insights::invalid("horizon", "must be 7, 14 or 28"));
    }
    let paging = PageParams {
        page: Some(q.page.unwrap_or(1)),
        per_page: Some(COURSES_PER_PAGE),
    };
    paging.resolve()?;

    let req = DashboardRequest {
        metric,
        days,
        horizon,
        paging,
    };
    let d = insights::dashboard(&state.insights, &v.actor, req).await?;
    let (series, totals, completion, progress, engagement) =
        (d.series, d.totals, d.completion, d.progress, d.engagement);
    let (enrolled_30d, active_today, active_week) = (d.enrolled_30d, d.active_today, d.active_week);
    let c = Chrome::of(&state, &v).await?;
    let (history, bands) = chart_series(&series);
    let title = c.t.fmt("admin.dash.chart_title", c.t.get(metric_key));
    let chart = chart::render(
        &history,
        &bands,
        &ChartLabels {
            title: &title,
            history: c.t.get("admin.dash.history"),
            forecast: c.t.get("admin.dash.forecast"),
            band_80: c.t.get("admin.dash.band_80"),
            band_95: c.t.get("admin.dash.band_95"),
        },
    );
    let days_s = days.to_string();
    let horizon_s = horizon.to_string();
    let pager = Pager::of(&completion, |n| {
        with_query(
            "/admin",
            &[
                ("metric", metric.as_str()),
                ("days", &days_s),
                ("horizon", &horizon_s),
                ("page", &n.to_string()),
            ],
        )
    });
    let page = DashboardPage {
        tab: "dashboard",
        totals,
        enrolled_30d,
        active_today,
        active_week,
        metric_key,
        metrics: METRICS
            .iter()
            .map(|(m, k)| (m.as_str(), *k, *m == metric))
            .collect(),
        windows: {
            let mut w: Vec<(u32, bool)> = WINDOWS.iter().map(|d| (*d, *d == days)).collect();
            w.sort_unstable();
            w
        },
        horizons: HORIZONS.iter().map(|h| (*h, *h == horizon)).collect(),
        chart,
        forecast: series.forecast,
        note: series.note,
        completion: completion.items,
        progress: progress.items,
        engagement: engagement.items,
        buckets: BUCKETS,
        pager,
        pager_label: c.t.get("admin.dash.pages").to_string(),
        c,
    };
    Ok(v.html(page.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_show_their_two_largest_units() {
        assert_eq!(duration_parts(0.0), vec![(0, Unit::Minutes)]);
        assert_eq!(duration_parts(59.0), vec![(0, Unit::Minutes)]);
        assert_eq!(duration_parts(f64::NAN), vec![(0, Unit::Minutes)]);
        assert_eq!(duration_parts(-5.0), vec![(0, Unit::Minutes)]);
        assert_eq!(
            duration_parts(90.0 * 60.0),
            vec![(1, Unit::Hours), (30, Unit::Minutes)]
        );
        assert_eq!(
            duration_parts((2.0 * 1440.0 + 3.0 * 60.0 + 7.0) * 60.0),
            vec![(2, Unit::Days), (3, Unit::Hours)]
        );
        assert_eq!(
            duration_parts((2.0 * 1440.0 + 7.0) * 60.0),
            vec![(2, Unit::Days)],
            "a zero middle unit is left out, not replaced by a smaller one"
        );
        assert_eq!(duration_parts(f64::INFINITY), vec![(0, Unit::Minutes)]);
    }

    #[test]
    fn the_chart_gets_history_and_bands() {
        use pintar_core::api::{ActivityForecastPoint, ActivityInterval, ActivityPoint};
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let s = ActivitySeries {
            metric: ActivityMetric::Enrollments,
            interval: ActivityInterval::Day,
            course_id: None,
            from: d("2026-01-01"),
            to: d("2026-01-02"),
            points: vec![
                ActivityPoint {
                    date: d("2026-01-01"),
                    value: 1.0,
                },
                ActivityPoint {
                    date: d("2026-01-02"),
                    value: 3.0,
                },
            ],
            forecast: Some(ActivityForecast {
                model: "naive".into(),
                mase: None,
                smape: None,
                holdout: 0,
                points: vec![ActivityForecastPoint {
                    date: d("2026-01-03"),
                    value: 3.0,
                    lower_80: 2.0,
                    upper_80: 4.0,
                    lower_95: 1.0,
                    upper_95: 5.0,
                }],
            }),
            note: None,
        };
        let (h, f) = chart_series(&s);
        assert_eq!(h, vec![(d("2026-01-01"), 1.0), (d("2026-01-02"), 3.0)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].lower_95, f[0].upper_80), (1.0, 4.0));
        let none = ActivitySeries {
            forecast: None,
            ..s
        };
        assert!(chart_series(&none).1.is_empty());
        let t = Totals {
            learners: 4,
            completed: 1,
            ..Totals::default()
        };
        assert!((t.rate() - 25.0).abs() < 1e-9);
        assert_eq!(Totals::default().rate(), 0.0);
    }
}
