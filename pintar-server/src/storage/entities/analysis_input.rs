//! The upload of a queued analysis, kept until a worker has analysed it.

use sea_orm::entity::prelude::*;

/// A row of `analysis_inputs`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_inputs")]
pub struct Model {
    /// The run it belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: Uuid,
    /// The bytes as uploaded.
    #[sea_orm(column_type = "Blob")]
    pub data: Vec<u8>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
