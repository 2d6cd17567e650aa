//! A learner's progress on one content item.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `content_progress`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "content_progress")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The learner.
    pub user_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// The item.
    pub content_id: Uuid,
    /// Completed (UTC).
    pub completed_at: Option<DateTimeUtc>,
    /// Last opened (UTC).
    pub last_accessed_at: DateTimeUtc,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
