//! Where learners are: each enrolment's progress with its next item, and per course the
//! distribution of progress over the enrolled learners.

use super::{CourseRef, count, ids, one_decimal, placeholders, rows};
use crate::error::ServerError;
use crate::learning::progress::percent;
use crate::storage::entities::content;
use chrono::{DateTime, Utc};
use pintar_core::api::{CourseProgressDistribution, NextItem, ProgressBucket, UserCourseProgress};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value};
use std::collections::HashMap;
use uuid::Uuid;

/// One page of enrolments (newest first) with their progress: of `user`, or of everyone.
/// Returns the page's items and the total.
pub async fn user_progress<C: ConnectionTrait>(
    conn: &C,
    user: Option<Uuid>,
    page: u64,
    per_page: u64,
) -> Result<(Vec<UserCourseProgress>, u64), ServerError> {
    let (filter, mut values) = match user {
        Some(u) => ("WHERE e.user_id = $1", vec![Value::from(u)]),
        None => ("", vec![]),
    };
    let total = rows(
        conn,
        &format!("SELECT COUNT(*) AS n FROM enrollments e {filter}"),
        values.clone(),
    )
    .await?;
    let total = total
        .first()
        .map(|r| count(r, "n"))
        .transpose()?
        .unwrap_or(0);
    let next = values.len() + 1;
    values.push(Value::from(i64::try_from(per_page).unwrap_or(i64::MAX)));
    values.push(Value::from(
        i64::try_from((page - 1).saturating_mul(per_page)).unwrap_or(i64::MAX),
    ));
    // One row per enrolment of the page; the correlated subqueries each read one learner's
    // rows in one course through an index.
    let sql = format!(
        "WITH page AS ( \
           SELECT e.id, e.user_id, e.course_id, e.enrolled_at, e.completed_at \
           FROM enrollments e {filter} \
           ORDER BY e.enrolled_at DESC, e.id DESC LIMIT ${next} OFFSET ${after}) \
         SELECT p.user_id, p.course_id, p.enrolled_at, p.completed_at, \
           co.slug, co.title, \
           (SELECT COUNT(*) FROM contents c WHERE c.course_id = p.course_id) AS items, \
           (SELECT COUNT(*) FROM content_progress cp JOIN contents c ON c.id = cp.content_id \
              WHERE cp.user_id = p.user_id AND cp.course_id = p.course_id \
              AND cp.completed_at IS NOT NULL) AS done, \
           (SELECT MAX(cp.last_accessed_at) FROM content_progress cp \
              WHERE cp.user_id = p.user_id AND cp.course_id = p.course_id) AS last_access, \
           (SELECT MAX(a.created_at) FROM activity_events a \
              WHERE a.user_id = p.user_id AND a.course_id = p.course_id) AS last_event, \
           (SELECT c.id FROM contents c JOIN sections s ON s.id = c.section_id \
              WHERE c.course_id = p.course_id AND NOT EXISTS ( \
                SELECT 1 FROM content_progress cp WHERE cp.user_id = p.user_id \
                AND cp.content_id = c.id AND cp.completed_at IS NOT NULL) \
              ORDER BY s.position, s.id, c.position, c.id LIMIT 1) AS next_id \
         FROM page p JOIN courses co ON co.id = p.course_id \
         ORDER BY p.enrolled_at DESC, p.id DESC",
        after = next + 1
    );
    let found = rows(conn, &sql, values).await?;
    let next_ids: Vec<Uuid> = found
        .iter()
        .filter_map(|r| r.try_get::<Option<Uuid>>("", "next_id").ok().flatten())
        .collect();
    let next_items: HashMap<Uuid, content::Model> = content::Entity::find()
        .filter(content::Column::Id.is_in(next_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let items = found
        .iter()
        .map(|r| {
            let user_id: Uuid = r.try_get("", "user_id")?;
            let course_id: Uuid = r.try_get("", "course_id")?;
            let enrolled_at: DateTime<Utc> = r.try_get("", "enrolled_at")?;
            let total = u32::try_from(count(r, "items")?).unwrap_or(u32::MAX);
            let done = u32::try_from(count(r, "done")?)
                .unwrap_or(u32::MAX)
                .min(total);
            let last_access: Option<DateTime<Utc>> = r.try_get("", "last_access")?;
            let last_event: Option<DateTime<Utc>> = r.try_get("", "last_event")?;
            let last_activity_at = [Some(enrolled_at), last_access, last_event]
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(enrolled_at);
            let next_id: Option<Uuid> = r.try_get("", "next_id")?;
            Ok(UserCourseProgress {
                user_id: user_id.to_string(),
                course_id: course_id.to_string(),
                course_slug: r.try_get("", "slug")?,
                course_title: r.try_get("", "title")?,
                enrolled_at,
                completed_at: r.try_get("", "completed_at")?,
                completed: done,
                total,
                percent: percent(done, total),
                last_activity_at,
                next: next_id
                    .and_then(|id| next_items.get(&id))
                    .map(|c| NextItem {
                        content_id: c.id.to_string(),
                        section_id: c.section_id.to_string(),
                        title: c.title.clone(),
                        kind: c.kind(),
                    }),
            })
        })
        .collect::<Result<Vec<_>, ServerError>>()?;
    Ok((items, total))
}

/// The labels of the progress ranges, in order.
pub const BUCKETS: [&str; 6] = ["0", "1-25", "26-50", "51-75", "76-99", "100"];

/// The distribution of progress over each course's enrolled learners.
pub async fn distribution<C: ConnectionTrait>(
    conn: &C,
    courses: &[CourseRef],
) -> Result<Vec<CourseProgressDistribution>, ServerError> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(1, courses.len());
    // Progress rows go with their item (foreign key, cascade), so they are counted from the
    // covering index alone. Percent ranges are decided in integers (`done * 100` against `items * bound`), so no
    // rounding moves a learner across a boundary.
    let sql = format!(
        "WITH items AS ( \
           SELECT course_id, COUNT(*) AS n FROM contents WHERE course_id IN ({list}) \
           GROUP BY course_id), \
         done AS ( \
           SELECT course_id, user_id, COUNT(*) AS n FROM content_progress \
           WHERE course_id IN ({list}) AND completed_at IS NOT NULL \
           GROUP BY course_id, user_id), \
         learners AS ( \
           SELECT e.course_id, e.completed_at, COALESCE(d.n, 0) AS done, \
             COALESCE(i.n, 0) AS items \
           FROM enrollments e \
           LEFT JOIN done d ON d.user_id = e.user_id AND d.course_id = e.course_id \
           LEFT JOIN items i ON i.course_id = e.course_id \
           WHERE e.course_id IN ({list})) \
         SELECT course_id, COUNT(*) AS learners, COUNT(completed_at) AS completed, \
           CAST(AVG(CASE WHEN items = 0 THEN 0.0 \
             ELSE 100.0 * CASE WHEN done > items THEN items ELSE done END / items END) \
             AS DOUBLE PRECISION) AS average, \
           COUNT(CASE WHEN done = 0 THEN 1 END) AS b0, \
           COUNT(CASE WHEN done > 0 AND done * 100 <= items * 25 THEN 1 END) AS b1, \
           COUNT(CASE WHEN done * 100 > items * 25 AND done * 100 <= items * 50 THEN 1 END) AS b2, \
           COUNT(CASE WHEN done * 100 > items * 50 AND done * 100 <= items * 75 THEN 1 END) AS b3, \
           COUNT(CASE WHEN done * 100 > items * 75 AND done < items THEN 1 END) AS b4, \
           COUNT(CASE WHEN done > 0 AND done >= items THEN 1 END) AS b5 \
         FROM learners GROUP BY course_id"
    );
    let found = rows(conn, &sql, ids(courses)).await?;
    let mut by_course = HashMap::new();
    for r in &found {
        let id: Uuid = r.try_get("", "course_id")?;
        by_course.insert(id, r);
    }
    courses
        .iter()
        .map(|c| {
            let Some(r) = by_course.get(&c.id) else {
                return Ok(CourseProgressDistribution {
                    course_id: c.id.to_string(),
                    course_slug: c.slug.clone(),
                    course_title: c.title.clone(),
                    items: c.items,
                    learners: 0,
                    completed: 0,
                    average_percent: 0.0,
                    buckets: BUCKETS
                        .iter()
                        .map(|l| ProgressBucket {
                            label: (*l).into(),
                            learners: 0,
                        })
                        .collect(),
                });
            };
            let buckets = BUCKETS
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    Ok(ProgressBucket {
                        label: (*l).into(),
                        learners: count(r, &format!("b{i}"))?,
                    })
                })
                .collect::<Result<Vec<_>, ServerError>>()?;
            Ok(CourseProgressDistribution {
                course_id: c.id.to_string(),
                course_slug: c.slug.clone(),
                course_title: c.title.clone(),
                items: c.items,
                learners: count(r, "learners")?,
                completed: count(r, "completed")?,
                average_percent: one_decimal(
                    r.try_get::<Option<f64>>("", "average")?.unwrap_or(0.0),
                ),
                buckets,
            })
        })
        .collect()
}
