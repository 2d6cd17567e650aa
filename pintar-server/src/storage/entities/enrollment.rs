//! A learner's enrolment in a course.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// A row of `enrollments`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize)]
#[sea_orm(table_name = "enrollments")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The learner.
    pub user_id: Uuid,
    /// The course.
    pub course_id: Uuid,
    /// Enrolled (UTC).
    pub enrolled_at: DateTimeUtc,
    /// Every item completed (UTC).
    pub completed_at: Option<DateTimeUtc>,
    /// Certificate code, set on completion.
    pub certificate_code: Option<String>,
}

/// Navigated by explicit queries only.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
