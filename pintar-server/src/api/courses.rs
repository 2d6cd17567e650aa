//! Browsing and studying: the catalogue, course outlines, enrolment, content, progress,
//! quizzes and certificates. Each handler calls one use case of
//! [`crate::learning::enrollment`].

use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::http::pagination::{PageParams, Paged};
use crate::learning::catalog::CourseFilter;
use crate::learning::{self, enrollment};
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use pintar_core::api::{
    AttemptRequest, AttemptResult, Certificate, ContentView, CourseDetail, CourseProgress,
    CourseSummary, Enrollment, Page,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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

type Ctx = State<learning::Context>;

/// List published courses.
///
/// Public (credentials, when sent, must be valid). Search (`q`) matches the title and
/// summary; filters by level and tag; sorts; pages with a `Link` header.
#[utoipa::path(get, path = "/courses", tag = "courses",
    params(CourseFilter, PageParams),
    responses((status = 200, body = Page<CourseSummary>), (status = 422, description = "bad filter or paging")))]
async fn list_courses(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<CourseFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseSummary>, ServerError> {
    let page = enrollment::browse(&ctx, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
}

/// A course and its outline, by id or slug.
///
/// Public for published courses; archived courses for those enrolled; drafts for admins.
#[utoipa::path(get, path = "/courses/{id}", tag = "courses",
    params(("id" = String, Path, description = "course id or slug")),
    responses((status = 200, body = CourseDetail), (status = 404)))]
async fn get_course(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CourseDetail>, ServerError> {
    enrollment::view_course(&ctx, &actor, &id).await.map(Json)
}

/// Enrol in a published course (idempotent: 200 when already enrolled).
///
/// Any signed-in role.
#[utoipa::path(post, path = "/courses/{id}/enroll", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = Enrollment), (status = 200, body = Enrollment), (status = 404), (status = 409, description = "course not open for enrolment")))]
async fn enroll(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Enrollment>), ServerError> {
    let done = enrollment::enroll(&ctx, &actor, &id).await?;
    let status = if done.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(done.enrollment)))
}

/// Leave a course (idempotent). Progress is kept for a later return; a completed course
/// cannot be left, because its certificate rests on the enrolment.
///
/// Any signed-in role.
#[utoipa::path(delete, path = "/courses/{id}/enroll", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 404), (status = 409, description = "course completed")))]
async fn unenroll(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    enrollment::leave(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's progress in a course: per item, per section, overall, and what to study next.
///
/// Any signed-in role, enrolled.
#[utoipa::path(get, path = "/courses/{id}/progress", tag = "learning",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CourseProgress), (status = 403, description = "not enrolled"), (status = 404)))]
async fn get_progress(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CourseProgress>, ServerError> {
    enrollment::progress(&ctx, &actor, &id).await.map(Json)
}

/// One content item with its body (quizzes without their answers). Opening it records the
/// access in the caller's progress and a `content_opened` event.
///
/// Enrolled callers of any role, and admins.
#[utoipa::path(get, path = "/courses/{id}/contents/{cid}", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ContentView), (status = 403, description = "not enrolled"), (status = 404)))]
async fn get_content(
    State(ctx): Ctx,
    actor: Actor,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<ContentView>, ServerError> {
    let opened = enrollment::open_item(&ctx, &actor, &id, &cid).await?;
    Ok(Json(opened.item))
}

/// Mark a lesson or video complete (idempotent). Quizzes complete by being passed. The last
/// item completes the course and issues its certificate.
///
/// Any signed-in role, enrolled.
#[utoipa::path(post, path = "/courses/{id}/contents/{cid}/complete", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id")),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = CourseProgress), (status = 403, description = "not enrolled"), (status = 404), (status = 409, description = "a quiz: pass it instead")))]
async fn complete_content(
    State(ctx): Ctx,
    actor: Actor,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Json<CourseProgress>, ServerError> {
    enrollment::complete_item(&ctx, &actor, &id, &cid)
        .await
        .map(Json)
}

/// Submit answers to a quiz; graded on the server. A pass completes the item. The right
/// answers are revealed once the quiz is passed.
///
/// Any signed-in role, enrolled.
#[utoipa::path(post, path = "/courses/{id}/contents/{cid}/attempts", tag = "learning",
    params(("id" = String, Path, description = "course id or slug"), ("cid" = String, Path, description = "content id of a quiz")),
    request_body = AttemptRequest,
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = AttemptResult), (status = 403, description = "not enrolled"), (status = 404), (status = 409, description = "not a quiz, or no attempts left"), (status = 422, description = "answers do not fit the questions")))]
async fn submit_attempt(
    State(ctx): Ctx,
    actor: Actor,
    Path((id, cid)): Path<(String, String)>,
    JsonBody(req): JsonBody<AttemptRequest>,
) -> Result<(StatusCode, Json<AttemptResult>), ServerError> {
    let result = enrollment::submit_attempt(&ctx, &actor, &id, &cid, req.answers).await?;
    Ok((StatusCode::CREATED, Json(result)))
}

/// The caller's enrolments, newest first, with percent complete.
///
/// Any signed-in role.
#[utoipa::path(get, path = "/users/me/enrollments", tag = "learning",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<Enrollment>)))]
async fn my_enrollments(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<Enrollment>, ServerError> {
    let page = enrollment::enrollments(&ctx, &actor, paging).await?;
    Ok(Paged(page, uri))
}

/// Verify a certificate by its code.
///
/// Public: anyone holding a code can check it.
#[utoipa::path(get, path = "/certificates/{code}", tag = "courses",
    params(("code" = String, Path, description = "e.g. PE-7K3M-9QXD-2HWA")),
    responses((status = 200, body = Certificate), (status = 404)))]
async fn get_certificate(
    State(ctx): Ctx,
    actor: Actor,
    Path(code): Path<String>,
) -> Result<Json<Certificate>, ServerError> {
    enrollment::certificate(&ctx, &actor, &code).await.map(Json)
}
