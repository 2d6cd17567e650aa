//! How courses are finished: completion rate, the median time from enrolment to completion,
//! and where the learners who have not finished stopped.

use super::{CourseRef, count, dialect, ids, one_decimal, placeholders, rows};
use crate::error::ServerError;
use crate::storage::entities::section;
use pintar_core::api::{CourseCompletion, SectionDropOff};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// Completion figures of each course in `courses`.
pub async fn completion<C: ConnectionTrait>(
    conn: &C,
    courses: &[CourseRef],
) -> Result<Vec<CourseCompletion>, ServerError> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let list = placeholders(1, courses.len());

    let mut counts: HashMap<Uuid, (u64, u64)> = HashMap::new();
    for r in rows(
        conn,
        &format!(
            "SELECT course_id, COUNT(*) AS learners, COUNT(completed_at) AS completed \
             FROM enrollments WHERE course_id IN ({list}) GROUP BY course_id"
        ),
        ids(courses),
    )
    .await?
    {
        counts.insert(
            r.try_get("", "course_id")?,
            (count(&r, "learners")?, count(&r, "completed")?),
        );
    }

    // The median: the middle row (or the mean of the two middle rows) of each course's
    // completions ordered by duration, picked with window functions.
    let secs = dialect::seconds_between(backend, "enrolled_at", "completed_at");
    let mut medians: HashMap<Uuid, f64> = HashMap::new();
    for r in rows(
        conn,
        &format!(
            "WITH done AS ( \
               SELECT course_id, {secs} AS secs, \
                 ROW_NUMBER() OVER (PARTITION BY course_id ORDER BY {secs}) AS rn, \
                 COUNT(*) OVER (PARTITION BY course_id) AS n \
               FROM enrollments WHERE completed_at IS NOT NULL AND course_id IN ({list})) \
             SELECT course_id, CAST(AVG(secs) AS DOUBLE PRECISION) AS median FROM done \
             WHERE rn = (n + 1) / 2 OR rn = (n + 2) / 2 GROUP BY course_id"
        ),
        ids(courses),
    )
    .await?
    {
        if let Some(m) = r.try_get::<Option<f64>>("", "median")? {
            medians.insert(r.try_get("", "course_id")?, one_decimal(m.max(0.0)));
        }
    }

    // Each unfinished learner's furthest completed item in course order, and its section:
    // items ranked once per course, the highest rank per learner from the progress index,
    // then only the learners who have not finished.
    let mut stopped: HashMap<(Uuid, Uuid), u64> = HashMap::new();
    for r in rows(
        conn,
        &format!(
            "WITH ranked AS ( \
               SELECT c.id, c.course_id, c.section_id, ROW_NUMBER() OVER ( \
                 PARTITION BY c.course_id ORDER BY s.position, s.id, c.position, c.id) AS k \
               FROM contents c JOIN sections s ON s.id = c.section_id \
               WHERE c.course_id IN ({list})), \
             furthest AS ( \
               SELECT cp.user_id, cp.course_id, MAX(r.k) AS k \
               FROM content_progress cp JOIN ranked r ON r.id = cp.content_id \
               WHERE cp.course_id IN ({list}) AND cp.completed_at IS NOT NULL \
               GROUP BY cp.user_id, cp.course_id) \
             SELECT f.course_id, r.section_id, COUNT(*) AS learners \
             FROM furthest f \
             JOIN enrollments e ON e.user_id = f.user_id AND e.course_id = f.course_id \
             JOIN ranked r ON r.course_id = f.course_id AND r.k = f.k \
             WHERE e.completed_at IS NULL \
             GROUP BY f.course_id, r.section_id"
        ),
        ids(courses),
    )
    .await?
    {
        stopped.insert(
            (r.try_get("", "course_id")?, r.try_get("", "section_id")?),
            count(&r, "learners")?,
        );
    }

    let sections = section::Entity::find()
        .filter(section::Column::CourseId.is_in(courses.iter().map(|c| c.id)))
        .order_by_asc(section::Column::Position)
        .order_by_asc(section::Column::Id)
        .all(conn)
        .await?;
    Ok(courses
        .iter()
        .map(|c| {
            let (learners, completed) = counts.get(&c.id).copied().unwrap_or((0, 0));
            let drop_off: Vec<SectionDropOff> = sections
                .iter()
                .filter(|s| s.course_id == c.id)
                .map(|s| SectionDropOff {
                    section_id: s.id.to_string(),
                    title: s.title.clone(),
                    learners: stopped.get(&(c.id, s.id)).copied().unwrap_or(0),
                })
                .collect();
            let somewhere: u64 = drop_off.iter().map(|d| d.learners).sum();
            CourseCompletion {
                course_id: c.id.to_string(),
                course_slug: c.slug.clone(),
                course_title: c.title.clone(),
                learners,
                completed,
                completion_rate: if learners == 0 {
                    0.0
                } else {
                    one_decimal(completed as f64 * 100.0 / learners as f64)
                },
                median_seconds_to_complete: medians.get(&c.id).copied(),
                not_started: (learners - completed).saturating_sub(somewhere),
                drop_off,
            }
        })
        .collect())
}
