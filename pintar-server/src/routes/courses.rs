//! Browsing and studying: the catalog, course outlines, enrolment, content, progress,
//! quizzes, and certificates.
//!
//! Who may call: listing, outlines and certificates are public; everything else needs a
//! signed-in caller of any role (API keys need the `learning` scope); content bodies need
//! enrolment, or the admin role.

use crate::audit::{self, RequestMeta};
use crate::auth::{AuthUser, MaybeAuthUser};
use crate::body::JsonBody;
use crate::error::ServerError;
use crate::learning::activity::{self, Event, Kind};
use crate::learning::catalog::CourseFilter;
use crate::learning::document::stored_questions;
use crate::learning::structure::{self, Structure, find_course};
use crate::learning::{catalog, certificate, progress, quiz};
use crate::pagination::{PageParams, Paged};
use crate::state::AppState;
use crate::storage::entities::{course, enrollment, quiz_attempt, user};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use pintar_core::api::{
    AttemptRequest, AttemptResult, Certificate, ContentKind, ContentView, CourseDetail,
    CourseProgress, CourseStatus, CourseSummary, Enrollment, Page, QuizView,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    SqlErr,
};
use std::collections::HashMap;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_courses))
        .routes(routes!(get_course))
        .routes(routes!(enroll, unenroll))
        .routes(routes!(get_progress))
        .routes(routes!(get_content))
        .routes(routes!(complete_content))
        .routes(routes!(submit_attempt))
        .routes(routes!(my_enrollments))
        .routes(routes!(get_certificate))
}

fn is_admin(caller: Option<&AuthUser>) -> bool {
    caller.is_some_and(AuthUser::is_admin)
}

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

/// The course `key` (id or slug) and the caller's enrolment, which must exist.
async fn enrolled_course(
    state: &AppState,
    caller: &AuthUser,
    key: &str,
) -> Result<(course::Model, enrollment::Model), ServerError> {
    let c = find_course(&state.db, key).await?;
    let e = enrolment(&state.db, caller.id, c.id).await?;
    check_visible(&c, caller.is_admin(), e.is_some())?;
    let e = e.ok_or_else(|| ServerError::Forbidden("enrol in this course first".into()))?;
    Ok((c, e))
}

fn parse_item(cid: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(cid).map_err(|_| ServerError::NotFound("content".into()))
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

/// List published courses.
///
/// Public (credentials, when sent, must be valid). Search (`q`) matches the title and
/// summary; filters by level and tag; sorts; pages with a `Link` header.
#[utoipa::path(get, path = "/courses", tag = "courses",
    params(CourseFilter, PageParams),
    responses((status = 200, body = Page<CourseSummary>), (status = 422, description = "bad filter or paging")))]
async fn list_courses(
    State(state): State<AppState>,
    // Not needed to list, but credentials that are sent are checked like everywhere else.
    _caller: MaybeAuthUser,
    uri: Uri,
    Query(filter): Query<CourseFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Response, ServerError> {
    let all = state.catalog.published(&state.db).await?;
    let filter = CourseFilter {
        status: None,
        ..filter
    };
    let found = filter.apply(&all)?;
    Ok(Paged(paging.slice(&found)?, uri).into_response())
}

/// A course and its outline, by id or slug.
///
/// Public for published courses; archived courses for those enrolled; drafts for admins.
#[utoipa::path(get, path = "/courses/{id}", tag = "courses",
    params(("id" = String, Path, description = "course id or slug")),
    responses((status = 200, body = CourseDetail), (status = 404)))]
pub(crate) async fn get_course(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Json<CourseDetail>, ServerError> {
    let c = find_course(&state.db, &id).await?;
    let enrolled = match &caller {
        Some(u) => enrolment(&state.db, u.id, c.id).await?.is_some(),
        None => false,
    };
    check_visible(&c, is_admin(caller.as_ref()), enrolled)?;
    let s = structure::load(&state.db, c).await?;
    s.detail(enrolled).map(Json)
}

/// Enrol in a published course (idempotent: 200 when already enrolled).
///
/// Any signed-in role.
#[utoipa::path(post, path = "/courses/{id}/enroll", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = Enrollment), (status = 200, body = Enrollment), (status = 404), (status = 409, description = "course not open for enrolment")))]
pub(crate) async fn enroll(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Enrollment>), ServerError> {
    let c = find_course(&state.db, &id).await?;
    let existing = enrolment(&state.db, caller.id, c.id).await?;
    check_visible(&c, caller.is_admin(), existing.is_some())?;
    let s = structure::load(&state.db, c).await?;
    if let Some(e) = existing {
        return Ok((StatusCode::OK, Json(enrollment_view(&state, &s, &e).await?)));
    }
    if s.course.status != CourseStatus::Published.as_str() {
        return Err(ServerError::Conflict(format!(
            "this course is {} and not open for enrolment",
            s.course.status
        )));
    }
    let txn = crate::storage::write(&state.db).await?;
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
            let e = enrolment(&state.db, caller.id, s.course.id)
                .await?
                .ok_or_else(|| ServerError::Internal("enrolment vanished".into()))?;
            return Ok((StatusCode::OK, Json(enrollment_view(&state, &s, &e).await?)));
        }
        Err(err) => return Err(err.into()),
    };
    audit::inserted(&txn, &meta, Some(caller.id), &e).await?;
    activity::record(&txn, Event::new(Kind::Enrolled, caller.id, s.course.id)).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(enrollment_view(&state, &s, &e).await?),
    ))
}

/// Leave a course (idempotent). Progress is kept for a later return; a completed course
/// cannot be left, because its certificate rests on the enrolment.
///
/// Any signed-in role.
#[utoipa::path(delete, path = "/courses/{id}/enroll", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 404), (status = 409, description = "course completed")))]
pub(crate) async fn unenroll(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let c = find_course(&state.db, &id).await?;
    let Some(e) = enrolment(&state.db, caller.id, c.id).await? else {
        return Ok(StatusCode::NO_CONTENT);
    };
    if e.completed_at.is_some() {
        return Err(ServerError::Conflict(
            "you completed this course; it stays on your record with its certificate".into(),
        ));
    }
    let txn = crate::storage::write(&state.db).await?;
    let gone = enrollment::Entity::delete_by_id(e.id).exec(&txn).await?;
    if gone.rows_affected > 0 {
        audit::deleted(&txn, &meta, Some(caller.id), &e).await?;
    }
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's progress in a course: per item, per section, overall, and what to study next.
///
/// Any signed-in role, enrolled.
#[utoipa::path(get, path = "/courses/{id}/progress", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CourseProgress), (status = 403, description = "not enrolled"), (status = 404)))]
pub(crate) async fn get_progress(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(id): Path<String>,
) -> Result<Json<CourseProgress>, ServerError> {
    let (c, e) = enrolled_course(&state, &caller, &id).await?;
    let s = structure::load(&state.db, c).await?;
    let rows = progress::rows(&state.db, caller.id, s.course.id).await?;
    Ok(Json(progress::roll_up(&s, &e, &rows)))
}

async fn quiz_view<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    item: &crate::storage::entities::content::Model,
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

/// One content item with its body (quizzes without their answers). Opening it records the
/// access in the caller's progress and a `content_opened` event.
///
/// Enrolled callers of any role, and admins.
#[utoipa::path(get, path = "/courses/{id}/contents/{cid}", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ContentView), (status = 403, description = "not enrolled"), (status = 404)))]
pub(crate) async fn get_content(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<ContentView>, ServerError> {
    let item_id = parse_item(&cid)?;
    let c = find_course(&state.db, &id).await?;
    let e = enrolment(&state.db, caller.id, c.id).await?;
    let admin = caller.is_admin();
    check_visible(&c, admin, e.is_some())?;
    if e.is_none() && !admin {
        return Err(ServerError::Forbidden(
            "enrol in this course to open its content".into(),
        ));
    }
    let s = structure::load(&state.db, c).await?;
    let item = s
        .item(item_id)
        .ok_or_else(|| ServerError::NotFound("content".into()))?;
    let completed_at = match &e {
        Some(_) => match progress::opened_recently(&state.db, caller.id, item.id).await? {
            // The same visit (a reload): nothing to write.
            Some(completed_at) => completed_at,
            None => {
                let txn = crate::storage::write(&state.db).await?;
                let completed_at = progress::touch(&txn, caller.id, s.course.id, item.id).await?;
                txn.commit().await?;
                completed_at
            }
        },
        None => None,
    };
    let kind = item.kind();
    let quiz = match kind {
        ContentKind::Quiz => Some(quiz_view(&state.db, caller.id, item).await?),
        _ => None,
    };
    Ok(Json(ContentView {
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
    }))
}

/// Mark a lesson or video complete (idempotent). Quizzes complete by being passed. The last
/// item completes the course and issues its certificate.
///
/// Any signed-in role, enrolled.
#[utoipa::path(post, path = "/courses/{id}/contents/{cid}/complete", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CourseProgress), (status = 403, description = "not enrolled"), (status = 404), (status = 409, description = "a quiz: pass it instead")))]
pub(crate) async fn complete_content(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<CourseProgress>, ServerError> {
    let item_id = parse_item(&cid)?;
    let (c, e) = enrolled_course(&state, &caller, &id).await?;
    let s = structure::load(&state.db, c).await?;
    let item = s
        .item(item_id)
        .ok_or_else(|| ServerError::NotFound("content".into()))?;
    if item.is_quiz() {
        return Err(ServerError::Conflict(
            "a quiz is completed by passing it: submit an attempt".into(),
        ));
    }
    let txn = crate::storage::write(&state.db).await?;
    lock_enrolment(&txn, &e).await?;
    let e = enrolment(&txn, caller.id, s.course.id)
        .await?
        .ok_or_else(|| ServerError::Forbidden("enrol in this course first".into()))?;
    let out = progress::complete(&txn, &meta, &s, &e, item_id).await?;
    txn.commit().await?;
    Ok(Json(out))
}

/// Submit answers to a quiz; graded on the server. A pass completes the item. The right
/// answers are revealed once the quiz is passed or no attempts are left.
///
/// Any signed-in role, enrolled.
#[utoipa::path(post, path = "/courses/{id}/contents/{cid}/attempts", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id of a quiz")),
    request_body = AttemptRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = AttemptResult), (status = 403, description = "not enrolled"), (status = 404), (status = 409, description = "not a quiz, or no attempts left"), (status = 422, description = "answers do not fit the questions")))]
pub(crate) async fn submit_attempt(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
    JsonBody(req): JsonBody<AttemptRequest>,
) -> Result<(StatusCode, Json<AttemptResult>), ServerError> {
    let item_id = parse_item(&cid)?;
    let (c, e) = enrolled_course(&state, &caller, &id).await?;
    let s = structure::load(&state.db, c).await?;
    let item = s
        .item(item_id)
        .ok_or_else(|| ServerError::NotFound("content".into()))?
        .clone();
    if !item.is_quiz() {
        return Err(ServerError::Conflict("this item is not a quiz".into()));
    }
    let questions = stored_questions(&item);
    let graded = quiz::grade(&questions, &req.answers).map_err(ServerError::Validation)?;
    let pass_mark = item.pass_mark();
    let max_attempts = item.max_attempts();

    let txn = crate::storage::write(&state.db).await?;
    lock_enrolment(&txn, &e).await?;
    let before = attempts(&txn, caller.id, item.id).await?;
    let used = before.len() as u32;
    if max_attempts.is_some_and(|m| used >= m) {
        return Err(ServerError::Conflict(format!(
            "no attempts left: this quiz allows {}",
            max_attempts.unwrap_or_default()
        )));
    }
    let passed = graded.score >= f64::from(pass_mark);
    let attempt = audit::insert(
        &txn,
        &meta,
        Some(caller.id),
        quiz_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(caller.id),
            content_id: Set(item.id),
            answers: Set(serde_json::json!(req.answers)),
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
        .ok_or_else(|| ServerError::Forbidden("enrol in this course first".into()))?;
    let progress = if passed {
        progress::complete(&txn, &meta, &s, &e, item.id).await?
    } else {
        let rows = progress::rows(&txn, caller.id, s.course.id).await?;
        progress::roll_up(&s, &e, &rows)
    };
    txn.commit().await?;

    let attempts_left = max_attempts.map(|m| m.saturating_sub(used + 1));
    let ever_passed = passed || before.iter().any(|a| a.passed);
    let reveal = ever_passed || attempts_left == Some(0);
    let best = before.iter().map(|a| a.score).fold(graded.score, f64::max);
    Ok((
        StatusCode::CREATED,
        Json(AttemptResult {
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
        }),
    ))
}

async fn enrollment_view(
    state: &AppState,
    s: &Structure,
    e: &enrollment::Model,
) -> Result<Enrollment, ServerError> {
    let rows = progress::rows(&state.db, e.user_id, s.course.id).await?;
    let p = progress::roll_up(s, e, &rows);
    Ok(Enrollment {
        course: s.summary()?,
        enrolled_at: e.enrolled_at,
        percent: p.percent,
        completed_at: e.completed_at,
        certificate_code: e.certificate_code.clone(),
    })
}

/// The caller's enrolments, newest first, with percent complete.
///
/// Any signed-in role.
#[utoipa::path(get, path = "/users/me/enrollments", tag = "learning",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Enrollment>)))]
pub(crate) async fn my_enrollments(
    State(state): State<AppState>,
    caller: AuthUser,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<Enrollment>, ServerError> {
    paging.resolve()?;
    let mine = enrollment::Entity::find()
        .filter(enrollment::Column::UserId.eq(caller.id))
        .order_by_desc(enrollment::Column::EnrolledAt)
        .all(&state.db)
        .await?;
    let ids: Vec<Uuid> = mine.iter().map(|e| e.course_id).collect();
    let courses: HashMap<String, CourseSummary> = catalog::load_courses(&state.db, &ids)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    let done = completed_counts(&state.db, caller.id).await?;
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
    Ok(Paged(paging.slice(&items)?, uri))
}

/// Completed items per course for a learner (items still in the course).
async fn completed_counts<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
) -> Result<HashMap<Uuid, u32>, ServerError> {
    use crate::storage::entities::{content, content_progress};
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

/// Verify a certificate by its code.
///
/// Public: anyone holding a code can check it.
#[utoipa::path(get, path = "/certificates/{code}", tag = "courses",
    params(("code" = String, Path, description = "e.g. PE-7K3M-9QXD-2HWA")),
    responses((status = 200, body = Certificate), (status = 404)))]
pub(crate) async fn get_certificate(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<Certificate>, ServerError> {
    let code = certificate::normalise(&code);
    let not_found = || ServerError::NotFound("certificate".into());
    let e = enrollment::Entity::find()
        .filter(enrollment::Column::CertificateCode.eq(&code))
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    let completed_at = e.completed_at.ok_or_else(not_found)?;
    let learner = user::Entity::find_by_id(e.user_id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    let c = course::Entity::find_by_id(e.course_id)
        .one(&state.db)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(Certificate {
        code,
        learner: learner.display_name,
        course_id: c.id.to_string(),
        course_title: c.title,
        completed_at,
    }))
}
