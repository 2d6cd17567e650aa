//! Authoring, for admins: courses, sections and items — create, update, reorder, publish,
//! archive, delete — and whole-course import and export as one JSON document. Every change
//! is audited in its transaction; after it commits, this instance's catalogue and structure
//! caches forget the old content.

use super::Context;
use super::catalog::{self, CourseFilter};
use super::document::{self, Checks};
use super::structure::{self, find_course};
use crate::audit;
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::policy::{Actor, Operation};
use crate::storage::entities::{content, course, enrollment, section};
use chrono::Utc;
use pintar_core::api::{
    ContentDocument, CourseDetail, CourseDocument, CourseOrder, CoursePatch, CourseStatus,
    CourseSummary, NewCourse, Page,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::HashSet;
use uuid::Uuid;

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

/// Every course, any status, filtered and paged.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    filter: CourseFilter,
    paging: PageParams,
) -> Result<Page<CourseSummary>, ServerError> {
    actor.require(Operation::ListCourses)?;
    let all = catalog::load_summaries(&ctx.db, false).await?;
    let page = paging.slice(&filter.apply(&all)?)?;
    Ok(Page {
        items: page.items.into_iter().cloned().collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// A course as admins see it (any status), with its outline.
pub async fn read(ctx: &Context, actor: &Actor, key: &str) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::ReadCourse)?;
    let c = find_course(&ctx.db, key).await?;
    structure::load(&ctx.db, c).await?.detail(false)
}

/// A whole course as one document, quiz answers included.
pub async fn export(
    ctx: &Context,
    actor: &Actor,
    key: &str,
) -> Result<CourseDocument, ServerError> {
    actor.require(Operation::ReadCourse)?;
    let c = find_course(&ctx.db, key).await?;
    document::export(&structure::load(&ctx.db, c).await?)
}

/// One item as a document, quiz answers included (for editing).
pub async fn item_document(
    ctx: &Context,
    actor: &Actor,
    cid: &str,
) -> Result<ContentDocument, ServerError> {
    actor.require(Operation::ReadCourse)?;
    Ok(document::content_document(
        &content_row(&ctx.db, cid).await?,
    ))
}

/// Creates an empty draft course.
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    req: NewCourse,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::CreateCourse)?;
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
    save_document(ctx, actor, &doc).await
}

/// Creates a whole course from one document (as exported). The slug must be free.
pub async fn import(
    ctx: &Context,
    actor: &Actor,
    doc: &CourseDocument,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::ImportCourse)?;
    save_document(ctx, actor, doc).await
}

async fn save_document(
    ctx: &Context,
    actor: &Actor,
    doc: &CourseDocument,
) -> Result<CourseDetail, ServerError> {
    let mut checks = Checks::default();
    checks.document(doc);
    checks.done()?;
    let txn = crate::storage::write(&ctx.db).await?;
    let s = document::import(&txn, &actor.origin, actor.id(), doc).await?;
    txn.commit().await?;
    ctx.content_changed();
    s.detail(false)
}

/// Changes a course's fields or status (publishing the first time sets `published_at`;
/// a course needs an item before it is published).
pub async fn update(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    patch: CoursePatch,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::UpdateCourse)?;
    save_course(ctx, actor, key, patch).await
}

/// Publishes a course (it needs at least one item).
pub async fn publish(ctx: &Context, actor: &Actor, key: &str) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::PublishCourse)?;
    let patch = CoursePatch {
        status: Some(CourseStatus::Published),
        ..CoursePatch::default()
    };
    save_course(ctx, actor, key, patch).await
}

/// Archives a course: it leaves the catalogue, and stays open to those enrolled.
pub async fn archive(ctx: &Context, actor: &Actor, key: &str) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::ArchiveCourse)?;
    let patch = CoursePatch {
        status: Some(CourseStatus::Archived),
        ..CoursePatch::default()
    };
    save_course(ctx, actor, key, patch).await
}

async fn save_course(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    patch: CoursePatch,
) -> Result<CourseDetail, ServerError> {
    let before = find_course(&ctx.db, key).await?;
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
        document::slug_free(&ctx.db, slug, Some(before.id)).await?;
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
                .count(&ctx.db)
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
    let txn = crate::storage::write(&ctx.db).await?;
    let after = audit::update(&txn, &actor.origin, actor.id(), &before, row).await?;
    txn.commit().await?;
    ctx.content_changed();
    detail_of(&ctx.db, after.id).await
}

/// Deletes a course with its sections and items. Refused while learners are enrolled:
/// archive it instead, so their progress and certificates stay.
pub async fn delete(ctx: &Context, actor: &Actor, key: &str) -> Result<(), ServerError> {
    actor.require(Operation::DeleteCourse)?;
    let c = find_course(&ctx.db, key).await?;
    let enrolled = enrollment::Entity::find()
        .filter(enrollment::Column::CourseId.eq(c.id))
        .count(&ctx.db)
        .await?;
    if enrolled > 0 {
        return Err(ServerError::Conflict(format!(
            "{enrolled} learner(s) are enrolled; archive the course instead"
        )));
    }
    let s = structure::load(&ctx.db, c).await?;
    let (origin, by) = (&actor.origin, actor.id());
    let txn = crate::storage::write(&ctx.db).await?;
    for (sec, items) in &s.sections {
        for item in items {
            audit::deleted(&txn, origin, by, item).await?;
        }
        audit::deleted(&txn, origin, by, sec).await?;
    }
    course::Entity::delete_by_id(s.course.id).exec(&txn).await?;
    audit::deleted(&txn, origin, by, &s.course).await?;
    txn.commit().await?;
    ctx.content_changed();
    Ok(())
}

/// Reorders a course: every section and every item, in the new order (items may move
/// between sections).
pub async fn reorder(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    order: CourseOrder,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::ReorderCourse)?;
    let c = find_course(&ctx.db, key).await?;
    let s = structure::load(&ctx.db, c).await?;
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
    let (origin, by) = (&actor.origin, actor.id());
    let txn = crate::storage::write(&ctx.db).await?;
    for (i, so) in order.sections.iter().enumerate() {
        let Some((sec, _)) = s.sections.iter().find(|(x, _)| x.id.to_string() == so.id) else {
            continue;
        };
        if sec.position != i as i32 {
            let mut row: section::ActiveModel = sec.clone().into();
            row.position = Set(i as i32);
            row.updated_at = Set(now);
            audit::update(&txn, origin, by, sec, row).await?;
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
                audit::update(&txn, origin, by, item, row).await?;
            }
        }
    }
    txn.commit().await?;
    ctx.content_changed();
    detail_of(&ctx.db, s.course.id).await
}

/// Adds a section titled `title` at the end of a course; returns its id.
pub async fn add_section(
    ctx: &Context,
    actor: &Actor,
    key: &str,
    title: &str,
) -> Result<Uuid, ServerError> {
    actor.require(Operation::AddSection)?;
    let mut checks = Checks::default();
    checks.text("title", title, 1, 200);
    checks.done()?;
    let c = find_course(&ctx.db, key).await?;
    let position = next_position(
        &ctx.db,
        section::Entity::find().filter(section::Column::CourseId.eq(c.id)),
        section::Column::Position,
    )
    .await?;
    let txn = crate::storage::write(&ctx.db).await?;
    let row =
        document::insert_section(&txn, &actor.origin, actor.id(), c.id, position, title).await?;
    txn.commit().await?;
    ctx.content_changed();
    Ok(row.id)
}

/// Renames a section.
pub async fn rename_section(
    ctx: &Context,
    actor: &Actor,
    sid: &str,
    title: &str,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::RenameSection)?;
    let mut checks = Checks::default();
    checks.text("title", title, 1, 200);
    checks.done()?;
    let before = section_row(&ctx.db, sid).await?;
    let mut row: section::ActiveModel = before.clone().into();
    row.title = Set(title.trim().into());
    row.updated_at = Set(Utc::now());
    let txn = crate::storage::write(&ctx.db).await?;
    audit::update(&txn, &actor.origin, actor.id(), &before, row).await?;
    txn.commit().await?;
    ctx.content_changed();
    detail_of(&ctx.db, before.course_id).await
}

/// Deletes a section and its items (learners' progress on them goes too).
pub async fn delete_section(ctx: &Context, actor: &Actor, sid: &str) -> Result<(), ServerError> {
    actor.require(Operation::DeleteSection)?;
    let sec = section_row(&ctx.db, sid).await?;
    let items = content::Entity::find()
        .filter(content::Column::SectionId.eq(sec.id))
        .all(&ctx.db)
        .await?;
    let (origin, by) = (&actor.origin, actor.id());
    let txn = crate::storage::write(&ctx.db).await?;
    for item in &items {
        audit::deleted(&txn, origin, by, item).await?;
    }
    section::Entity::delete_by_id(sec.id).exec(&txn).await?;
    audit::deleted(&txn, origin, by, &sec).await?;
    txn.commit().await?;
    ctx.content_changed();
    Ok(())
}

fn check_content(doc: &ContentDocument) -> Result<(), ServerError> {
    let mut checks = Checks::default();
    checks.content("", doc);
    checks.done()
}

/// Adds an item (lesson, video or quiz) at the end of a section; returns its id.
pub async fn add_item(
    ctx: &Context,
    actor: &Actor,
    sid: &str,
    doc: &ContentDocument,
) -> Result<Uuid, ServerError> {
    actor.require(Operation::AddItem)?;
    check_content(doc)?;
    let sec = section_row(&ctx.db, sid).await?;
    let position = next_position(
        &ctx.db,
        content::Entity::find().filter(content::Column::SectionId.eq(sec.id)),
        content::Column::Position,
    )
    .await?;
    let txn = crate::storage::write(&ctx.db).await?;
    let row =
        document::insert_content(&txn, &actor.origin, actor.id(), &sec, position, doc).await?;
    txn.commit().await?;
    ctx.content_changed();
    Ok(row.id)
}

/// Replaces an item's kind, title, body, video link or quiz.
pub async fn replace_item(
    ctx: &Context,
    actor: &Actor,
    cid: &str,
    doc: &ContentDocument,
) -> Result<CourseDetail, ServerError> {
    actor.require(Operation::ReplaceItem)?;
    check_content(doc)?;
    let before = content_row(&ctx.db, cid).await?;
    let mut row: content::ActiveModel = before.clone().into();
    document::set_content(&mut row, doc);
    row.updated_at = Set(Utc::now());
    let txn = crate::storage::write(&ctx.db).await?;
    audit::update(&txn, &actor.origin, actor.id(), &before, row).await?;
    txn.commit().await?;
    ctx.content_changed();
    detail_of(&ctx.db, before.course_id).await
}

/// Deletes an item (learners' progress on it goes too).
pub async fn delete_item(ctx: &Context, actor: &Actor, cid: &str) -> Result<(), ServerError> {
    actor.require(Operation::DeleteItem)?;
    let item = content_row(&ctx.db, cid).await?;
    let txn = crate::storage::write(&ctx.db).await?;
    content::Entity::delete_by_id(item.id).exec(&txn).await?;
    audit::deleted(&txn, &actor.origin, actor.id(), &item).await?;
    txn.commit().await?;
    ctx.content_changed();
    Ok(())
}
