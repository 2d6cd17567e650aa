//! The report of a succeeded analysis, as the JSON text the engine's report serialises to.

use sea_orm::entity::prelude::*;

/// A row of `analysis_reports`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_reports")]
pub struct Model {
    /// The run it belongs to.
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: Uuid,
    /// `AnalysisReport` as JSON.
    #[sea_orm(column_type = "Text")]
    pub body: String,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
