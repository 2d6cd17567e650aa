//! Progress: per item, rolled up to sections and the course, with the next item to study;
//! and marking an item complete (which may complete the course and issue its certificate).

use super::activity::{self, Event, Kind};
use super::certificate;
use super::structure::Structure;
use crate::audit;
use crate::error::ServerError;
use crate::policy::Origin;
use crate::storage::entities::{content_progress, enrollment};
use chrono::{DateTime, Utc};
use pintar_core::api::{CourseProgress, ItemProgress, NextItem, SectionProgress};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// `done` of `total` in percent, to one decimal (0 when there is nothing to do).
pub fn percent(done: u32, total: u32) -> f64 {
    if total == 0 {
        0.0
    } else {
        (f64::from(done) * 1000.0 / f64::from(total)).round() / 10.0
    }
}

/// Rolls `rows` (the learner's progress rows for this course) up over `s`.
pub fn roll_up(
    s: &Structure,
    e: &enrollment::Model,
    rows: &[content_progress::Model],
) -> CourseProgress {
    let by_item: HashMap<Uuid, &content_progress::Model> =
        rows.iter().map(|r| (r.content_id, r)).collect();
    let done = |id: Uuid| by_item.get(&id).is_some_and(|r| r.completed_at.is_some());
    let sections: Vec<SectionProgress> = s
        .sections
        .iter()
        .map(|(sec, items)| {
            let completed = items.iter().filter(|c| done(c.id)).count() as u32;
            let total = items.len() as u32;
            SectionProgress {
                section_id: sec.id.to_string(),
                title: sec.title.clone(),
                completed,
                total,
                percent: percent(completed, total),
            }
        })
        .collect();
    let completed = sections.iter().map(|x| x.completed).sum();
    let total = sections.iter().map(|x| x.total).sum();
    let next = s
        .items()
        .find(|(_, c)| !done(c.id))
        .map(|(sec, c)| NextItem {
            content_id: c.id.to_string(),
            section_id: sec.id.to_string(),
            title: c.title.clone(),
            kind: c.kind(),
        });
    // Items in course order, only those still in the course.
    let items = s
        .items()
        .filter_map(|(_, c)| by_item.get(&c.id))
        .map(|r| ItemProgress {
            content_id: r.content_id.to_string(),
            completed_at: r.completed_at,
            last_accessed_at: r.last_accessed_at,
        })
        .collect();
    CourseProgress {
        course_id: s.course.id.to_string(),
        completed,
        total,
        percent: percent(completed, total),
        sections,
        next,
        items,
        enrolled_at: e.enrolled_at,
        completed_at: e.completed_at,
        certificate_code: e.certificate_code.clone(),
    }
}

/// The learner's progress rows for a course.
pub async fn rows<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    course: Uuid,
) -> Result<Vec<content_progress::Model>, ServerError> {
    Ok(content_progress::Entity::find()
        .filter(content_progress::Column::UserId.eq(user))
        .filter(content_progress::Column::CourseId.eq(course))
        .all(conn)
        .await?)
}

/// Where a learner stands with an item: whether they are enrolled in its course, and
/// their progress on it (when they last opened it, when they completed it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    /// Enrolled in the course.
    pub enrolled: bool,
    /// Last opened, if ever.
    pub opened_at: Option<DateTime<Utc>>,
    /// Completed, if ever.
    pub completed_at: Option<DateTime<Utc>>,
}

/// The learner's [`Standing`] with `item` of `course`, in one query (a page opening an item
/// reads nothing else from the database).
pub async fn standing<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    course: Uuid,
    item: Uuid,
) -> Result<Standing, ServerError> {
    let sql = "SELECT p.last_accessed_at AS opened_at, p.completed_at AS completed_at \
               FROM enrollments e LEFT JOIN content_progress p \
               ON p.user_id = e.user_id AND p.content_id = $3 \
               WHERE e.user_id = $1 AND e.course_id = $2";
    let found =
        crate::storage::sql::rows(conn, sql, vec![user.into(), course.into(), item.into()]).await?;
    let Some(row) = found.first() else {
        return Ok(Standing::default());
    };
    Ok(Standing {
        enrolled: true,
        opened_at: row.try_get("", "opened_at")?,
        completed_at: row.try_get("", "completed_at")?,
    })
}

/// How long opening the same item again counts as the same visit (a reload, going back and
/// forth): within it nothing is written, so reloads neither queue behind other writers nor
/// inflate the engagement figures.
pub const SAME_VISIT: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Notes that the learner opened `item` now (not audited: it is a reading, not a change of
/// what the learner achieved) and records the `content_opened` event. Creates the progress
/// row on first access. Pass a transaction, so the two writes land together.
pub async fn touch<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    course: Uuid,
    item: Uuid,
) -> Result<Option<DateTime<Utc>>, ServerError> {
    let now = Utc::now();
    let existing = content_progress::Entity::find()
        .filter(content_progress::Column::UserId.eq(user))
        .filter(content_progress::Column::ContentId.eq(item))
        .one(conn)
        .await?;
    let completed = match existing {
        Some(row) => {
            let completed = row.completed_at;
            let mut active: content_progress::ActiveModel = row.into();
            active.last_accessed_at = Set(now);
            active.update(conn).await?;
            completed
        }
        None => {
            let row = content_progress::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user),
                course_id: Set(course),
                content_id: Set(item),
                completed_at: Set(None),
                last_accessed_at: Set(now),
            };
            // A concurrent first access may have inserted it: that is fine (and, unlike a
            // failed insert, leaves a PostgreSQL transaction usable).
            content_progress::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        content_progress::Column::UserId,
                        content_progress::Column::ContentId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            None
        }
    };
    activity::record(conn, Event::new(Kind::ContentOpened, user, course).on(item)).await?;
    Ok(completed)
}

/// Marks `item` complete for the learner inside `txn` (idempotent), and completes the
/// enrolment with a certificate when it was the last item, recording `content_completed`
/// and `course_completed` the first time each happens. Returns the new progress.
pub async fn complete<C: ConnectionTrait>(
    txn: &C,
    meta: &Origin,
    s: &Structure,
    e: &enrollment::Model,
    item: Uuid,
) -> Result<CourseProgress, ServerError> {
    let user = e.user_id;
    let now = Utc::now();
    let existing = content_progress::Entity::find()
        .filter(content_progress::Column::UserId.eq(user))
        .filter(content_progress::Column::ContentId.eq(item))
        .one(txn)
        .await?;
    match existing {
        Some(row) if row.completed_at.is_some() => {
            let mut active: content_progress::ActiveModel = row.into();
            active.last_accessed_at = Set(now);
            active.update(txn).await?;
        }
        Some(row) => {
            let mut active: content_progress::ActiveModel = row.clone().into();
            active.completed_at = Set(Some(now));
            active.last_accessed_at = Set(now);
            audit::update(txn, meta, Some(user), &row, active).await?;
            activity::record(txn, completed_event(user, s, item)).await?;
        }
        None => {
            let row = content_progress::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(user),
                course_id: Set(s.course.id),
                content_id: Set(item),
                completed_at: Set(Some(now)),
                last_accessed_at: Set(now),
            };
            audit::insert(txn, meta, Some(user), row).await?;
            activity::record(txn, completed_event(user, s, item)).await?;
        }
    }
    let progress_rows = rows(txn, user, s.course.id).await?;
    let mut enrolment = e.clone();
    let progress = roll_up(s, &enrolment, &progress_rows);
    if progress.total > 0 && progress.completed == progress.total && e.completed_at.is_none() {
        let mut active: enrollment::ActiveModel = e.clone().into();
        active.completed_at = Set(Some(now));
        active.certificate_code = Set(Some(certificate::new_code()));
        enrolment = audit::update(txn, meta, Some(user), e, active).await?;
        activity::record(txn, Event::new(Kind::CourseCompleted, user, s.course.id)).await?;
    }
    Ok(roll_up(s, &enrolment, &progress_rows))
}

fn completed_event(user: Uuid, s: &Structure, item: Uuid) -> Event {
    Event::new(Kind::ContentCompleted, user, s.course.id).on(item)
}
