//! Engagement per course over a window of days: enrolments, active learners over the last 7
//! and 30 days of the window, content opens and quiz attempts with their mean score.

use super::{CourseRef, count, dialect, ids, one_decimal, placeholders, rows, start_of};
use crate::error::ServerError;
use crate::learning::activity::Kind;
use chrono::{Days, NaiveDate};
use pintar_core::api::CourseEngagement;
use sea_orm::{ConnectionTrait, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// Engagement with each course of `courses` from the start of `from` to the end of `to`
/// (UTC days; the caller checks `from <= to`).
pub async fn engagement<C: ConnectionTrait>(
    conn: &C,
    courses: &[CourseRef],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CourseEngagement>, ServerError> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let end = to
        .checked_add_days(Days::new(1))
        .ok_or_else(|| super::invalid("to", "is too late"))?;
    let end = start_of(end);
    let start = start_of(from);
    let last7 = end - chrono::Duration::days(7);
    let last30 = end - chrono::Duration::days(30);
    let lower = start.min(last30);
    let n = courses.len();
    let list = placeholders(1, n);
    let (p_start, p_end, p7, p30, p_lower) = (n + 1, n + 2, n + 3, n + 4, n + 5);
    let score = dialect::json_number(backend, "metadata", "score");
    let (enrolled, opened, attempted) = (
        Kind::Enrolled.as_str(),
        Kind::ContentOpened.as_str(),
        Kind::QuizAttempted.as_str(),
    );
    let sql = format!(
        "SELECT course_id, \
           COUNT(CASE WHEN kind = '{enrolled}' AND created_at >= ${p_start} THEN 1 END) AS enrolments, \
           COUNT(DISTINCT CASE WHEN created_at >= ${p7} THEN user_id END) AS active7, \
           COUNT(DISTINCT CASE WHEN created_at >= ${p30} THEN user_id END) AS active30, \
           COUNT(CASE WHEN kind = '{opened}' AND created_at >= ${p_start} THEN 1 END) AS opens, \
           COUNT(CASE WHEN kind = '{attempted}' AND created_at >= ${p_start} THEN 1 END) AS attempts, \
           CAST(AVG(CASE WHEN kind = '{attempted}' AND created_at >= ${p_start} THEN {score} END) \
             AS DOUBLE PRECISION) AS score \
         FROM activity_events \
         WHERE course_id IN ({list}) AND created_at >= ${p_lower} AND created_at < ${p_end} \
         GROUP BY course_id"
    );
    let mut values = ids(courses);
    values.extend([
        Value::from(start),
        Value::from(end),
        Value::from(last7),
        Value::from(last30),
        Value::from(lower),
    ]);
    let found = rows(conn, &sql, values).await?;
    let mut by_course = HashMap::new();
    for r in &found {
        let id: Uuid = r.try_get("", "course_id")?;
        by_course.insert(id, r);
    }
    courses
        .iter()
        .map(|c| {
            let mut out = CourseEngagement {
                course_id: c.id.to_string(),
                course_slug: c.slug.clone(),
                course_title: c.title.clone(),
                from,
                to,
                enrolments: 0,
                active_learners_7d: 0,
                active_learners_30d: 0,
                content_opens: 0,
                quiz_attempts: 0,
                average_quiz_score: None,
            };
            if let Some(r) = by_course.get(&c.id) {
                out.enrolments = count(r, "enrolments")?;
                out.active_learners_7d = count(r, "active7")?;
                out.active_learners_30d = count(r, "active30")?;
                out.content_opens = count(r, "opens")?;
                out.quiz_attempts = count(r, "attempts")?;
                out.average_quiz_score = r.try_get::<Option<f64>>("", "score")?.map(one_decimal);
            }
            Ok(out)
        })
        .collect()
}
