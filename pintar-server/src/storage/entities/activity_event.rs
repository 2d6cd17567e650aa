//! One learning event (enrolled, content opened or completed, quiz attempted, course
//! completed): the record the platform analytics aggregate.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `activity_events`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "activity_events")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The learner (cleared when the account is deleted).
    pub user_id: Option<Uuid>,
    /// What happened (see `learning::activity::Kind`).
    pub kind: String,
    /// The course.
    pub course_id: Option<Uuid>,
    /// The item, for content and quiz events.
    pub content_id: Option<Uuid>,
    /// Details, e.g. a quiz attempt's `score` and `passed`.
    pub metadata: Json,
    /// When (UTC).
    pub created_at: DateTimeUtc,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
