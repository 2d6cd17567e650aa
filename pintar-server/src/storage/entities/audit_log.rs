//! The append-only audit trail.

use sea_orm::entity::prelude::*;

/// A row of `audit_log`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who did it (`None` for anonymous actions such as registration, or the system).
    pub actor_id: Option<Uuid>,
    /// Client address.
    pub actor_ip: Option<String>,
    /// The request that did it.
    pub request_id: Option<String>,
    /// `insert`, `update` or `delete`.
    pub operation: String,
    /// Table changed.
    pub table_name: String,
    /// Id of the changed row.
    pub record_id: String,
    /// Row before (updates and deletes), secrets removed.
    pub old_values: Option<Json>,
    /// Row after (inserts and updates), secrets removed.
    pub new_values: Option<Json>,
    /// When (UTC).
    pub created_at: DateTimeUtc,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
