//! A stored analysis: its options, life (queued → running → succeeded/failed) and report.

use sea_orm::entity::prelude::*;

/// A row of `analysis_runs`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analysis_runs")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner (null once the account is deleted).
    pub user_id: Option<Uuid>,
    /// File name or `body`.
    pub source: String,
    /// The engine options (JSON of `AnalysisOptions`).
    pub options: Json,
    /// The report's summary once succeeded, else JSON null.
    pub summary: Json,
    /// The whole report once succeeded.
    pub report: Option<Json>,
    /// `queued`, `running`, `succeeded` or `failed`.
    pub status: String,
    /// Engine time in milliseconds (0 until done).
    pub duration_ms: i64,
    /// Accepted (UTC).
    pub created_at: DateTimeUtc,
    /// `csv` or `json`.
    pub input_format: String,
    /// Input size in bytes.
    pub input_bytes: i64,
    /// Why it failed (a problem document).
    pub error: Option<Json>,
    /// Times a worker claimed it.
    pub attempts: i32,
    /// The worker holding it.
    pub claimed_by: Option<String>,
    /// The claim lapses at this time unless renewed (a dead worker's run is taken again).
    pub lease_until: Option<DateTimeUtc>,
    /// Analysis began.
    pub started_at: Option<DateTimeUtc>,
    /// Analysis finished.
    pub finished_at: Option<DateTimeUtc>,
    /// CPU time of the analysis in milliseconds, over every thread (0 until done).
    pub cpu_ms: i64,
    /// Bytes it keeps stored: its input while queued, its report once done.
    pub stored_bytes: i64,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
