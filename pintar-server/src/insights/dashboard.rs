//! The admins' dashboard: platform-wide totals, an activity series with its forecast, and
//! one page of per-course completion, progress and engagement, as one use case (drafts
//! included: an admin sees them).

use super::Context;
use super::figures::{self, ActivityQuery, EngagementQuery};
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::{Actor, Operation};
use pintar_core::api::{
    ActivityInterval, ActivityMetric, ActivitySeries, CourseCompletion, CourseEngagement,
    CourseProgressDistribution, MAX_PER_PAGE, Page,
};

/// Pages of [`MAX_PER_PAGE`] courses read for the totals (beyond that the totals say so).
const TOTAL_PAGES: u64 = 50;

/// What the dashboard shows.
#[derive(Debug, Clone, Copy)]
pub struct DashboardRequest {
    /// The activity to chart.
    pub metric: ActivityMetric,
    /// Days of history.
    pub days: u32,
    /// Days to forecast.
    pub horizon: u32,
    /// Which page of courses in the per-course tables.
    pub paging: PageParams,
}

/// Platform-wide figures.
#[derive(Debug, Clone, Default)]
pub struct Totals {
    /// Courses.
    pub courses: u64,
    /// Enrolments.
    pub learners: u64,
    /// Completed enrolments.
    pub completed: u64,
    /// Whether there were more courses than were read.
    pub partial: bool,
}

impl Totals {
    /// Completed enrolments in percent.
    pub fn rate(&self) -> f64 {
        if self.learners == 0 {
            0.0
        } else {
            self.completed as f64 * 100.0 / self.learners as f64
        }
    }
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The charted activity with its forecast.
    pub series: ActivitySeries,
    /// Platform-wide totals.
    pub totals: Totals,
    /// Enrolments in the last 30 days.
    pub enrolled_30d: u64,
    /// Learners active today.
    pub active_today: u64,
    /// Learners active this week.
    pub active_week: u64,
    /// Completion per course (this page).
    pub completion: Page<CourseCompletion>,
    /// Progress per course (this page).
    pub progress: Page<CourseProgressDistribution>,
    /// Engagement per course over the last 30 days (this page).
    pub engagement: Page<CourseEngagement>,
}

/// One activity series of the whole platform, without a forecast.
async fn plain_series(
    ctx: &Context,
    metric: ActivityMetric,
    interval: ActivityInterval,
    points: u32,
) -> Result<ActivitySeries, ServerError> {
    figures::activity_series(
        ctx,
        ActivityQuery {
            metric: Some(metric),
            interval: Some(interval),
            points: Some(points),
            forecast: Some(false),
            ..ActivityQuery::default()
        },
    )
    .await
}

/// Learners, completions and courses over every course (a page of courses at a time).
async fn totals(ctx: &Context, actor: &Actor) -> Result<Totals, ServerError> {
    let mut t = Totals::default();
    for page in 1..=TOTAL_PAGES {
        let p = figures::course_progress(
            ctx,
            actor,
            PageParams {
                page: Some(page),
                per_page: Some(MAX_PER_PAGE),
            },
        )
        .await?;
        t.courses = p.total;
        t.learners += p.items.iter().map(|c| c.learners).sum::<u64>();
        t.completed += p.items.iter().map(|c| c.completed).sum::<u64>();
        if page >= p.pages() {
            return Ok(t);
        }
    }
    t.partial = true;
    Ok(t)
}

/// The dashboard for an admin.
pub async fn dashboard(
    ctx: &Context,
    actor: &Actor,
    req: DashboardRequest,
) -> Result<Dashboard, ServerError> {
    actor.require(Operation::ViewDashboard)?;
    req.paging.resolve()?;
    let series = figures::activity(
        ctx,
        actor,
        ActivityQuery {
            metric: Some(req.metric),
            interval: Some(ActivityInterval::Day),
            horizon: Some(req.horizon),
            points: Some(req.days),
            forecast: Some(true),
            ..ActivityQuery::default()
        },
    )
    .await?;
    let completion = figures::completion_rates(ctx, actor, req.paging).await?;
    let progress = figures::course_progress(ctx, actor, req.paging).await?;
    let engagement =
        figures::course_engagement(ctx, actor, EngagementQuery::default(), req.paging).await?;
    let totals = totals(ctx, actor).await?;
    let enrolled_30d = plain_series(ctx, ActivityMetric::Enrollments, ActivityInterval::Day, 30)
        .await?
        .points
        .iter()
        .map(|p| p.value.max(0.0) as u64)
        .sum();
    let last = |s: ActivitySeries| s.points.last().map_or(0, |p| p.value.max(0.0) as u64);
    let active_today = last(
        plain_series(
            ctx,
            ActivityMetric::ActiveLearners,
            ActivityInterval::Day,
            1,
        )
        .await?,
    );
    let active_week = last(
        plain_series(
            ctx,
            ActivityMetric::ActiveLearners,
            ActivityInterval::Week,
            1,
        )
        .await?,
    );
    Ok(Dashboard {
        series,
        totals,
        enrolled_30d,
        active_today,
        active_week,
        completion,
        progress,
        engagement,
    })
}
