//! A course.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `courses`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// URL name, unique.
    #[sea_orm(unique)]
    pub slug: String,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// `beginner`, `intermediate` or `advanced`.
    pub level: String,
    /// JSON array of strings.
    pub tags: Json,
    /// Time to study it all.
    pub estimated_minutes: i32,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// The admin who created it.
    pub created_by: Option<Uuid>,
    /// Created (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
    /// First published (UTC).
    pub published_at: Option<DateTimeUtc>,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
