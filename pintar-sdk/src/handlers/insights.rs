//! Insights: how learners progress, engage and complete, and activity over time.
//! Admins see every course; a developer key with the `analytics` scope sees the aggregates.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use crate::page::ListRequest;
use chrono::NaiveDate;
use pintar_core::api::{
    ActivityInterval, ActivityMetric, ActivitySeries, CourseCompletion, CourseEngagement,
    CourseProgressDistribution, UserCourseProgress,
};
use serde::Serialize;

/// `client.insights()`: insights: platform figures about learning.
#[derive(Debug, Clone, Copy)]
pub struct InsightsHandler<'a> {
    client: &'a Client,
}

/// Filter of per-learner progress.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserProgressFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
}

/// Per-learner, per-course progress, paged.
pub type UserProgressList<'a> = ListRequest<'a, UserProgressFilter, UserCourseProgress>;

impl UserProgressList<'_> {
    /// Only this learner.
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.filter.user_id = Some(user_id.into());
        self
    }
}

/// Date window of engagement counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngagementFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<NaiveDate>,
}

/// Engagement per course, paged.
pub type EngagementList<'a> = ListRequest<'a, EngagementFilter, CourseEngagement>;

impl EngagementList<'_> {
    /// From this day (inclusive; default 30 days before `to`).
    pub fn from(mut self, day: NaiveDate) -> Self {
        self.filter.from = Some(day);
        self
    }

    /// Up to this day (inclusive; default today).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.filter.to = Some(day);
        self
    }
}

/// A list without filters.
pub use super::courses::NoFilter;

impl<'a> InsightsHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Progress of each learner in each course (`GET /analytics/user-progress`).
    pub fn user_progress(self) -> UserProgressList<'a> {
        ListRequest::new(
            self.client,
            ["analytics", "user-progress"],
            UserProgressFilter::default(),
        )
    }

    /// How far learners are in each course (`GET /analytics/course-progress`).
    pub fn course_progress(self) -> ListRequest<'a, NoFilter, CourseProgressDistribution> {
        ListRequest::new(self.client, ["analytics", "course-progress"], NoFilter {})
    }

    /// Enrollments, opens and quiz attempts per course (`GET /analytics/course-engagement`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use chrono::NaiveDate;
    /// let march = client
    ///     .insights()
    ///     .engagement()
    ///     .from(NaiveDate::from_ymd_opt(2025, 3, 1).expect("a date"))
    ///     .to(NaiveDate::from_ymd_opt(2025, 3, 31).expect("a date"))
    ///     .send()
    ///     .await?;
    /// # let _ = march;
    /// # Ok(()) }
    /// ```
    pub fn engagement(self) -> EngagementList<'a> {
        ListRequest::new(
            self.client,
            ["analytics", "course-engagement"],
            EngagementFilter::default(),
        )
    }

    /// Completion rate and drop-off per course (`GET /analytics/completion-rates`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let rates: Vec<_> = client.insights().completion().per_page(100).stream().try_collect().await?;
    /// for c in rates {
    ///     println!("{:<32} {:>5.1} % of {}", c.course_slug, c.completion_rate, c.learners);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn completion(self) -> ListRequest<'a, NoFilter, CourseCompletion> {
        ListRequest::new(self.client, ["analytics", "completion-rates"], NoFilter {})
    }

    /// A daily or weekly activity series with an optional forecast
    /// (`GET /analytics/activity`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::types::ActivityMetric;
    /// let series = client.insights().activity().metric(ActivityMetric::Enrollments).forecast(true).send().await?;
    /// println!("{} points", series.points.len());
    /// # Ok(()) }
    /// ```
    pub fn activity(self) -> Activity<'a> {
        Activity {
            client: self.client,
            query: ActivityQuery::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
struct ActivityQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    metric: Option<ActivityMetric>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval: Option<ActivityInterval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    horizon: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    points: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    course_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forecast: Option<bool>,
}

/// `GET /analytics/activity` with its options.
#[derive(Debug, Clone)]
#[must_use = "nothing is sent until `send`"]
pub struct Activity<'a> {
    client: &'a Client,
    query: ActivityQuery,
}

impl Activity<'_> {
    /// What to count (default enrolments).
    pub fn metric(mut self, metric: ActivityMetric) -> Self {
        self.query.metric = Some(metric);
        self
    }

    /// Per day (default) or per week.
    pub fn interval(mut self, interval: ActivityInterval) -> Self {
        self.query.interval = Some(interval);
        self
    }

    /// Periods to forecast.
    pub fn horizon(mut self, periods: u32) -> Self {
        self.query.horizon = Some(periods);
        self
    }

    /// Periods of history.
    pub fn points(mut self, points: u32) -> Self {
        self.query.points = Some(points);
        self
    }

    /// The last day of the history (default today).
    pub fn to(mut self, day: NaiveDate) -> Self {
        self.query.to = Some(day);
        self
    }

    /// Only this course (id).
    pub fn course(mut self, course_id: impl Into<String>) -> Self {
        self.query.course_id = Some(course_id.into());
        self
    }

    /// Include a forecast.
    pub fn forecast(mut self, on: bool) -> Self {
        self.query.forecast = Some(on);
        self
    }

    /// Fetches the series.
    pub async fn send(self) -> Result<ActivitySeries> {
        let call = Call::get(["analytics", "activity"]).query(&self.query)?;
        self.client.json(call).await
    }
}
