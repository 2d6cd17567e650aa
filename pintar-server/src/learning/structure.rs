//! A course with its sections and items, loaded in order with two queries.

use crate::error::ServerError;
use crate::storage::entities::{content, course, section};
use pintar_core::api::{ContentOutline, CourseDetail, CourseSummary, SectionOutline};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// A course and its content, in course order.
#[derive(Debug, Clone)]
pub struct Structure {
    /// The course row.
    pub course: course::Model,
    /// Sections in order, each with its items in order.
    pub sections: Vec<(section::Model, Vec<content::Model>)>,
}

/// Finds a course by id or by slug.
pub async fn find_course<C: ConnectionTrait>(
    conn: &C,
    key: &str,
) -> Result<course::Model, ServerError> {
    let query = match Uuid::parse_str(key) {
        Ok(id) => course::Entity::find_by_id(id),
        Err(_) => course::Entity::find().filter(course::Column::Slug.eq(key)),
    };
    query
        .one(conn)
        .await?
        .ok_or_else(|| ServerError::NotFound("course".into()))
}

/// Loads the sections and items of `course`.
pub async fn load<C: ConnectionTrait>(
    conn: &C,
    course: course::Model,
) -> Result<Structure, ServerError> {
    let sections = section::Entity::find()
        .filter(section::Column::CourseId.eq(course.id))
        .order_by_asc(section::Column::Position)
        .order_by_asc(section::Column::Id)
        .all(conn)
        .await?;
    let mut items = content::Entity::find()
        .filter(content::Column::CourseId.eq(course.id))
        .order_by_asc(content::Column::Position)
        .order_by_asc(content::Column::Id)
        .all(conn)
        .await?;
    let sections = sections
        .into_iter()
        .map(|s| {
            let (mine, rest): (Vec<_>, Vec<_>) =
                items.drain(..).partition(|c| c.section_id == s.id);
            items = rest;
            (s, mine)
        })
        .collect();
    Ok(Structure { course, sections })
}

impl Structure {
    /// Every item in course order.
    pub fn items(&self) -> impl Iterator<Item = (&section::Model, &content::Model)> {
        self.sections
            .iter()
            .flat_map(|(s, items)| items.iter().map(move |c| (s, c)))
    }

    /// The item `id`, if it belongs to this course.
    pub fn item(&self, id: Uuid) -> Option<&content::Model> {
        self.items().map(|(_, c)| c).find(|c| c.id == id)
    }

    /// The listing view.
    pub fn summary(&self) -> Result<CourseSummary, ServerError> {
        let items = self.sections.iter().map(|(_, i)| i.len()).sum::<usize>();
        summary_of(&self.course, self.sections.len() as u32, items as u32)
    }

    /// The detail view with its outline.
    pub fn detail(&self, enrolled: bool) -> Result<CourseDetail, ServerError> {
        Ok(CourseDetail {
            course: self.summary()?,
            description: self.course.description.clone(),
            outline: self
                .sections
                .iter()
                .map(|(s, items)| SectionOutline {
                    id: s.id.to_string(),
                    title: s.title.clone(),
                    items: items.iter().map(outline_item).collect(),
                })
                .collect(),
            enrolled,
        })
    }
}

fn outline_item(c: &content::Model) -> ContentOutline {
    ContentOutline {
        id: c.id.to_string(),
        kind: c.kind(),
        title: c.title.clone(),
        estimated_minutes: c.minutes(),
    }
}

/// The listing view of a course row, given its counts.
pub fn summary_of(
    c: &course::Model,
    sections: u32,
    items: u32,
) -> Result<CourseSummary, ServerError> {
    let stored = |what: &str, e: String| ServerError::Internal(format!("stored {what}: {e}"));
    Ok(CourseSummary {
        id: c.id.to_string(),
        slug: c.slug.clone(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        level: c.level.parse().map_err(|e| stored("level", e))?,
        tags: serde_json::from_value(c.tags.clone()).unwrap_or_default(),
        estimated_minutes: c.estimated_minutes.max(0) as u32,
        status: c.status.parse().map_err(|e| stored("status", e))?,
        published_at: c.published_at,
        sections,
        items,
    })
}
