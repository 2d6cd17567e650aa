//! A content item: lesson, video or quiz.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `contents`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "contents")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its section.
    pub section_id: Uuid,
    /// Its course (denormalised for progress queries).
    pub course_id: Uuid,
    /// `lesson`, `video` or `quiz`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Markdown.
    pub body: Option<String>,
    /// Video link.
    pub video_url: Option<String>,
    /// Quiz questions with answers (JSON array of `Question`).
    pub quiz: Option<Json>,
    /// Percent needed to pass a quiz.
    pub pass_mark: Option<i32>,
    /// Attempts allowed at a quiz.
    pub max_attempts: Option<i32>,
    /// Order within the section, from 0.
    pub position: i32,
    /// Time to study it.
    pub estimated_minutes: i32,
    /// Created (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
