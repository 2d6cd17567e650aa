//! Studying: the catalogue, course outlines, enrolling and leaving, opening items,
//! completing them, quizzes, progress, the learner's dashboard and certificates. Each
//! function is one use case: it authorizes its actor, owns its transaction with the audit
//! entries and learning events inside, and returns domain values.
//!
//! Visibility: published courses are public; archived ones stay open to those enrolled;
//! drafts are for admins (signed in). Anything else reads as "not found". Item bodies need
//! enrolment, or the admin role.

use super::Context;
use super::activity::{self, Event, Kind};
use super::catalog::{self, CourseFilter};
use super::document::stored_questions;
use super::structure::Structure;
use super::{certificate, progress, quiz};
use crate::audit;
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::{Actor, Caller, Operation};
use crate::storage::entities::{content, course, enrollment, quiz_attempt, user};
use chrono::Utc;
use pintar_core::api::{
    AttemptResult, Certificate, ContentKind, ContentView, CourseDetail, CourseProgress,
    CourseStatus, CourseSummary, Enrollment, NextItem, Page, QuizView,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    SqlErr,
};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

async fn enrolment<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    course: Uuid,
) -> Result<Option<enrollment::Model>, ServerError> {
    Ok(enrollment::Entity::find()
        .filter(enrollment::Column::UserId.eq(user))
        .filter(enrollment::Column::CourseId.eq(course))
        .one(conn)
        .await?)
}

/// Published courses are public; archived ones stay open to those enrolled; drafts are for
/// admins. Anything else reads as "not found".
fn check_visible(c: &course::Model, admin: bool, enrolled: bool) -> Result<(), ServerError> {
    let visible = admin
        || c.status == CourseStatus::Published.as_str()
        || (enrolled && c.status == CourseStatus::Archived.as_str());
    if visible {
        Ok(())
    } else {
        Err(ServerError::NotFound("course".into()))
    }
}

fn enrol_first() -> ServerError {
    ServerError::Forbidden("enrol in this course first".into())
}

/// The course `key` (id or slug) as `caller` may see it, with their enrolment.
async fn visible_course(
    ctx: &Context,
    caller: Option<&Caller>,
    key: &str,
) -> Result<(Arc<Structure>, Option<enrollment::Model>), ServerError> {
    let s = ctx.structures.get(&ctx.db, key).await?;
    let e = match caller {
        Some(c) => enrolment(&ctx.db, c.id, s.course.id).await?,
        None => None,
    };
    check_visible(&s.course, caller.is_some_and(Caller::is_admin), e.is_some())?;
    Ok((s, e))
}

/// The course `key` and the caller's enrolment, which must exist.
async fn enrolled_course(
    ctx: &Context,
    caller: &Caller,
    key: &str,
) -> Result<(Arc<Structure>, enrollment::Model), ServerError> {
    let (s, e) = visible_course(ctx, Some(caller), key).await?;
    Ok((s, e.ok_or_else(enrol_first)?))
}

fn parse_item(cid: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(cid).map_err(|_| ServerError::NotFound("content".into()))
}

fn item_of<'a>(s: &'a Structure, cid: &str) -> Result<&'a content::Model, ServerError> {
    s.item(parse_item(cid)?)
        .ok_or_else(|| ServerError::NotFound("content".into()))
}

/// Takes the enrolment row's lock for the rest of `txn`, so one learner's concurrent
/// completions and attempts in a course run one after another (a no-op update: row lock on
/// PostgreSQL, write lock on SQLite).
async fn lock_enrolment<C: ConnectionTrait>(
    txn: &C,
    e: &enrollment::Model,
) -> Result<(), ServerError> {
    enrollment::Entity::update_many()
        .col_expr(
            enrollment::Column::UserId,
            Expr::col(enrollment::Column::UserId),
        )
        .filter(enrollment::Column::Id.eq(e.id))
        .exec(txn)
        .await?;
    Ok(())
}

/// The published courses (the whole catalogue, cached), for any filter and order.
pub async fn catalogue(
    ctx: &Context,
    actor: &Actor,
) -> Result<Arc<Vec<CourseSummary>>, ServerError> {
    actor.authorize(Operation::BrowseCatalog)?;
    ctx.catalog.published(&ctx.db).await
}

/// One page of published courses matching `filter`.
pub async fn browse(
    ctx: &Context,
    actor: &Actor,
    filter: CourseFilter,
    paging: PageParams,
) -> Result<Page<CourseSummary>, ServerError> {
    let all = catalogue(ctx, actor).await?;
    // Learners see published courses only, whatever status is asked for.
    let filter = CourseFilter {
        status: None,
        ..filter
    };
    let found = filter.apply(&all)?;
    let page = paging.slice(&found)?;
    Ok(Page {
        items: page.items.into_iter().cloned().collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// A course and its outline, by id or slug, with whether the actor is enrolled.
pub async fn view_course(
    ctx: &Context,
    actor: &Actor,
    key: &str,
) -> Result<CourseDetail, ServerError> {
    let caller = actor.authorize(Operation::ViewCourse)?;
    let (s, e) = visible_course(ctx, caller, key).await?;
    s.detail(e.is_some())
}

/// What enrolling did.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The enrolment, with the course and the percent done.
    pub enrollment: Enrollment,
    /// Whether it is new (false: the actor was enrolled already).
    pub created: bool,
}

/// Enrols the actor in a published course (idempotent).
pub async fn enroll(ctx: &Context, actor: &Actor, key: &str) -> Result<Enrolled, ServerError> {
    let caller = actor.require(Operation::Enroll)?;
    let (s, existing) = visible_course(ctx, Some(caller), key).await?;
    if let Some(e) = existing {
        return Ok(Enrolled {
            enrollment: enrollment_view(ctx, &s, &e).await?,
            created: false,
        });
    }
    if s.course.status != CourseStatus::Published.as_str() {
        return Err(ServerError::Conflict(format!(
            "this course is {} and not open for enrolment",
            s.course.status
        )));
    }
    let txn = crate::storage::write(&ctx.db).await?;
    let inserted = enrollment::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(caller.id),
        course_id: Set(s.course.id),
        enrolled_at: Set(Utc::now()),
        completed_at: Set(None),
        certificate_code: Set(None),
    }
    .insert(&txn)
    .await;
    let e = match inserted {
        Ok(e) => e,
        // A concurrent request enrolled first: same outcome.
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            txn.rollback().await?;
            let e = enrolment(&ctx.db, caller.id, s.course.id)
                .await?
                .ok_or_else(|| ServerError::Internal("enrolment vanished".into()))?;
            return Ok(Enrolled {
                enrollment: enrollment_view(ctx, &s, &e).await?,
                created: false,
            });
        }
        Err(err) => return Err(err.into()),
    };
    audit::inserted(&txn, &actor.origin, Some(caller.id), &e).await?;
    activity::record(&txn, Event::new(Kind::Enrolled, caller.id, s.course.id)).await?;
    txn.commit().await?;
    Ok(Enrolled {
        enrollment: enrollment_view(ctx, &s, &e).await?,
        created: true,
    })
}

/// Leaves a course (idempotent). Progress is kept for a later return; a completed course
/// cannot be left, because its certificate rests on the enrolment.
pub async fn leave(ctx: &Context, actor: &Actor, key: &str) -> Result<(), ServerError> {
    let caller = actor.require(Operation::Leave)?;
    let s = ctx.structures.get(&ctx.db, key).await?;
    let Some(e) = enrolment(&ctx.db, caller.id, s.course.id).await? else {
        return Ok(());
    };
    if e.completed_at.is_some() {
        return Err(ServerError::Conflict(
            "you completed this course; it stays on your record with its certificate".into(),
        ));
    }
    let txn = crate::storage::write(&ctx.db).await?;
    let gone = enrollment::Entity::delete_by_id(e.id).exec(&txn).await?;
    if gone.rows_affected > 0 {
        audit::deleted(&txn, &actor.origin, Some(caller.id), &e).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The actor's progress in a course: per item, per section, overall, and what to study next.
pub async fn progress(
    ctx: &Context,
    actor: &Actor,
    key: &str,
) -> Result<CourseProgress, ServerError> {
    let caller = actor.require(Operation::ViewProgress)?;
    let (s, e) = enrolled_course(ctx, caller, key).await?;
    let rows = progress::rows(&ctx.db, caller.id, s.course.id).await?;
    Ok(progress::roll_up(&s, &e, &rows))
}

/// An item as the actor sees it, and the course it belongs to.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The course (structure shared with the cache).
    pub course: Arc<Structure>,
    /// Whether the actor is enrolled.
    pub enrolled: bool,
    /// The item with its body (a quiz without its answers).
    pub item: ContentView,
}

impl Opened {
    /// The course's outline.
    pub fn outline(&self) -> Result<CourseDetail, ServerError> {
        self.course.detail(self.enrolled)
    }
}

/// Opens an item: its body (quizzes without their answers), and for an enrolled learner a
/// note of the visit in their progress and a `content_opened` event (a reopening within a
/// minute is the same visit: nothing is written).
pub async fn open_item(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    cid: &str,
) -> Result<Opened, ServerError> {
    read_item(ctx, actor, key, cid, true).await
}

/// An item as [`open_item`] shows it, without noting a visit (a quiz page answering a
/// submission, say).
pub async fn view_item(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    cid: &str,
) -> Result<Opened, ServerError> {
    read_item(ctx, actor, key, cid, false).await
}

async fn read_item(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    cid: &str,
    visit: bool,
) -> Result<Opened, ServerError> {
    let caller = actor.require(Operation::OpenItem)?;
    let item_id = parse_item(cid)?;
    let s = ctx.structures.get(&ctx.db, key).await?;
    // One query: the enrolment and the learner's progress on the item.
    let standing = progress::standing(&ctx.db, caller.id, s.course.id, item_id).await?;
    check_visible(&s.course, caller.is_admin(), standing.enrolled)?;
    if !standing.enrolled && !caller.is_admin() {
        return Err(ServerError::Forbidden(
            "enrol in this course to open its content".into(),
        ));
    }
    let item = s
        .item(item_id)
        .ok_or_else(|| ServerError::NotFound("content".into()))?;
    let recent = standing
        .opened_at
        .is_some_and(|t| Utc::now() - t < progress::SAME_VISIT);
    let completed_at = if !standing.enrolled {
        None
    } else if !visit || recent {
        // A reload within the same visit, or a page that only shows the item: no write.
        standing.completed_at
    } else {
        let txn = crate::storage::write(&ctx.db).await?;
        let completed_at = progress::touch(&txn, caller.id, s.course.id, item.id).await?;
        txn.commit().await?;
        completed_at
    };
    let kind = item.kind();
    let quiz = match kind {
        ContentKind::Quiz => Some(quiz_view(&ctx.db, caller.id, item).await?),
        _ => None,
    };
    let view = ContentView {
        id: item.id.to_string(),
        course_id: s.course.id.to_string(),
        section_id: item.section_id.to_string(),
        kind,
        title: item.title.clone(),
        estimated_minutes: item.minutes(),
        body: item.body.clone(),
        video_url: item.video_url.clone(),
        quiz,
        completed_at,
    };
    Ok(Opened {
        enrolled: standing.enrolled,
        course: s,
        item: view,
    })
}

async fn quiz_view<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    item: &content::Model,
) -> Result<QuizView, ServerError> {
    let attempts = attempts(conn, user, item.id).await?;
    Ok(QuizView {
        questions: quiz::view(&stored_questions(item)),
        pass_mark: item.pass_mark(),
        max_attempts: item.max_attempts(),
        attempts_used: attempts.len() as u32,
        best_score: attempts.iter().map(|a| a.score).reduce(f64::max),
        passed: attempts.iter().any(|a| a.passed),
    })
}

async fn attempts<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    item: Uuid,
) -> Result<Vec<quiz_attempt::Model>, ServerError> {
    Ok(quiz_attempt::Entity::find()
        .filter(quiz_attempt::Column::UserId.eq(user))
        .filter(quiz_attempt::Column::ContentId.eq(item))
        .order_by_asc(quiz_attempt::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Marks a lesson or video complete (idempotent); quizzes complete by being passed. The
/// last item completes the course and issues its certificate.
pub async fn complete_item(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    cid: &str,
) -> Result<CourseProgress, ServerError> {
    let caller = actor.require(Operation::CompleteItem)?;
    let item_id = parse_item(cid)?;
    let (s, e) = enrolled_course(ctx, caller, key).await?;
    let item = item_of(&s, cid)?;
    if item.is_quiz() {
        return Err(ServerError::Conflict(
            "a quiz is completed by passing it: submit an attempt".into(),
        ));
    }
    let txn = crate::storage::write(&ctx.db).await?;
    lock_enrolment(&txn, &e).await?;
    let e = enrolment(&txn, caller.id, s.course.id)
        .await?
        .ok_or_else(enrol_first)?;
    let out = progress::complete(&txn, &actor.origin, &s, &e, item_id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Grades answers to a quiz on the server and records the attempt; a pass completes the
/// item. The right answers are revealed once the quiz is passed, never before.
pub async fn submit_attempt(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    cid: &str,
    answers: Vec<Vec<u32>>,
) -> Result<AttemptResult, ServerError> {
    let caller = actor.require(Operation::SubmitAttempt)?;
    let (s, e) = enrolled_course(ctx, caller, key).await?;
    let item = item_of(&s, cid)?;
    if !item.is_quiz() {
        return Err(ServerError::Conflict("this item is not a quiz".into()));
    }
    let questions = stored_questions(item);
    let graded = quiz::grade(&questions, &answers).map_err(ServerError::Validation)?;
    let pass_mark = item.pass_mark();
    let max_attempts = item.max_attempts();

    let txn = crate::storage::write(&ctx.db).await?;
    lock_enrolment(&txn, &e).await?;
    let before = attempts(&txn, caller.id, item.id).await?;
    let used = before.len() as u32;
    if let Some(m) = max_attempts.filter(|m| used >= *m) {
        return Err(ServerError::Conflict(format!(
            "no attempts left: this quiz allows {m}"
        )));
    }
    let passed = graded.score >= f64::from(pass_mark);
    let attempt = audit::insert(
        &txn,
        &actor.origin,
        Some(caller.id),
        quiz_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(caller.id),
            content_id: Set(item.id),
            answers: Set(serde_json::json!(answers)),
            score: Set(graded.score),
            passed: Set(passed),
            created_at: Set(Utc::now()),
        },
    )
    .await?;
    activity::record(
        &txn,
        Event::new(Kind::QuizAttempted, caller.id, s.course.id)
            .on(item.id)
            .with(
                serde_json::json!({"score": graded.score, "passed": passed, "attempt": used + 1}),
            ),
    )
    .await?;
    let e = enrolment(&txn, caller.id, s.course.id)
        .await?
        .ok_or_else(enrol_first)?;
    let progress = if passed {
        progress::complete(&txn, &actor.origin, &s, &e, item.id).await?
    } else {
        let rows = progress::rows(&txn, caller.id, s.course.id).await?;
        progress::roll_up(&s, &e, &rows)
    };
    txn.commit().await?;

    let attempts_left = max_attempts.map(|m| m.saturating_sub(used + 1));
    // The right answers only once passed: shown to whoever runs out of attempts, they would
    // let a second account pass without learning, and certificates would mean nothing.
    let reveal = passed || before.iter().any(|a| a.passed);
    let best = before.iter().map(|a| a.score).fold(graded.score, f64::max);
    Ok(AttemptResult {
        id: attempt.id.to_string(),
        attempt: used + 1,
        score: graded.score,
        passed,
        correct: graded.correct,
        total: questions.len() as u32,
        pass_mark,
        best_score: best,
        attempts_left,
        questions: quiz::feedback(&questions, &graded, reveal),
        progress,
    })
}

async fn enrollment_view(
    ctx: &Context,
    s: &Structure,
    e: &enrollment::Model,
) -> Result<Enrollment, ServerError> {
    let rows = progress::rows(&ctx.db, e.user_id, s.course.id).await?;
    let p = progress::roll_up(s, e, &rows);
    Ok(Enrollment {
        course: s.summary()?,
        enrolled_at: e.enrolled_at,
        percent: p.percent,
        completed_at: e.completed_at,
        certificate_code: e.certificate_code.clone(),
    })
}

/// The actor's enrolments, newest first, with percent complete.
pub async fn enrollments(
    ctx: &Context,
    actor: &Actor,
    paging: PageParams,
) -> Result<Page<Enrollment>, ServerError> {
    let caller = actor.require(Operation::ListEnrollments)?;
    paging.resolve()?;
    let mine = enrollment::Entity::find()
        .filter(enrollment::Column::UserId.eq(caller.id))
        .order_by_desc(enrollment::Column::EnrolledAt)
        .all(&ctx.db)
        .await?;
    let ids: Vec<Uuid> = mine.iter().map(|e| e.course_id).collect();
    let courses: HashMap<String, CourseSummary> = catalog::load_courses(&ctx.db, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let done = completed_counts(&ctx.db, caller.id).await?;
    let items: Vec<Enrollment> = mine
        .iter()
        .filter_map(|e| {
            let course = courses.get(&e.course_id.to_string())?.clone();
            let completed = done.get(&e.course_id).copied().unwrap_or(0);
            let percent = progress::percent(completed.min(course.items), course.items);
            Some(Enrollment {
                course,
                enrolled_at: e.enrolled_at,
                percent,
                completed_at: e.completed_at,
                certificate_code: e.certificate_code.clone(),
            })
        })
        .collect();
    paging.slice(&items)
}

/// Completed items per course for a learner (items still in the course).
async fn completed_counts<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
) -> Result<HashMap<Uuid, u32>, ServerError> {
    use crate::storage::entities::content_progress;
    use sea_orm::QuerySelect;
    let rows: Vec<(Uuid, Uuid)> = content_progress::Entity::find()
        .select_only()
        .column(content_progress::Column::CourseId)
        .column(content_progress::Column::ContentId)
        .filter(content_progress::Column::UserId.eq(user))
        .filter(content_progress::Column::CompletedAt.is_not_null())
        .into_tuple()
        .all(conn)
        .await?;
    let live: std::collections::HashSet<Uuid> = content::Entity::find()
        .select_only()
        .column(content::Column::Id)
        .filter(content::Column::Id.is_in(rows.iter().map(|(_, c)| *c)))
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut out = HashMap::new();
    for (course, item) in rows {
        if live.contains(&item) {
            *out.entry(course).or_insert(0) += 1;
        }
    }
    Ok(out)
}

/// A learner's dashboard: enrolled courses with what to study next in each, and where they
/// left off.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    /// Enrolments, newest first, each with its next item (none when complete).
    pub courses: Vec<(Enrollment, Option<NextItem>)>,
    /// Where to continue: the unfinished course touched most recently (its slug) and its
    /// next item.
    pub resume: Option<(String, NextItem)>,
}

/// The actor's dashboard over their newest `limit` enrolments.
pub async fn dashboard(ctx: &Context, actor: &Actor, limit: u64) -> Result<Dashboard, ServerError> {
    let caller = actor.require(Operation::ListEnrollments)?;
    let page = enrollments(
        ctx,
        actor,
        PageParams {
            page: Some(1),
            per_page: Some(limit),
        },
    )
    .await?;
    let mut out = Dashboard::default();
    let mut latest: Option<(chrono::DateTime<Utc>, String, NextItem)> = None;
    for e in page.items {
        let next = if e.completed_at.is_none() {
            // A course taken back to draft is out of sight: listed, with nothing to resume.
            let (s, row) = match enrolled_course(ctx, caller, &e.course.id).await {
                Ok(found) => found,
                Err(ServerError::NotFound(_)) => {
                    out.courses.push((e, None));
                    continue;
                }
                Err(err) => return Err(err),
            };
            let rows = progress::rows(&ctx.db, caller.id, s.course.id).await?;
            let p = progress::roll_up(&s, &row, &rows);
            if let Some(n) = &p.next {
                let touched = p
                    .items
                    .iter()
                    .map(|i| i.last_accessed_at)
                    .max()
                    .unwrap_or(p.enrolled_at);
                if latest.as_ref().is_none_or(|(t, _, _)| touched > *t) {
                    latest = Some((touched, e.course.slug.clone(), n.clone()));
                }
            }
            p.next
        } else {
            None
        };
        out.courses.push((e, next));
    }
    out.resume = latest.map(|(_, slug, n)| (slug, n));
    Ok(out)
}

/// A certificate by its code (anyone holding a code can check it).
pub async fn certificate(
    ctx: &Context,
    actor: &Actor,
    code: &str,
) -> Result<Certificate, ServerError> {
    actor.authorize(Operation::VerifyCertificate)?;
    let code = certificate::normalise(code);
    let not_found = || ServerError::NotFound("certificate".into());
    if code.len() > 64 {
        return Err(not_found());
    }
    let e = enrollment::Entity::find()
        .filter(enrollment::Column::CertificateCode.eq(&code))
        .one(&ctx.db)
        .await?
        .ok_or_else(not_found)?;
    let completed_at = e.completed_at.ok_or_else(not_found)?;
    let learner = user::Entity::find_by_id(e.user_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(not_found)?;
    let c = course::Entity::find_by_id(e.course_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(not_found)?;
    Ok(Certificate {
        code,
        learner: learner.display_name,
        course_id: c.id.to_string(),
        course_title: c.title,
        completed_at,
    })
}
