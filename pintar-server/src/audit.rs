//! Writing the audit trail, always inside the transaction of the change it records.

use crate::storage::entities::audit_log;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use std::convert::Infallible;
use std::net::SocketAddr;
use uuid::Uuid;

/// Who is asking, from where: the client address and the request id.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    /// Client IP (socket address; trusted proxies come with rate limiting).
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
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip().to_string()),
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
