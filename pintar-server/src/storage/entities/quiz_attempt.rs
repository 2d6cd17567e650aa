//! One graded attempt at a quiz.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `quiz_attempts`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "quiz_attempts")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The learner.
    pub user_id: Uuid,
    /// The quiz.
    pub content_id: Uuid,
    /// Chosen indices per question (JSON).
    pub answers: Json,
    /// Percent right.
    pub score: f64,
    /// Whether it reached the pass mark.
    pub passed: bool,
    /// Submitted (UTC).
    pub created_at: DateTimeUtc,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
