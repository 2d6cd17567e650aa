//! Platform analytics: how learners use the courses (`GET /analytics/user-progress`,
//! `/course-progress`, `/course-engagement`, `/completion-rates`, `/activity`). Computed by
//! the server from its learning events; admins see everything, developers the aggregates and
//! their own progress, learners their own progress.

use super::NextItem;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One enrolment's progress (`GET /analytics/user-progress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCourseProgress {
    /// The learner.
    pub user_id: String,
    /// Course id.
    pub course_id: String,
    /// Course URL name.
    pub course_slug: String,
    /// Course title.
    pub course_title: String,
    /// Enrolled (UTC).
    pub enrolled_at: DateTime<Utc>,
    /// Course completed (UTC), if it is.
    pub completed_at: Option<DateTime<Utc>>,
    /// Items completed (of those still in the course).
    pub completed: u32,
    /// Items in the course.
    pub total: u32,
    /// `completed` of `total` in percent, to one decimal.
    pub percent: f64,
    /// The learner's latest activity in the course (enrolment at the earliest).
    pub last_activity_at: DateTime<Utc>,
    /// The first item not yet completed, in course order (none when all are).
    pub next: Option<NextItem>,
}

/// Learners whose progress falls in one range of percent complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProgressBucket {
    /// `0` (nothing done), `1-25`, `26-50`, `51-75`, `76-99` or `100` (all done). A range
    /// `a-b` holds learners above `a - 1` and up to `b` percent (exactly: `1-25` is
    /// more than 0 and at most 25 %, `76-99` more than 75 and less than 100 %).
    pub label: String,
    /// Learners in the range.
    pub learners: u64,
}

/// The distribution of learner progress in one course (`GET /analytics/course-progress`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseProgressDistribution {
    /// Course id.
    pub course_id: String,
    /// Course URL name.
    pub course_slug: String,
    /// Course title.
    pub course_title: String,
    /// Items in the course.
    pub items: u32,
    /// Learners enrolled.
    pub learners: u64,
    /// Learners who completed the course.
    pub completed: u64,
    /// Mean percent complete over the enrolled learners, to one decimal (0 without any).
    pub average_percent: f64,
    /// The six ranges, in order; their learners add up to `learners`.
    pub buckets: Vec<ProgressBucket>,
}

/// Engagement with one course over a window (`GET /analytics/course-engagement`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseEngagement {
    /// Course id.
    pub course_id: String,
    /// Course URL name.
    pub course_slug: String,
    /// Course title.
    pub course_title: String,
    /// First day of the window (UTC).
    pub from: NaiveDate,
    /// Last day of the window (UTC, inclusive).
    pub to: NaiveDate,
    /// Enrollments in the window (`enrolments` before 0.2, still read).
    #[serde(alias = "enrolments")]
    pub enrollments: u64,
    /// Learners with any activity in the 7 days ending with `to`.
    pub active_learners_7d: u64,
    /// Learners with any activity in the 30 days ending with `to`.
    pub active_learners_30d: u64,
    /// Content items opened in the window.
    pub content_opens: u64,
    /// Quiz attempts in the window.
    pub quiz_attempts: u64,
    /// Mean score of those attempts in percent, to one decimal (none without attempts).
    pub average_quiz_score: Option<f64>,
}

/// Learners who stopped in one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionDropOff {
    /// Section id.
    pub section_id: String,
    /// Section title.
    pub title: String,
    /// Learners who have not completed the course and whose furthest completed item (in
    /// course order) is in this section.
    pub learners: u64,
}

/// Completion of one course (`GET /analytics/completion-rates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseCompletion {
    /// Course id.
    pub course_id: String,
    /// Course URL name.
    pub course_slug: String,
    /// Course title.
    pub course_title: String,
    /// Learners enrolled.
    pub learners: u64,
    /// Learners who completed the course.
    pub completed: u64,
    /// `completed` of `learners` in percent, to one decimal (0 without learners).
    pub completion_rate: f64,
    /// Median time from enrolment to completion, in seconds (none until someone completes).
    pub median_seconds_to_complete: Option<f64>,
    /// Learners not done who have completed nothing yet.
    pub not_started: u64,
    /// Per section in course order: learners not done whose progress stops there.
    pub drop_off: Vec<SectionDropOff>,
}

/// What `GET /analytics/activity` counts per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityMetric {
    /// Enrollments (`enrolments` before 0.2, still accepted).
    #[serde(alias = "enrolments")]
    Enrollments,
    /// Content items opened.
    ContentOpens,
    /// Courses completed.
    Completions,
    /// Quiz attempts.
    QuizAttempts,
    /// Distinct learners with any activity.
    ActiveLearners,
}

impl ActivityMetric {
    /// The query-string name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityMetric::Enrollments => "enrollments",
            ActivityMetric::ContentOpens => "content_opens",
            ActivityMetric::Completions => "completions",
            ActivityMetric::QuizAttempts => "quiz_attempts",
            ActivityMetric::ActiveLearners => "active_learners",
        }
    }
}

/// The period of an activity series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityInterval {
    /// UTC days.
    Day,
    /// ISO weeks (Monday to Sunday, UTC).
    Week,
}

/// One period of an activity series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPoint {
    /// First day of the period.
    pub date: NaiveDate,
    /// The metric in the period.
    pub value: f64,
}

/// One forecast period, with 80 % and 95 % prediction intervals (never below zero: the
/// metrics are counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityForecastPoint {
    /// First day of the period.
    pub date: NaiveDate,
    /// Point forecast.
    pub value: f64,
    /// Lower bound of the 80 % interval.
    pub lower_80: f64,
    /// Upper bound of the 80 % interval.
    pub upper_80: f64,
    /// Lower bound of the 95 % interval.
    pub lower_95: f64,
    /// Upper bound of the 95 % interval.
    pub upper_95: f64,
}

/// The forecast of an activity series, from the same engine as `POST /analytics/analyze`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityForecast {
    /// The model chosen by out-of-sample accuracy (`constant` for a flat series).
    pub model: String,
    /// Its MASE on the validation window (none when undefined).
    pub mase: Option<f64>,
    /// Its sMAPE (0–200) on the validation window (none when undefined).
    pub smape: Option<f64>,
    /// Periods held out to choose the model.
    pub holdout: u32,
    /// The forecast periods.
    pub points: Vec<ActivityForecastPoint>,
}

/// A time series of platform activity (`GET /analytics/activity`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivitySeries {
    /// What is counted.
    pub metric: ActivityMetric,
    /// The period.
    pub interval: ActivityInterval,
    /// The course counted, or none for the whole platform.
    pub course_id: Option<String>,
    /// First day of the first period.
    pub from: NaiveDate,
    /// Last day of the last period.
    pub to: NaiveDate,
    /// Every period from `from` to `to`, oldest first (periods without activity are 0).
    pub points: Vec<ActivityPoint>,
    /// The forecast for the next periods (none when not asked for, or too little history).
    pub forecast: Option<ActivityForecast>,
    /// Why there is no forecast, or what to know about it.
    pub note: Option<String>,
}
