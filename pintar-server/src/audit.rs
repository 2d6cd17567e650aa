//! Writing the audit trail, always inside the transaction of the change it records.

use crate::client_ip::ClientIp;
use crate::storage::entities::audit_log;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    Set,
};
use std::convert::Infallible;
use std::net::SocketAddr;
use uuid::Uuid;

/// Who is asking, from where: the client address and the request id.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client IP (the socket peer, or the client behind a trusted proxy).
    pub ip: Option<String>,
    /// The `X-Request-Id`.
    pub request_id: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self {
            ip: parts
                .extensions
                .get::<ClientIp>()
                .map(|c| c.0.to_string())
                .or_else(|| {
                    parts
                        .extensions
                        .get::<ConnectInfo<SocketAddr>>()
                        .map(|c| c.0.ip().to_string())
                }),
            request_id: parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
        })
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// A row was added.
    Insert,
    /// A row was changed.
    Update,
    /// A row was removed.
    Delete,
}

impl Operation {
    fn as_str(self) -> &'static str {
        match self {
            Operation::Insert => "insert",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened.
    pub op: Operation,
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
    meta: &RequestMeta,
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
    meta: &RequestMeta,
    actor: Option<Uuid>,
    row: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Operation::Insert,
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
    meta: &RequestMeta,
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
    meta: &RequestMeta,
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
    meta: &RequestMeta,
    actor: Option<Uuid>,
    before: &M,
    after: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Operation::Update,
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
    meta: &RequestMeta,
    actor: Option<Uuid>,
    row: &M,
) -> Result<(), DbErr> {
    let change = Change {
        op: Operation::Delete,
        table: M::TABLE,
        record_id: row.record_id(),
        old: json_of(row),
        new: None,
    };
    record(conn, meta, actor, change).await
}
