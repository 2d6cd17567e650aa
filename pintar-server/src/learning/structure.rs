//! A course with its sections and items, loaded in order with three queries, and kept in a
//! cache ([`Structures`]) because every learning request reads one: the authoring use cases
//! drop the cache on every change, and other instances see a change within the cache time.

use crate::error::ServerError;
use crate::storage::entities::{content, course, section};
use pintar_core::api::{ContentOutline, CourseDetail, CourseSummary, SectionOutline};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// Longest course key (id or slug) looked up; longer ones cannot exist.
const MAX_KEY: usize = 200;
/// Bytes of course text the cache holds at most.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

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

/// Course structures by key (id or slug), shared by every request of this instance.
pub struct Structures {
    cache: Option<moka::sync::Cache<String, Arc<Structure>>>,
    generation: AtomicU64,
}

impl std::fmt::Debug for Structures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Structures")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

impl Structures {
    /// A cache keeping structures for `ttl` (zero: always read the database).
    pub fn new(ttl: Duration) -> Self {
        let cache = (!ttl.is_zero()).then(|| {
            moka::sync::Cache::builder()
                .time_to_live(ttl)
                .weigher(|_: &String, s: &Arc<Structure>| {
                    u32::try_from(s.weight()).unwrap_or(u32::MAX)
                })
                .max_capacity(CACHE_BYTES)
                .build()
        });
        Self {
            cache,
            generation: AtomicU64::new(0),
        }
    }

    /// The course `key` (id or slug) with its sections and items, or 404.
    pub async fn get<C: ConnectionTrait>(
        &self,
        conn: &C,
        key: &str,
    ) -> Result<Arc<Structure>, ServerError> {
        if key.len() > MAX_KEY {
            return Err(ServerError::NotFound("course".into()));
        }
        let Some(cache) = &self.cache else {
            return Ok(Arc::new(load(conn, find_course(conn, key).await?).await?));
        };
        if let Some(s) = cache.get(key) {
            return Ok(s);
        }
        let generation = self.generation.load(Ordering::Acquire);
        let s = Arc::new(load(conn, find_course(conn, key).await?).await?);
        // Only keep it if no change happened while it loaded.
        if self.generation.load(Ordering::Acquire) == generation {
            cache.insert(key.to_string(), s.clone());
        }
        Ok(s)
    }

    /// Drops every cached structure (the authoring use cases call it after each change).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(cache) = &self.cache {
            cache.invalidate_all();
        }
    }
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
    /// Roughly the bytes this structure holds (for the cache's budget).
    fn weight(&self) -> usize {
        let text = |c: &content::Model| {
            c.title.len()
                + c.body.as_ref().map_or(0, String::len)
                + c.video_url.as_ref().map_or(0, String::len)
                + c.quiz.as_ref().map_or(0, |q| q.to_string().len())
                + 256
        };
        self.course.description.len()
            + 1024
            + self
                .sections
                .iter()
                .map(|(s, items)| s.title.len() + 128 + items.iter().map(text).sum::<usize>())
                .sum::<usize>()
    }

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
