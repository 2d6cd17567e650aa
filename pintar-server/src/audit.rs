//! The audit trail: written always inside the transaction of the change it records, and
//! read by admins ([`search`]). Append-only: nothing here updates or deletes an entry.

use crate::error::{ServerError, too_long};
use crate::paging::{PageParams, fetch_page};
use crate::policy::{self, Actor, Origin};
use crate::storage::entities::audit_log;
use chrono::{DateTime, Utc};
use pintar_core::api::{AuditEntry, FieldError, Page};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use serde::Deserialize;
use uuid::Uuid;

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A row was added.
    Insert,
    /// A row was changed.
    Update,
    /// A row was removed.
    Delete,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Insert => "insert",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened.
    pub op: Action,
    /// Table changed.
    pub table: &'static str,
    /// Id of the changed row.
    pub record_id: Uuid,
    /// Row before, secrets removed.
    pub old: Option<serde_json::Value>,
    /// Row after, secrets removed.
    pub new: Option<serde_json::Value>,
}

/// Appends one audit row through `conn` (pass the change's transaction).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    change: Change,
) -> Result<(), DbErr> {
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor),
        actor_ip: Set(meta.ip.clone()),
        request_id: Set(meta.request_id.clone()),
        operation: Set(change.op.as_str().into()),
        table_name: Set(change.table.into()),
        record_id: Set(change.record_id.to_string()),
        old_values: Set(change.old),
        new_values: Set(change.new),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}

/// A row that goes to the audit log as it is (it holds no secrets).
pub trait Audited: serde::Serialize {
    /// Its table.
    const TABLE: &'static str;
    /// Its id.
    fn record_id(&self) -> Uuid;
}

macro_rules! audited {
    ($($module:ident => $table:literal),+ $(,)?) => {
        $(impl Audited for crate::storage::entities::$module::Model {
            const TABLE: &'static str = $table;
            fn record_id(&self) -> Uuid {
                self.id
            }
        })+
    };
}

audited! {
    course => "courses",
    section => "sections",
    content => "contents",
    enrollment => "enrollments",
    content_progress => "content_progress",
    quiz_attempt => "quiz_attempts",
}

fn json_of<M: Audited>(row: &M) -> Option<serde_json::Value> {
    serde_json::to_value(row).ok()
}

/// Records that `row` was inserted.
pub async fn inserted<C: ConnectionTrait, M: Audited>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    row: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Action::Insert,
        table: M::TABLE,
        record_id: row.record_id(),
        old: None,
        new: json_of(row),
    };
    record(conn, meta, actor, change).await
}

/// Inserts `row` and records it: the audited way to add a row.
pub async fn insert<C, A>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    row: A,
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited,
{
    let saved = row.insert(conn).await?;
    inserted(conn, meta, actor, &saved).await?;
    Ok(saved)
}

/// Saves the changes in `row` to the row `before` and records both versions: the audited
/// way to change a row.
pub async fn update<C, A>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    before: &<A::Entity as EntityTrait>::Model,
    row: A,
) -> Result<<A::Entity as EntityTrait>::Model, DbErr>
where
    C: ConnectionTrait,
    A: ActiveModelTrait + ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Audited,
{
    let saved = row.update(conn).await?;
    updated(conn, meta, actor, before, &saved).await?;
    Ok(saved)
}

/// Records that `before` became `after`.
async fn updated<C: ConnectionTrait, M: Audited>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    before: &M,
    after: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Action::Update,
        table: M::TABLE,
        record_id: after.record_id(),
        old: json_of(before),
        new: json_of(after),
    };
    record(conn, meta, actor, change).await
}

/// Records that `row` was deleted.
pub async fn deleted<C: ConnectionTrait, M: Audited>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    row: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Action::Delete,
        table: M::TABLE,
        record_id: row.record_id(),
        old: json_of(row),
        new: None,
    };
    record(conn, meta, actor, change).await
}

/// Filters of the audit trail.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Only changes to this table (`users`, `courses`, …).
    #[param(max_length = 64)]
    pub table: Option<String>,
    /// Only changes to this row.
    #[param(max_length = 64)]
    pub record_id: Option<String>,
    /// Only changes made by this user.
    pub actor_id: Option<Uuid>,
    /// `insert`, `update` or `delete`.
    #[param(pattern = r"^(insert|update|delete)$")]
    pub operation: Option<String>,
    /// From this time on (RFC 3339).
    pub since: Option<DateTime<Utc>>,
    /// Before this time (RFC 3339).
    pub until: Option<DateTime<Utc>>,
}

fn entry(a: &audit_log::Model) -> Result<AuditEntry, ServerError> {
    Ok(AuditEntry {
        id: a.id.to_string(),
        actor_id: a.actor_id.map(|i| i.to_string()),
        actor_ip: a.actor_ip.clone(),
        request_id: a.request_id.clone(),
        operation: a.operation.clone(),
        table: a.table_name.clone(),
        record_id: a.record_id.clone(),
        old_values: a.old_values.clone(),
        new_values: a.new_values.clone(),
        created_at: a.created_at,
    })
}

/// The emails of the accounts that made `entries`, by account id (for a page of entries).
pub async fn actor_emails(
    db: &DatabaseConnection,
    entries: &[AuditEntry],
) -> Result<std::collections::HashMap<String, String>, ServerError> {
    use crate::storage::entities::user;
    let ids: Vec<Uuid> = entries
        .iter()
        .filter_map(|e| e.actor_id.as_deref())
        .filter_map(|a| Uuid::parse_str(a).ok())
        .collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.email))
        .collect())
}

/// The audit trail, newest first, filtered and paged (admins).
pub async fn search(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: AuditFilter,
    paging: PageParams,
) -> Result<Page<AuditEntry>, ServerError> {
    actor.require(policy::Operation::ReadAudit)?;
    if let Some(op) = &filter.operation
        && !["insert", "update", "delete"].contains(&op.as_str())
    {
        return Err(ServerError::Validation(vec![FieldError::new(
            "operation",
            "must be insert, update or delete",
        )]));
    }
    too_long("table", filter.table.as_deref(), 64)?;
    too_long("record_id", filter.record_id.as_deref(), 64)?;
    let mut query = audit_log::Entity::find();
    if let Some(t) = filter.table {
        query = query.filter(audit_log::Column::TableName.eq(t));
    }
    if let Some(r) = filter.record_id {
        query = query.filter(audit_log::Column::RecordId.eq(r));
    }
    if let Some(a) = filter.actor_id {
        query = query.filter(audit_log::Column::ActorId.eq(a));
    }
    if let Some(o) = filter.operation {
        query = query.filter(audit_log::Column::Operation.eq(o));
    }
    if let Some(s) = filter.since {
        query = query.filter(audit_log::Column::CreatedAt.gte(s));
    }
    if let Some(u) = filter.until {
        query = query.filter(audit_log::Column::CreatedAt.lt(u));
    }
    let query = query
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id);
    fetch_page(db, query, paging, entry).await
}
