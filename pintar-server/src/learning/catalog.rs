//! The course catalog: course summaries with their counts, filtered, searched and sorted.
//!
//! Published courses are kept in memory for a few seconds (`catalog_cache_secs`) because
//! `GET /courses` is the hottest read and changes rarely; an admin change on this instance
//! drops the copy at once, other instances see it within the cache time.

use super::structure::summary_of;
use crate::error::{FieldError, ServerError};
use crate::storage::entities::{content, course, section};
use pintar_core::api::{CourseLevel, CourseStatus, CourseSummary};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, prelude::Expr,
    sea_query::ExprTrait,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Longest search text.
const MAX_QUERY: usize = 200;
/// Longest tag filter (tags are at most 40 characters).
const MAX_TAG: usize = 40;

/// Filters and order of a course list.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CourseFilter {
    /// Words to find in the title or summary (case-insensitive), at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only this level.
    pub level: Option<CourseLevel>,
    /// Only courses with this tag (case-insensitive), at most 40 characters.
    #[param(max_length = 40)]
    pub tag: Option<String>,
    /// Only this status (admin lists; learners only see published courses).
    pub status: Option<CourseStatus>,
    /// `title` (default), `-title`, `published_at`, `-published_at` (newest first),
    /// `estimated_minutes` or `-estimated_minutes`.
    #[param(pattern = r"^-?(title|published_at|estimated_minutes)$")]
    pub sort: Option<String>,
}

impl CourseFilter {
    /// The courses of `all` that match, in the requested order (borrowed: only the page
    /// that is sent gets copied).
    pub fn apply<'a>(
        &self,
        all: &'a [CourseSummary],
    ) -> Result<Vec<&'a CourseSummary>, ServerError> {
        let sort = self.sort.as_deref().unwrap_or("title");
        let (desc, key) = match sort.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, sort),
        };
        if !["title", "published_at", "estimated_minutes"].contains(&key) {
            return Err(ServerError::Validation(vec![FieldError {
                field: "sort".into(),
                message: "must be title, published_at or estimated_minutes, optionally with a leading '-'".into(),
            }]));
        }
        let mut errors = Vec::new();
        if self
            .q
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY)
        {
            errors.push(FieldError::new(
                "q",
                format!("must be at most {MAX_QUERY} characters"),
            ));
        }
        if self
            .tag
            .as_ref()
            .is_some_and(|t| t.chars().count() > MAX_TAG)
        {
            errors.push(FieldError::new(
                "tag",
                format!("must be at most {MAX_TAG} characters"),
            ));
        }
        if !errors.is_empty() {
            return Err(ServerError::Validation(errors));
        }
        let mut words: Vec<String> = self
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        words.sort_unstable();
        words.dedup();
        let tag = self.tag.as_deref().map(str::to_lowercase);
        let mut out: Vec<&CourseSummary> = all
            .iter()
            .filter(|c| self.level.is_none_or(|l| c.level == l))
            .filter(|c| self.status.is_none_or(|s| c.status == s))
            .filter(|c| {
                tag.as_ref()
                    .is_none_or(|t| c.tags.iter().any(|x| x.to_lowercase() == *t))
            })
            .filter(|c| {
                if words.is_empty() {
                    return true;
                }
                let text = format!("{} {}", c.title, c.summary).to_lowercase();
                words.iter().all(|w| text.contains(w.as_str()))
            })
            .collect();
        out.sort_by(|a, b| {
            let ord = match key {
                "published_at" => a.published_at.cmp(&b.published_at),
                "estimated_minutes" => a.estimated_minutes.cmp(&b.estimated_minutes),
                _ => a.title.to_lowercase().cmp(&b.title.to_lowercase()),
            }
            .then_with(|| a.id.cmp(&b.id));
            if desc { ord.reverse() } else { ord }
        });
        Ok(out)
    }
}

/// Loads course summaries from the database: every course, or only published ones.
pub async fn load_summaries<C: ConnectionTrait>(
    conn: &C,
    published_only: bool,
) -> Result<Vec<CourseSummary>, ServerError> {
    let mut query = course::Entity::find();
    if published_only {
        query = query.filter(course::Column::Status.eq(CourseStatus::Published.as_str()));
    }
    summarise(conn, query.all(conn).await?).await
}

/// Loads the summaries of the courses `ids`, whatever their status.
pub async fn load_courses<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> Result<Vec<CourseSummary>, ServerError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let courses = course::Entity::find()
        .filter(course::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    summarise(conn, courses).await
}

async fn summarise<C: ConnectionTrait>(
    conn: &C,
    courses: Vec<course::Model>,
) -> Result<Vec<CourseSummary>, ServerError> {
    let sections = counts(conn, section::Entity, section::Column::CourseId).await?;
    let items = counts(conn, content::Entity, content::Column::CourseId).await?;
    courses
        .iter()
        .map(|c| {
            summary_of(
                c,
                sections.get(&c.id).copied().unwrap_or(0),
                items.get(&c.id).copied().unwrap_or(0),
            )
        })
        .collect()
}

async fn counts<C, E>(
    conn: &C,
    _: E,
    course_col: E::Column,
) -> Result<HashMap<Uuid, u32>, ServerError>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    let rows: Vec<(Uuid, i64)> = E::find()
        .select_only()
        .column(course_col)
        .column_as(Expr::col(course_col).count(), "n")
        .group_by(course_col)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u32::try_from(n).unwrap_or(u32::MAX)))
        .collect())
}

/// A cached copy: when it was loaded, the generation it belongs to, the courses.
type Cached = (Instant, u64, Arc<Vec<CourseSummary>>);

/// Published courses, cached for a few seconds.
pub struct Catalog {
    ttl: Duration,
    generation: AtomicU64,
    cached: RwLock<Option<Cached>>,
}

impl Catalog {
    /// A catalog that keeps its copy for `ttl` (zero: always read the database).
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            generation: AtomicU64::new(0),
            cached: RwLock::new(None),
        }
    }

    /// The published courses.
    pub async fn published<C: ConnectionTrait>(
        &self,
        conn: &C,
    ) -> Result<Arc<Vec<CourseSummary>>, ServerError> {
        let generation = self.generation.load(Ordering::Acquire);
        if let Ok(guard) = self.cached.read()
            && let Some((at, g, courses)) = guard.as_ref()
            && *g == generation
            && at.elapsed() < self.ttl
        {
            return Ok(courses.clone());
        }
        let fresh = Arc::new(load_summaries(conn, true).await?);
        // Only keep it if no change happened while it loaded.
        if !self.ttl.is_zero()
            && self.generation.load(Ordering::Acquire) == generation
            && let Ok(mut guard) = self.cached.write()
        {
            *guard = Some((Instant::now(), generation, fresh.clone()));
        }
        Ok(fresh)
    }

    /// Drops the cached copy (call after any content change).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut guard) = self.cached.write() {
            *guard = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(title: &str, level: CourseLevel, tags: &[&str], minutes: u32) -> CourseSummary {
        CourseSummary {
            id: title.into(),
            slug: title.to_lowercase(),
            title: title.into(),
            summary: format!("About {title}"),
            level,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            estimated_minutes: minutes,
            status: CourseStatus::Published,
            published_at: None,
            sections: 1,
            items: 1,
        }
    }

    #[test]
    fn filters_search_and_sort() {
        let all = vec![
            course("Incoterms 2020", CourseLevel::Beginner, &["incoterms"], 90),
            course(
                "Letters of credit",
                CourseLevel::Intermediate,
                &["Payments"],
                120,
            ),
            course("HS codes", CourseLevel::Beginner, &["customs"], 60),
        ];
        let f = CourseFilter {
            level: Some(CourseLevel::Beginner),
            sort: Some("-estimated_minutes".into()),
            ..Default::default()
        };
        let titles: Vec<_> = f
            .apply(&all)
            .expect("ok")
            .into_iter()
            .map(|c| c.title.clone())
            .collect();
        assert_eq!(titles, ["Incoterms 2020", "HS codes"]);
        let f = CourseFilter {
            tag: Some("payments".into()),
            ..Default::default()
        };
        assert_eq!(f.apply(&all).expect("ok").len(), 1);
        let f = CourseFilter {
            q: Some("about CODES".into()),
            ..Default::default()
        };
        assert_eq!(f.apply(&all).expect("ok")[0].title, "HS codes");
        let f = CourseFilter {
            sort: Some("price".into()),
            ..Default::default()
        };
        assert!(f.apply(&all).is_err());
    }
}
