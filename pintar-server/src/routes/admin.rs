//! `/admin/users`, `/admin/audit-logs` and `/admin/emails`.
//!
//! Who may call: admins, signed in (the access rules refuse everyone else, keys included,
//! before any handler runs).

use crate::accounts::users::{self, profile};
use crate::audit::RequestMeta;
use crate::auth::AuthUser;
use crate::body::JsonBody;
use crate::error::{FieldError, ServerError};
use crate::pagination::{PageParams, Paged};
use crate::state::AppState;
use crate::storage::entities::{audit_log, email_outbox, user};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use chrono::{DateTime, Utc};
use pintar_core::api::{
    AdminUserUpdate, AuditEntry, OUTBOX_STATUSES, OutboxEmail, Page, Problem, Role, UserProfile,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Select,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module (admins only).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user_admin))
        .routes(routes!(audit_logs))
        .routes(routes!(emails))
}

/// Filters of the user list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Text in the email or display name (case-insensitive), at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or disabled (false) accounts.
    pub active: Option<bool>,
}

/// A 422 when a filter's text is longer than `max` characters.
fn bounded(field: &str, value: Option<&String>, max: usize) -> Result<(), ServerError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(ServerError::Validation(vec![FieldError::new(
            field,
            format!("must be at most {max} characters"),
        )]));
    }
    Ok(())
}

/// A `LIKE` pattern matching `text` anywhere, with `%`, `_` and `\` taken literally.
fn contains(text: &str) -> LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

async fn page_of<E, T>(
    state: &AppState,
    query: Select<E>,
    paging: PageParams,
    view: impl Fn(&E::Model) -> Result<T, ServerError>,
) -> Result<Page<T>, ServerError>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let (page, per_page) = paging.resolve()?;
    let paginator = query.paginate(&state.db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items: rows.iter().map(view).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    })
}

/// Accounts, newest first, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/users", tag = "admin",
    params(UserFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<UserProfile>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    _caller: AuthUser,
    uri: Uri,
    Query(filter): Query<UserFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<UserProfile>, ServerError> {
    bounded("q", filter.q.as_ref(), 200)?;
    let mut query = user::Entity::find();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(Expr::col(user::Column::Email).like(contains(q)))
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName))).like(contains(q)),
                ),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::IsActive.eq(active));
    }
    let query = query
        .order_by_desc(user::Column::CreatedAt)
        .order_by_desc(user::Column::Id);
    Ok(Paged(page_of(&state, query, paging, profile).await?, uri))
}

/// Change an account's role or enable/disable it. The user is emailed about a role change;
/// a demotion to learner revokes their API keys; disabling ends their sessions and stops
/// their keys. Every change takes effect on the account's next request. Admins cannot
/// change their own account here (so the last admin cannot lock everyone out by mistake).
///
/// Admins only, signed in.
#[utoipa::path(patch, path = "/admin/users/{id}", tag = "admin", request_body = AdminUserUpdate,
    params(("id" = String, Path, description = "user id")),
    security(("bearer" = [])),
    responses((status = 200, body = UserProfile),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem, description = "own account"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn update_user_admin(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<AdminUserUpdate>,
) -> Result<Json<UserProfile>, ServerError> {
    let id = Uuid::parse_str(&id).map_err(|_| ServerError::NotFound("user".into()))?;
    let change =
        users::admin_update(&state.db, &meta, &caller, id, req, &state.mail.policy).await?;
    state.mail.wake();
    if change.revoked {
        state.authn.forget();
    }
    users::profile(&change.user).map(Json)
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

/// The audit trail, newest first, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/audit-logs", tag = "admin",
    params(AuditFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn audit_logs(
    State(state): State<AppState>,
    _caller: AuthUser,
    uri: Uri,
    Query(filter): Query<AuditFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<AuditEntry>, ServerError> {
    if let Some(op) = &filter.operation
        && !["insert", "update", "delete"].contains(&op.as_str())
    {
        return Err(ServerError::Validation(vec![FieldError {
            field: "operation".into(),
            message: "must be insert, update or delete".into(),
        }]));
    }
    bounded("table", filter.table.as_ref(), 64)?;
    bounded("record_id", filter.record_id.as_ref(), 64)?;
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
    Ok(Paged(page_of(&state, query, paging, entry).await?, uri))
}

/// Filters of the email outbox.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailFilter {
    /// Only emails with this status: `pending`, `sending`, `sent`, `failed` or `suppressed`.
    #[param(pattern = r"^(pending|sending|sent|failed|suppressed)$")]
    pub status: Option<String>,
}

fn outbox_email(e: &email_outbox::Model) -> Result<OutboxEmail, ServerError> {
    Ok(OutboxEmail {
        id: e.id.to_string(),
        kind: e.kind.clone(),
        to: e.to_address.clone(),
        subject: e.subject.clone(),
        locale: e.locale.clone(),
        status: e.status.clone(),
        attempts: u32::try_from(e.attempts).unwrap_or_default(),
        last_error: e.last_error.clone(),
        created_at: e.created_at,
        next_attempt_at: e.next_attempt_at,
        sent_at: e.sent_at,
    })
}

/// The email outbox, newest first, with delivery status, attempts and the last error.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/emails", tag = "admin",
    params(EmailFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<OutboxEmail>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn emails(
    State(state): State<AppState>,
    _caller: AuthUser,
    uri: Uri,
    Query(filter): Query<EmailFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<OutboxEmail>, ServerError> {
    let mut query = email_outbox::Entity::find();
    if let Some(status) = filter.status {
        if !OUTBOX_STATUSES.contains(&status.as_str()) {
            return Err(ServerError::Validation(vec![FieldError::new(
                "status",
                format!("must be one of {}", OUTBOX_STATUSES.join(", ")),
            )]));
        }
        query = query.filter(email_outbox::Column::Status.eq(status));
    }
    let query = query
        .order_by_desc(email_outbox::Column::CreatedAt)
        .order_by_desc(email_outbox::Column::Id);
    Ok(Paged(
        page_of(&state, query, paging, outbox_email).await?,
        uri,
    ))
}
