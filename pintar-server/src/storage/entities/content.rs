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

/// Pass mark of a quiz stored without one.
pub const DEFAULT_PASS_MARK: u32 = 70;

impl Model {
    /// Lesson, video or quiz (an unknown stored kind reads as a lesson).
    pub fn kind(&self) -> pintar_core::api::ContentKind {
        self.kind
            .parse()
            .unwrap_or(pintar_core::api::ContentKind::Lesson)
    }

    /// Whether this is a quiz.
    pub fn is_quiz(&self) -> bool {
        self.kind() == pintar_core::api::ContentKind::Quiz
    }

    /// Time to study it.
    pub fn minutes(&self) -> u32 {
        self.estimated_minutes.max(0) as u32
    }

    /// Percent needed to pass (quizzes).
    pub fn pass_mark(&self) -> u32 {
        self.pass_mark
            .map_or(DEFAULT_PASS_MARK, |m| m.max(0) as u32)
    }

    /// Attempts allowed; unlimited when `None` (quizzes).
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts.map(|m| m.max(0) as u32)
    }
}
