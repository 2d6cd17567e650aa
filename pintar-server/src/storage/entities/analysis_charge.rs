//! The CPU time an account's analysis cost, kept apart from the run so that deleting a run
//! does not give its time back; rows older than an hour are pruned as new ones arrive.

use sea_orm::entity::prelude::*;

/// A row of `analysis_charges`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_charges")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The account charged.
    pub user_id: Uuid,
    /// When the analysis finished (UTC).
    pub charged_at: DateTimeUtc,
    /// CPU milliseconds, over every thread.
    pub cpu_ms: i64,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
