//! A section of a course.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `sections`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "sections")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Its course.
    pub course_id: Uuid,
    /// Title.
    pub title: String,
    /// Order within the course, from 0.
    pub position: i32,
    /// Created (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
