//! Content management under `/admin`: courses, sections and items — create, update,
//! reorder, publish, delete — and whole-course import and export as one JSON document.
//! Each handler calls one use case of [`crate::learning::authoring`] (admins only).

use crate::error::ServerError;
use crate::http::body::{JsonBody, UploadJson};
use crate::http::pagination::{PageParams, Paged};
use crate::learning::catalog::CourseFilter;
use crate::learning::{self, authoring};
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use pintar_core::api::{
    ContentDocument, CourseDetail, CourseDocument, CourseOrder, CoursePatch, CourseSummary,
    Created, NewCourse, Page, SectionInput,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes of this module (admins only).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_all, create_course))
        .routes(routes!(import_course))
        .routes(routes!(export_course))
        .routes(routes!(update_course, delete_course))
        .routes(routes!(publish_course))
        .routes(routes!(reorder))
        .routes(routes!(add_section))
        .routes(routes!(rename_section, delete_section))
        .routes(routes!(add_content))
        .routes(routes!(
            get_content_document,
            replace_content,
            delete_content
        ))
}

type Ctx = State<learning::Context>;

/// All courses, any status, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/courses", tag = "authoring",
    params(CourseFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<CourseSummary>)))]
async fn list_all(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<CourseFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseSummary>, ServerError> {
    let page = authoring::list(&ctx, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
}

/// Create an empty draft course.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses", tag = "authoring", request_body = NewCourse,
    security(("bearer" = [])),
    responses((status = 201, body = CourseDetail), (status = 409, description = "slug taken"), (status = 422)))]
async fn create_course(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<NewCourse>,
) -> Result<(StatusCode, Json<CourseDetail>), ServerError> {
    let detail = authoring::create(&ctx, &actor, req).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// Import a whole course from one JSON document (as exported). The slug must be free.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/import", tag = "authoring", request_body = CourseDocument,
    security(("bearer" = [])),
    responses((status = 201, body = CourseDetail), (status = 409, description = "slug taken"), (status = 422)))]
async fn import_course(
    State(ctx): Ctx,
    actor: Actor,
    UploadJson(doc): UploadJson<CourseDocument>,
) -> Result<(StatusCode, Json<CourseDetail>), ServerError> {
    let detail = authoring::import(&ctx, &actor, &doc).await?;
    Ok((StatusCode::CREATED, Json(detail)))
}

/// Export a whole course, quiz answers included, as one JSON document.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/courses/{id}/export", tag = "authoring",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDocument), (status = 404)))]
async fn export_course(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CourseDocument>, ServerError> {
    authoring::export(&ctx, &actor, &id).await.map(Json)
}

/// Change a course's fields or status (publishing the first time sets `published_at`).
///
/// Admins only.
#[utoipa::path(patch, path = "/admin/courses/{id}", tag = "authoring", request_body = CoursePatch,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 409), (status = 422)))]
async fn update_course(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<CoursePatch>,
) -> Result<Json<CourseDetail>, ServerError> {
    authoring::update(&ctx, &actor, &id, patch).await.map(Json)
}

/// Publish a course (it needs at least one item).
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/{id}/publish", tag = "authoring",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 409, description = "no items yet")))]
async fn publish_course(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<CourseDetail>, ServerError> {
    authoring::publish(&ctx, &actor, &id).await.map(Json)
}

/// Delete a course with its sections and items. Refused while learners are enrolled:
/// archive it instead, so their progress and certificates stay.
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/courses/{id}", tag = "authoring",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404), (status = 409, description = "learners enrolled")))]
async fn delete_course(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    authoring::delete(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reorder a course: every section and every item, in the new order (items may move
/// between sections).
///
/// Admins only.
#[utoipa::path(put, path = "/admin/courses/{id}/order", tag = "authoring", request_body = CourseOrder,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422, description = "not exactly the course's sections and items")))]
async fn reorder(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(order): JsonBody<CourseOrder>,
) -> Result<Json<CourseDetail>, ServerError> {
    authoring::reorder(&ctx, &actor, &id, order).await.map(Json)
}

/// Add a section at the end of a course.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/{id}/sections", tag = "authoring", request_body = SectionInput,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
async fn add_section(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<SectionInput>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let id = authoring::add_section(&ctx, &actor, &id, &req.title).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

/// Rename a section.
///
/// Admins only.
#[utoipa::path(put, path = "/admin/sections/{id}", tag = "authoring", request_body = SectionInput,
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422)))]
async fn rename_section(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<SectionInput>,
) -> Result<Json<CourseDetail>, ServerError> {
    authoring::rename_section(&ctx, &actor, &id, &req.title)
        .await
        .map(Json)
}

/// Delete a section and its items (learners' progress on them goes too).
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/sections/{id}", tag = "authoring",
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
async fn delete_section(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    authoring::delete_section(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add an item (lesson, video or quiz) at the end of a section.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/sections/{id}/contents", tag = "authoring", request_body = ContentDocument,
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
async fn add_content(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(doc): JsonBody<ContentDocument>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let id = authoring::add_item(&ctx, &actor, &id, &doc).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.to_string() })))
}

/// One item as a document, quiz answers included (for editing).
///
/// Admins only.
#[utoipa::path(get, path = "/admin/contents/{id}", tag = "authoring",
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 200, body = ContentDocument), (status = 404)))]
async fn get_content_document(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ContentDocument>, ServerError> {
    authoring::item_document(&ctx, &actor, &id).await.map(Json)
}

/// Replace an item's kind, title, body, video link or quiz.
///
/// Admins only.
#[utoipa::path(put, path = "/admin/contents/{id}", tag = "authoring", request_body = ContentDocument,
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422)))]
async fn replace_content(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(doc): JsonBody<ContentDocument>,
) -> Result<Json<CourseDetail>, ServerError> {
    authoring::replace_item(&ctx, &actor, &id, &doc)
        .await
        .map(Json)
}

/// Delete an item (learners' progress on it goes too).
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/contents/{id}", tag = "authoring",
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
async fn delete_content(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    authoring::delete_item(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
