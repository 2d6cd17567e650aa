//! Content management under `/admin`: courses, sections and items — create, update,
//! reorder, publish, delete — and whole-course import and export as one JSON document.
//!
//! Who may call: admins only. Every change is audited in its transaction.

use crate::audit::{self, RequestMeta};
use crate::auth::AuthUser;
use crate::body::{JsonBody, UploadJson};
use crate::error::ServerError;
use crate::learning::catalog::{self, CourseFilter};
use crate::learning::document::{self, Checks};
use crate::learning::structure::{self, find_course};
use crate::pagination::{PageParams, Paged};
use crate::state::AppState;
use crate::storage::entities::{content, course, enrollment, section};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use pintar_core::api::{
    ContentDocument, CourseDetail, CourseDocument, CourseOrder, CoursePatch, CourseStatus,
    CourseSummary, Created, NewCourse, Page, SectionInput,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::HashSet;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

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

fn parse(id: &str, what: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(id).map_err(|_| ServerError::NotFound(what.into()))
}

async fn detail_of<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<CourseDetail, ServerError> {
    let c = find_course(conn, &id.to_string()).await?;
    structure::load(conn, c).await?.detail(false)
}

async fn section_row<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<section::Model, ServerError> {
    section::Entity::find_by_id(parse(id, "section")?)
        .one(conn)
        .await?
        .ok_or_else(|| ServerError::NotFound("section".into()))
}

async fn content_row<C: ConnectionTrait>(
    conn: &C,
    id: &str,
) -> Result<content::Model, ServerError> {
    content::Entity::find_by_id(parse(id, "content")?)
        .one(conn)
        .await?
        .ok_or_else(|| ServerError::NotFound("content".into()))
}

/// One past the largest position among `rows` (0 when there are none): after deletions
/// positions have gaps, so a count would not do.
async fn next_position<C, E>(
    conn: &C,
    rows: sea_orm::Select<E>,
    column: E::Column,
) -> Result<i32, ServerError>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    let max: Option<Option<i32>> = rows
        .select_only()
        .column_as(Expr::col(column).max(), "m")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(max.flatten().map_or(0, |m| m + 1))
}

/// All courses, any status, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/courses", tag = "content admin",
    params(CourseFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<CourseSummary>)))]
async fn list_all(
    State(state): State<AppState>,
    uri: Uri,
    Query(filter): Query<CourseFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Response, ServerError> {
    let all = catalog::load_summaries(&state.db, false).await?;
    Ok(Paged(paging.slice(&filter.apply(&all)?)?, uri).into_response())
}

/// Create an empty draft course.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses", tag = "content admin", request_body = NewCourse,
    security(("bearer" = [])),
    responses((status = 201, body = CourseDetail), (status = 409, description = "slug taken"), (status = 422)))]
pub(crate) async fn create_course(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    JsonBody(req): JsonBody<NewCourse>,
) -> Result<(StatusCode, Json<CourseDetail>), ServerError> {
    let doc = CourseDocument {
        slug: req.slug,
        title: req.title,
        summary: req.summary,
        description: req.description,
        level: req.level,
        tags: req.tags,
        estimated_minutes: req.estimated_minutes,
        status: Some(CourseStatus::Draft),
        sections: Vec::new(),
    };
    import_document(&state, &caller, &meta, &doc).await
}

async fn import_document(
    state: &AppState,
    caller: &AuthUser,
    meta: &RequestMeta,
    doc: &CourseDocument,
) -> Result<(StatusCode, Json<CourseDetail>), ServerError> {
    let mut checks = Checks::default();
    checks.document(doc);
    checks.done()?;
    let txn = crate::storage::write(&state.db).await?;
    let s = document::import(&txn, meta, Some(caller.id), doc).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok((StatusCode::CREATED, Json(s.detail(false)?)))
}

/// Import a whole course from one JSON document (as exported). The slug must be free.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/import", tag = "content admin", request_body = CourseDocument,
    security(("bearer" = [])),
    responses((status = 201, body = CourseDetail), (status = 409, description = "slug taken"), (status = 422)))]
pub(crate) async fn import_course(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    UploadJson(doc): UploadJson<CourseDocument>,
) -> Result<(StatusCode, Json<CourseDetail>), ServerError> {
    import_document(&state, &caller, &meta, &doc).await
}

/// Export a whole course, quiz answers included, as one JSON document.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/courses/{id}/export", tag = "content admin",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDocument), (status = 404)))]
pub(crate) async fn export_course(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<CourseDocument>, ServerError> {
    let c = find_course(&state.db, &id).await?;
    document::export(&structure::load(&state.db, c).await?).map(Json)
}

async fn save_course(
    state: &AppState,
    caller: &AuthUser,
    meta: &RequestMeta,
    before: course::Model,
    patch: CoursePatch,
) -> Result<Json<CourseDetail>, ServerError> {
    let mut checks = Checks::default();
    if let Some(s) = &patch.slug {
        checks.slug("slug", s);
    }
    if let Some(t) = &patch.title {
        checks.text("title", t, 1, 200);
    }
    if let Some(t) = &patch.summary {
        checks.text("summary", t, 1, 500);
    }
    if let Some(t) = &patch.description {
        checks.text("description", t, 0, 20_000);
    }
    if let Some(t) = &patch.tags {
        checks.tags("tags", t);
    }
    checks.minutes("estimated_minutes", patch.estimated_minutes);
    checks.done()?;
    if let Some(slug) = &patch.slug {
        document::slug_free(&state.db, slug, Some(before.id)).await?;
    }
    let now = Utc::now();
    let mut row: course::ActiveModel = before.clone().into();
    if let Some(v) = patch.slug {
        row.slug = Set(v);
    }
    if let Some(v) = patch.title {
        row.title = Set(v.trim().into());
    }
    if let Some(v) = patch.summary {
        row.summary = Set(v.trim().into());
    }
    if let Some(v) = patch.description {
        row.description = Set(v);
    }
    if let Some(v) = patch.level {
        row.level = Set(v.as_str().into());
    }
    if let Some(v) = patch.tags {
        row.tags = Set(document::clean_tags(&v));
    }
    if let Some(v) = patch.estimated_minutes {
        row.estimated_minutes = Set(v as i32);
    }
    if let Some(status) = patch.status {
        if status == CourseStatus::Published {
            let items = content::Entity::find()
                .filter(content::Column::CourseId.eq(before.id))
                .count(&state.db)
                .await?;
            if items == 0 {
                return Err(ServerError::Conflict(
                    "a course needs at least one item before it is published".into(),
                ));
            }
        }
        row.status = Set(status.as_str().into());
        row.published_at = Set(document::published_at(status, before.published_at, now));
    }
    row.updated_at = Set(now);
    let txn = crate::storage::write(&state.db).await?;
    let after = audit::update(&txn, meta, Some(caller.id), &before, row).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    detail_of(&state.db, after.id).await.map(Json)
}

/// Change a course's fields or status (publishing the first time sets `published_at`).
///
/// Admins only.
#[utoipa::path(patch, path = "/admin/courses/{id}", tag = "content admin", request_body = CoursePatch,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 409), (status = 422)))]
pub(crate) async fn update_course(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<CoursePatch>,
) -> Result<Json<CourseDetail>, ServerError> {
    let before = find_course(&state.db, &id).await?;
    save_course(&state, &caller, &meta, before, patch).await
}

/// Publish a course (it needs at least one item).
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/{id}/publish", tag = "content admin",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 409, description = "no items yet")))]
pub(crate) async fn publish_course(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<Json<CourseDetail>, ServerError> {
    let before = find_course(&state.db, &id).await?;
    let patch = CoursePatch {
        status: Some(CourseStatus::Published),
        ..CoursePatch::default()
    };
    save_course(&state, &caller, &meta, before, patch).await
}

/// Delete a course with its sections and items. Refused while learners are enrolled:
/// archive it instead, so their progress and certificates stay.
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/courses/{id}", tag = "content admin",
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404), (status = 409, description = "learners enrolled")))]
pub(crate) async fn delete_course(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let c = find_course(&state.db, &id).await?;
    let enrolled = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(c.id))
        .count(&state.db)
        .await?;
    if enrolled > 0 {
        return Err(ServerError::Conflict(format!(
            "{enrolled} learner(s) are enrolled; archive the course instead"
        )));
    }
    let s = structure::load(&state.db, c).await?;
    let txn = crate::storage::write(&state.db).await?;
    for (sec, items) in &s.sections {
        for item in items {
            audit::deleted(&txn, &meta, Some(caller.id), item).await?;
        }
        audit::deleted(&txn, &meta, Some(caller.id), sec).await?;
    }
    course::Entity::delete_by_id(s.course.id).exec(&txn).await?;
    audit::deleted(&txn, &meta, Some(caller.id), &s.course).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

/// Reorder a course: every section and every item, in the new order (items may move
/// between sections).
///
/// Admins only.
#[utoipa::path(put, path = "/admin/courses/{id}/order", tag = "content admin", request_body = CourseOrder,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422, description = "not exactly the course's sections and items")))]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(order): JsonBody<CourseOrder>,
) -> Result<Json<CourseDetail>, ServerError> {
    let c = find_course(&state.db, &id).await?;
    let s = structure::load(&state.db, c).await?;
    let sections: HashSet<String> = s.sections.iter().map(|(x, _)| x.id.to_string()).collect();
    let items: HashSet<String> = s.items().map(|(_, c)| c.id.to_string()).collect();
    let given_sections: HashSet<String> = order.sections.iter().map(|x| x.id.clone()).collect();
    let given_items: Vec<&String> = order.sections.iter().flat_map(|x| &x.items).collect();
    let unique_items: HashSet<String> = given_items.iter().map(|x| (*x).clone()).collect();
    let mut checks = Checks::default();
    if given_sections != sections || order.sections.len() != sections.len() {
        checks.fail(
            "sections",
            "must list each of the course's sections exactly once",
        );
    }
    if unique_items != items || given_items.len() != items.len() {
        checks.fail(
            "sections[].items",
            "must list each of the course's items exactly once",
        );
    }
    checks.done()?;
    let now = Utc::now();
    let txn = crate::storage::write(&state.db).await?;
    for (i, so) in order.sections.iter().enumerate() {
        let Some((sec, _)) = s.sections.iter().find(|(x, _)| x.id.to_string() == so.id) else {
            continue;
        };
        if sec.position != i as i32 {
            let mut row: section::ActiveModel = sec.clone().into();
            row.position = Set(i as i32);
            row.updated_at = Set(now);
            audit::update(&txn, &meta, Some(caller.id), sec, row).await?;
        }
        for (j, cid) in so.items.iter().enumerate() {
            let Some((_, item)) = s.items().find(|(_, c)| c.id.to_string() == *cid) else {
                continue;
            };
            if item.position != j as i32 || item.section_id != sec.id {
                let mut row: content::ActiveModel = item.clone().into();
                row.position = Set(j as i32);
                row.section_id = Set(sec.id);
                row.updated_at = Set(now);
                audit::update(&txn, &meta, Some(caller.id), item, row).await?;
            }
        }
    }
    txn.commit().await?;
    state.catalog.invalidate();
    detail_of(&state.db, s.course.id).await.map(Json)
}

/// Add a section at the end of a course.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/courses/{id}/sections", tag = "content admin", request_body = SectionInput,
    params(("id" = String, Path, description = "course id or slug")),
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub(crate) async fn add_section(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<SectionInput>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    let mut checks = Checks::default();
    checks.text("title", &req.title, 1, 200);
    checks.done()?;
    let c = find_course(&state.db, &id).await?;
    let position = next_position(
        &state.db,
        section::Entity::find().filter(section::Column::CourseId.eq(c.id)),
        section::Column::Position,
    )
    .await?;
    let txn = crate::storage::write(&state.db).await?;
    let row =
        document::insert_section(&txn, &meta, Some(caller.id), c.id, position, &req.title).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: row.id.to_string(),
        }),
    ))
}

/// Rename a section.
///
/// Admins only.
#[utoipa::path(put, path = "/admin/sections/{id}", tag = "content admin", request_body = SectionInput,
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422)))]
pub(crate) async fn rename_section(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<SectionInput>,
) -> Result<Json<CourseDetail>, ServerError> {
    let mut checks = Checks::default();
    checks.text("title", &req.title, 1, 200);
    checks.done()?;
    let before = section_row(&state.db, &id).await?;
    let mut row: section::ActiveModel = before.clone().into();
    row.title = Set(req.title.trim().into());
    row.updated_at = Set(Utc::now());
    let txn = crate::storage::write(&state.db).await?;
    audit::update(&txn, &meta, Some(caller.id), &before, row).await?;
    txn.commit().await?;
    detail_of(&state.db, before.course_id).await.map(Json)
}

/// Delete a section and its items (learners' progress on them goes too).
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/sections/{id}", tag = "content admin",
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
pub(crate) async fn delete_section(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let sec = section_row(&state.db, &id).await?;
    let items = content::Entity::find()
        .filter(content::Column::SectionId.eq(sec.id))
        .all(&state.db)
        .await?;
    let txn = crate::storage::write(&state.db).await?;
    for item in &items {
        audit::deleted(&txn, &meta, Some(caller.id), item).await?;
    }
    section::Entity::delete_by_id(sec.id).exec(&txn).await?;
    audit::deleted(&txn, &meta, Some(caller.id), &sec).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok(StatusCode::NO_CONTENT)
}

fn check_content(doc: &ContentDocument) -> Result<(), ServerError> {
    let mut checks = Checks::default();
    checks.content("", doc);
    checks.done()
}

/// Add an item (lesson, video or quiz) at the end of a section.
///
/// Admins only.
#[utoipa::path(post, path = "/admin/sections/{id}/contents", tag = "content admin", request_body = ContentDocument,
    params(("id" = String, Path, description = "section id")),
    security(("bearer" = [])),
    responses((status = 201, body = Created), (status = 404), (status = 422)))]
pub(crate) async fn add_content(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(doc): JsonBody<ContentDocument>,
) -> Result<(StatusCode, Json<Created>), ServerError> {
    check_content(&doc)?;
    let sec = section_row(&state.db, &id).await?;
    let position = next_position(
        &state.db,
        content::Entity::find().filter(content::Column::SectionId.eq(sec.id)),
        content::Column::Position,
    )
    .await?;
    let txn = crate::storage::write(&state.db).await?;
    let row = document::insert_content(&txn, &meta, Some(caller.id), &sec, position, &doc).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: row.id.to_string(),
        }),
    ))
}

/// One item as a document, quiz answers included (for editing).
///
/// Admins only.
#[utoipa::path(get, path = "/admin/contents/{id}", tag = "content admin",
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 200, body = ContentDocument), (status = 404)))]
pub(crate) async fn get_content_document(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ContentDocument>, ServerError> {
    Ok(Json(document::content_document(
        &content_row(&state.db, &id).await?,
    )))
}

/// Replace an item's kind, title, body, video link or quiz.
///
/// Admins only.
#[utoipa::path(put, path = "/admin/contents/{id}", tag = "content admin", request_body = ContentDocument,
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 200, body = CourseDetail), (status = 404), (status = 422)))]
pub(crate) async fn replace_content(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(doc): JsonBody<ContentDocument>,
) -> Result<Json<CourseDetail>, ServerError> {
    check_content(&doc)?;
    let before = content_row(&state.db, &id).await?;
    let mut row: content::ActiveModel = before.clone().into();
    document::set_content(&mut row, &doc);
    row.updated_at = Set(Utc::now());
    let txn = crate::storage::write(&state.db).await?;
    audit::update(&txn, &meta, Some(caller.id), &before, row).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    detail_of(&state.db, before.course_id).await.map(Json)
}

/// Delete an item (learners' progress on it goes too).
///
/// Admins only.
#[utoipa::path(delete, path = "/admin/contents/{id}", tag = "content admin",
    params(("id" = String, Path, description = "content id")),
    security(("bearer" = [])),
    responses((status = 204), (status = 404)))]
pub(crate) async fn delete_content(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let item = content_row(&state.db, &id).await?;
    let txn = crate::storage::write(&state.db).await?;
    content::Entity::delete_by_id(item.id).exec(&txn).await?;
    audit::deleted(&txn, &meta, Some(caller.id), &item).await?;
    txn.commit().await?;
    state.catalog.invalidate();
    Ok(StatusCode::NO_CONTENT)
}
