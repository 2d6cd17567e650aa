//! The insights use cases: per-learner progress, per-course progress, engagement and
//! completion, and activity series with a forecast. Each authorizes its actor; drafts
//! appear in the per-course figures of admins (signed in) only.

use super::activity::{Window, forecast, series};
use super::{Context, check_date, completion, engagement, invalid, progress};
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::{Actor, Operation};
use chrono::{NaiveDate, Utc};
use pintar_core::analytics::default_horizon;
use pintar_core::api::{
    ActivityInterval, ActivityMetric, ActivitySeries, CourseCompletion, CourseEngagement,
    CourseProgressDistribution, Page, UserCourseProgress,
};
use serde::Deserialize;
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

fn page<T>(items: Vec<T>, total: u64, page: u64, per_page: u64) -> Page<T> {
    Page {
        items,
        total,
        page,
        per_page,
    }
}

/// Progress in each enrolment: the actor's own, or (an admin, signed in) any learner's
/// (`user_id`) or everyone's. Newest enrolment first.
pub async fn user_progress(
    ctx: &Context,
    actor: &Actor,
    who: UserProgressQuery,
    paging: PageParams,
) -> Result<Page<UserCourseProgress>, ServerError> {
    let caller = actor.require(Operation::ReadOwnProgress)?;
    let (number, per_page) = paging.resolve()?;
    let user = match who.user_id {
        _ if caller.is_admin() => who.user_id,
        Some(id) if id != caller.id => {
            return Err(ServerError::Forbidden(
                "only admins may see another learner's progress".into(),
            ));
        }
        _ => Some(caller.id),
    };
    let (items, total) = progress::user_progress(&ctx.db, user, number, per_page).await?;
    Ok(page(items, total, number, per_page))
}

/// Per course, how far its enrolled learners are: six ranges of percent complete,
/// completions and the mean. Courses by title.
pub async fn course_progress(
    ctx: &Context,
    actor: &Actor,
    paging: PageParams,
) -> Result<Page<CourseProgressDistribution>, ServerError> {
    actor.require(Operation::ReadCourseProgress)?;
    let (number, per_page) = paging.resolve()?;
    let (courses, total) = super::course_page(&ctx.db, actor.is_admin(), number, per_page).await?;
    let items = progress::distribution(&ctx.db, &courses).await?;
    Ok(page(items, total, number, per_page))
}

/// Per course over a window of days: enrolments, content opens, quiz attempts and their
/// mean score, and learners active in the last 7 and 30 days of the window.
pub async fn course_engagement(
    ctx: &Context,
    actor: &Actor,
    window: EngagementQuery,
    paging: PageParams,
) -> Result<Page<CourseEngagement>, ServerError> {
    actor.require(Operation::ReadEngagement)?;
    let (number, per_page) = paging.resolve()?;
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
    let (courses, total) = super::course_page(&ctx.db, actor.is_admin(), number, per_page).await?;
    let items = engagement::engagement(&ctx.db, &courses, from, to).await?;
    Ok(page(items, total, number, per_page))
}

/// Per course: completion rate, median time from enrolment to completion, and where the
/// learners who have not finished stopped.
pub async fn completion_rates(
    ctx: &Context,
    actor: &Actor,
    paging: PageParams,
) -> Result<Page<CourseCompletion>, ServerError> {
    actor.require(Operation::ReadCompletion)?;
    let (number, per_page) = paging.resolve()?;
    let (courses, total) = super::course_page(&ctx.db, actor.is_admin(), number, per_page).await?;
    let items = completion::completion(&ctx.db, &courses).await?;
    Ok(page(items, total, number, per_page))
}

/// A daily or weekly series of platform activity, with a forecast from the analysis
/// engine (80 % and 95 % intervals, never below zero).
pub async fn activity(
    ctx: &Context,
    actor: &Actor,
    q: ActivityQuery,
) -> Result<ActivitySeries, ServerError> {
    actor.require(Operation::ReadActivity)?;
    activity_series(ctx, q).await
}

/// The series behind [`activity`], for use cases that authorized their actor already.
pub(super) async fn activity_series(
    ctx: &Context,
    q: ActivityQuery,
) -> Result<ActivitySeries, ServerError> {
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
        .filter(|w| w.first >= super::MIN_DATE)
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
    let history = series(&ctx.db, metric, &window, q.course_id).await?;
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
    Ok(ActivitySeries {
        metric,
        interval,
        course_id: q.course_id.map(|c| c.to_string()),
        from: window.first,
        to: window.last_day().unwrap_or(to),
        points: history,
        forecast,
        note,
    })
}
