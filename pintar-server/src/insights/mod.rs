//! Insights: platform figures about learning, without HTTP — progress, engagement,
//! completion and activity series computed from the learning tables and
//! `activity_events`. The use cases are in [`figures`] and [`dashboard`].
//!
//! Every aggregate is computed in the database (`GROUP BY`, `COUNT`, window functions); only
//! one row per course, per enrolment of a page or per period comes back. Each query is
//! written once for both engines: the few functions whose spelling differs (dates,
//! durations, JSON) come from [`dialect`].

pub mod activity;
pub mod completion;
pub mod dashboard;
pub mod dialect;
pub mod engagement;
pub mod figures;
pub mod progress;

pub use crate::storage::sql::{placeholders, rows, statement};
pub use dashboard::{Dashboard, DashboardRequest, Totals, dashboard};
pub use figures::{
    ActivityQuery, EngagementQuery, activity, completion_rates, course_engagement, course_progress,
    user_progress,
};

use crate::error::{FieldError, ServerError};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Value};
use uuid::Uuid;

/// What the insights use cases need: the database.
#[derive(Debug, Clone)]
pub struct Context {
    /// The database.
    pub db: DatabaseConnection,
}

/// Earliest date a query accepts.
pub const MIN_DATE: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// Latest date a query accepts.
pub const MAX_DATE: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// `date` checked against [`MIN_DATE`]..=[`MAX_DATE`], as a validation error on `field`.
pub fn check_date(field: &str, date: NaiveDate) -> Result<NaiveDate, ServerError> {
    if (MIN_DATE..=MAX_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(invalid(field, "must be between 1970-01-01 and 9999-12-31"))
    }
}

/// A validation error on one field.
pub fn invalid(field: &str, message: impl Into<String>) -> ServerError {
    ServerError::Validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// Midnight UTC at the start of `date`.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// `x` rounded to one decimal.
pub fn one_decimal(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// A count column (`COUNT(…)` is a 64-bit integer on both engines).
pub fn count(row: &QueryResult, col: &str) -> Result<u64, ServerError> {
    Ok(row.try_get::<i64>("", col)?.max(0) as u64)
}

/// A course as the per-course reports name it.
#[derive(Debug, Clone)]
pub struct CourseRef {
    /// Id.
    pub id: Uuid,
    /// URL name.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Items in the course.
    pub items: u32,
}

/// One page of courses (by title, then id) with their item counts, and the total: drafts
/// only when `drafts`.
pub async fn course_page<C: ConnectionTrait>(
    conn: &C,
    drafts: bool,
    page: u64,
    per_page: u64,
) -> Result<(Vec<CourseRef>, u64), ServerError> {
    let filter = if drafts {
        ""
    } else {
        "WHERE c.status <> 'draft'"
    };
    let total = rows(
        conn,
        &format!("SELECT COUNT(*) AS n FROM courses c {filter}"),
        vec![],
    )
    .await?;
    let total = total
        .first()
        .map(|r| count(r, "n"))
        .transpose()?
        .unwrap_or(0);
    let offset = (page - 1).saturating_mul(per_page);
    let found = rows(
        conn,
        &format!(
            "SELECT c.id, c.slug, c.title, \
               (SELECT COUNT(*) FROM contents x WHERE x.course_id = c.id) AS items \
             FROM courses c {filter} ORDER BY c.title, c.id LIMIT $1 OFFSET $2"
        ),
        vec![
            Value::from(i64::try_from(per_page).unwrap_or(i64::MAX)),
            Value::from(i64::try_from(offset).unwrap_or(i64::MAX)),
        ],
    )
    .await?;
    let courses = found
        .iter()
        .map(|r| {
            Ok(CourseRef {
                id: r.try_get("", "id")?,
                slug: r.try_get("", "slug")?,
                title: r.try_get("", "title")?,
                items: u32::try_from(count(r, "items")?).unwrap_or(u32::MAX),
            })
        })
        .collect::<Result<Vec<_>, ServerError>>()?;
    Ok((courses, total))
}

/// The ids of `courses` as bind values.
pub fn ids(courses: &[CourseRef]) -> Vec<Value> {
    courses.iter().map(|c| Value::from(c.id)).collect()
}
