//! Platform analytics: how learners use the courses.
//!
//! Who may call (see `auth::access`): `user-progress` any signed-in caller, for their own
//! enrolments (admins signed in with a session: anyone's, or everyone's); the aggregates
//! (`course-progress`, `course-engagement`, `completion-rates`, `activity`) developers and
//! admins. API keys need the `analytics` scope. Drafts appear in the per-course reports of
//! admins only.

use crate::auth::AuthUser;
use crate::error::ServerError;
use crate::insights::activity::{Window, forecast, series};
use crate::insights::{self, check_date, completion, engagement, invalid, progress};
use crate::pagination::{PageParams, Paged};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::Uri;
use chrono::{NaiveDate, Utc};
use pintar_core::analytics::default_horizon;
use pintar_core::api::{
    ActivityInterval, ActivityMetric, ActivitySeries, CourseCompletion, CourseEngagement,
    CourseProgressDistribution, Page, UserCourseProgress,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Longest window `course-engagement` accepts, in days (three years).
pub const MAX_ENGAGEMENT_DAYS: i64 = 3 * 366;
/// Days `course-engagement` covers when `from` is left out.
pub const DEFAULT_ENGAGEMENT_DAYS: u64 = 30;
/// Most forecast periods.
pub const MAX_HORIZON: u32 = 52;
/// Most daily periods in a series (two years).
pub const MAX_DAYS: u32 = 731;
/// Most weekly periods in a series (five years).
pub const MAX_WEEKS: u32 = 261;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(user_progress))
        .routes(routes!(course_progress))
        .routes(routes!(course_engagement))
        .routes(routes!(completion_rates))
        .routes(routes!(activity))
}

/// Whose progress to list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserProgressQuery {
    /// A learner's id. Admins (signed in): any learner, or leave it out for everyone.
    /// Others: only their own id (the default).
    pub user_id: Option<Uuid>,
}

/// The window of `course-engagement`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EngagementQuery {
    /// First day (UTC, `YYYY-MM-DD`); default: 29 days before `to`.
    pub from: Option<NaiveDate>,
    /// Last day (UTC, inclusive); default: today. Active learners count the 7 and 30 days
    /// ending with it. At most three years after `from`.
    pub to: Option<NaiveDate>,
}

/// What `activity` counts, per which period, and how far to forecast.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// `enrolments`, `content_opens`, `completions` (courses), `quiz_attempts` or
    /// `active_learners` (distinct learners with any activity; the default).
    #[param(inline)]
    pub metric: Option<ActivityMetric>,
    /// `day` (default) or `week` (ISO weeks from Monday, UTC).
    #[param(inline)]
    pub interval: Option<ActivityInterval>,
    /// Periods to forecast, 1 to 52 (default: one season: 7 days or 52 weeks).
    #[param(minimum = 1, maximum = 52)]
    pub horizon: Option<u32>,
    /// Periods of history, ending with the one holding `to`: days 1 to 731 (default 90),
    /// weeks 1 to 261 (default 52).
    #[param(minimum = 1, maximum = 731)]
    pub points: Option<u32>,
    /// Last day of history (UTC); default today.
    pub to: Option<NaiveDate>,
    /// Count one course only.
    pub course_id: Option<Uuid>,
    /// Whether to forecast (default true).
    pub forecast: Option<bool>,
}

/// Progress in each enrolled course: percent complete, last activity and the next item.
///
/// Any signed-in caller, for their own enrolments; admins (session) for any learner's
/// (`user_id`) or everyone's. API keys need the `analytics` scope. Newest enrolment first.
#[utoipa::path(get, path = "/analytics/user-progress", tag = "platform analytics",
    params(UserProgressQuery, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<UserCourseProgress>),
        (status = 403, description = "another learner's progress, and not an admin")))]
async fn user_progress(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(who): Query<UserProgressQuery>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<UserCourseProgress>, ServerError> {
    let (page, per_page) = paging.resolve()?;
    let user = match who.user_id {
        _ if caller.is_admin() => who.user_id,
        Some(id) if id != caller.id => {
            return Err(ServerError::Forbidden(
                "only admins may see another learner's progress".into(),
            ));
        }
        _ => Some(caller.id),
    };
    let (items, total) = progress::user_progress(&state.db, user, page, per_page).await?;
    Ok(Paged(
        Page {
            items,
            total,
            page,
            per_page,
        },
        uri,
    ))
}

/// Per course, how far its enrolled learners are: six ranges of percent complete
/// (`0`, `1-25`, `26-50`, `51-75`, `76-99`, `100`), completions and the mean.
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/course-progress", tag = "platform analytics",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseProgressDistribution>)))]
pub(crate) async fn course_progress(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseProgressDistribution>, ServerError> {
    let (page, per_page) = paging.resolve()?;
    let (courses, total) =
        insights::course_page(&state.db, caller.is_admin(), page, per_page).await?;
    let items = progress::distribution(&state.db, &courses).await?;
    Ok(paged(items, total, page, per_page, uri))
}

/// Per course over a window of days: enrolments, content opens, quiz attempts and their
/// mean score, and learners active in the last 7 and 30 days of the window.
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/course-engagement", tag = "platform analytics",
    params(EngagementQuery, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseEngagement>),
        (status = 422, description = "from after to, a window over three years, or a date out of range")))]
pub(crate) async fn course_engagement(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(window): Query<EngagementQuery>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseEngagement>, ServerError> {
    let (page, per_page) = paging.resolve()?;
    let to = check_date("to", window.to.unwrap_or_else(|| Utc::now().date_naive()))?;
    let from = match window.from {
        Some(f) => check_date("from", f)?,
        None => to
            .checked_sub_days(chrono::Days::new(DEFAULT_ENGAGEMENT_DAYS - 1))
            .unwrap_or(to),
    };
    if from > to {
        return Err(invalid("from", "must not be after to"));
    }
    if (to - from).num_days() >= MAX_ENGAGEMENT_DAYS {
        return Err(invalid(
            "from",
            format!("the window may span at most {MAX_ENGAGEMENT_DAYS} days"),
        ));
    }
    let (courses, total) =
        insights::course_page(&state.db, caller.is_admin(), page, per_page).await?;
    let items = engagement::engagement(&state.db, &courses, from, to).await?;
    Ok(paged(items, total, page, per_page, uri))
}

/// Per course: completion rate, median time from enrolment to completion, and where the
/// learners who have not finished stopped (the section of their furthest completed item).
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/completion-rates", tag = "platform analytics",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseCompletion>)))]
pub(crate) async fn completion_rates(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseCompletion>, ServerError> {
    let (page, per_page) = paging.resolve()?;
    let (courses, total) =
        insights::course_page(&state.db, caller.is_admin(), page, per_page).await?;
    let items = completion::completion(&state.db, &courses).await?;
    Ok(paged(items, total, page, per_page, uri))
}

/// A time series of platform activity per day or week, with a forecast from the same
/// engine as `POST /analytics/analyze` (its model pool, chosen by validation accuracy;
/// 80 % and 95 % intervals, never below zero).
///
/// Developers and admins; API keys need the `analytics` scope.
#[utoipa::path(get, path = "/analytics/activity", tag = "platform analytics",
    params(ActivityQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ActivitySeries),
        (status = 422, description = "horizon or points out of range, or a date out of range")))]
pub(crate) async fn activity(
    State(state): State<AppState>,
    _caller: AuthUser,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<ActivitySeries>, ServerError> {
    let metric = q.metric.unwrap_or(ActivityMetric::ActiveLearners);
    let interval = q.interval.unwrap_or(ActivityInterval::Day);
    let (max_points, default_points) = match interval {
        ActivityInterval::Day => (MAX_DAYS, 90),
        ActivityInterval::Week => (MAX_WEEKS, 52),
    };
    let points = q.points.unwrap_or(default_points);
    if !(1..=max_points).contains(&points) {
        return Err(invalid(
            "points",
            format!("must be 1 to {max_points} for this interval"),
        ));
    }
    let to = check_date("to", q.to.unwrap_or_else(|| Utc::now().date_naive()))?;
    let window = Window::ending(interval, to, points)
        .filter(|w| w.first >= insights::MIN_DATE)
        .ok_or_else(|| invalid("points", "reaches back before 1970"))?;
    let horizon = match q.horizon {
        Some(h) => h,
        None => u32::try_from(default_horizon(window.frequency()))
            .unwrap_or(MAX_HORIZON)
            .min(MAX_HORIZON),
    };
    if !(1..=MAX_HORIZON).contains(&horizon) {
        return Err(invalid("horizon", format!("must be 1 to {MAX_HORIZON}")));
    }
    let history = series(&state.db, metric, &window, q.course_id).await?;
    let (forecast, note) = if q.forecast.unwrap_or(true) {
        let values: Vec<f64> = history.iter().map(|p| p.value).collect();
        // Cheap (a few hundred points at most), but CPU work: off the async runtime.
        let result = tokio::task::spawn_blocking(move || forecast(&values, &window, horizon))
            .await
            .map_err(|e| ServerError::Internal(format!("forecast task: {e}")))?;
        match result {
            Ok(f) => (Some(f), None),
            Err(why) => (None, Some(why)),
        }
    } else {
        (None, None)
    };
    Ok(Json(ActivitySeries {
        metric,
        interval,
        course_id: q.course_id.map(|c| c.to_string()),
        from: window.first,
        to: window.last_day().unwrap_or(to),
        points: history,
        forecast,
        note,
    }))
}

fn paged<T>(items: Vec<T>, total: u64, page: u64, per_page: u64, uri: Uri) -> Paged<T> {
    Paged(
        Page {
            items,
            total,
            page,
            per_page,
        },
        uri,
    )
}
