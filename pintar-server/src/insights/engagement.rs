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
    let n = courses.len();
    let list = placeholders(1, n);
    let (p_start, p_end) = (n + 1, n + 2);
    let score = dialect::json_number(backend, "metadata", "score");
    let window = |from: chrono::DateTime<chrono::Utc>| {
        let mut v = ids(courses);
        v.extend([Value::from(from), Value::from(end)]);
        v
    };
    let (enrolled, opened, attempted) = (
        Kind::Enrolled.as_str(),
        Kind::ContentOpened.as_str(),
        Kind::QuizAttempted.as_str(),
    );
    // Three reads, each served by its own index: counts per kind (course, kind, time),
    // distinct learners in the last 30 days (course, time, learner), and the scores of the
    // attempts (course, kind, time, then the rows' metadata).
    let mut counts: HashMap<(Uuid, String), u64> = HashMap::new();
    for r in rows(
        conn,
        &format!(
            "SELECT course_id, kind, COUNT(*) AS n FROM activity_events \
             WHERE course_id IN ({list}) AND kind IN ('{enrolled}', '{opened}', '{attempted}') \
             AND created_at >= ${p_start} AND created_at < ${p_end} GROUP BY course_id, kind"
        ),
        window(start),
    )
    .await?
    {
        counts.insert(
            (r.try_get("", "course_id")?, r.try_get("", "kind")?),
            count(&r, "n")?,
        );
    }
    let mut active: HashMap<Uuid, (u64, u64)> = HashMap::new();
    let p7 = n + 3;
    let mut values = window(last30);
    values.push(Value::from(last7));
    for r in rows(
        conn,
        &format!(
            "SELECT course_id, COUNT(DISTINCT CASE WHEN created_at >= ${p7} THEN user_id END) AS a7, \
               COUNT(DISTINCT user_id) AS a30 FROM activity_events \
             WHERE course_id IN ({list}) AND created_at >= ${p_start} AND created_at < ${p_end} \
             GROUP BY course_id"
        ),
        values,
    )
    .await?
    {
        active.insert(
            r.try_get("", "course_id")?,
            (count(&r, "a7")?, count(&r, "a30")?),
        );
    }
    let mut scores: HashMap<Uuid, f64> = HashMap::new();
    for r in rows(
        conn,
        &format!(
            "SELECT course_id, CAST(AVG({score}) AS DOUBLE PRECISION) AS score \
             FROM activity_events WHERE course_id IN ({list}) AND kind = '{attempted}' \
             AND created_at >= ${p_start} AND created_at < ${p_end} GROUP BY course_id"
        ),
        window(start),
    )
    .await?
    {
        if let Some(v) = r.try_get::<Option<f64>>("", "score")? {
            scores.insert(r.try_get("", "course_id")?, one_decimal(v));
        }
    }
    courses
        .iter()
        .map(|c| {
            let of = |kind: Kind| {
                counts
                    .get(&(c.id, kind.as_str().to_string()))
                    .copied()
                    .unwrap_or(0)
            };
            let (active_learners_7d, active_learners_30d) =
                active.get(&c.id).copied().unwrap_or((0, 0));
            Ok(CourseEngagement {
                course_id: c.id.to_string(),
                course_slug: c.slug.clone(),
                course_title: c.title.clone(),
                from,
                to,
                enrollments: of(Kind::Enrolled),
                active_learners_7d,
                active_learners_30d,
                content_opens: of(Kind::ContentOpened),
                quiz_attempts: of(Kind::QuizAttempted),
                average_quiz_score: scores.get(&c.id).copied(),
            })
        })
        .collect()
}
