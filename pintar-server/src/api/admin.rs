//! `/admin/users`, `/admin/audit-logs` and `/admin/emails` (admins only, signed in).

use crate::accounts::admin::{self, UserFilter};
use crate::audit::{self, AuditFilter};
use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::http::pagination::{PageParams, Paged};
use crate::mail::outbox::{self, EmailFilter};
use crate::policy::Actor;
use crate::setup::state::AppState;
use crate::{accounts, setup::state::Database};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use pintar_core::api::{AdminUserUpdate, AuditEntry, OutboxEmail, Page, Problem, UserProfile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes of this module (admins only).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(update_user_admin))
        .routes(routes!(audit_logs))
        .routes(routes!(emails))
}

/// Accounts, newest first, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/users", tag = "admin",
    params(UserFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<UserProfile>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn list_users(
    State(ctx): State<accounts::Context>,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<UserFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<UserProfile>, ServerError> {
    let page = admin::list_users(&ctx, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
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
async fn update_user_admin(
    State(ctx): State<accounts::Context>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(req): JsonBody<AdminUserUpdate>,
) -> Result<Json<UserProfile>, ServerError> {
    admin::update_user(&ctx, &actor, &id, req).await.map(Json)
}

/// The audit trail, newest first, with filters and paging.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/audit-logs", tag = "admin",
    params(AuditFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<AuditEntry>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn audit_logs(
    State(Database(db)): State<Database>,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<AuditFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<AuditEntry>, ServerError> {
    let page = audit::search(&db, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
}

/// The email outbox, newest first, with delivery status, attempts and the last error.
///
/// Admins only.
#[utoipa::path(get, path = "/admin/emails", tag = "admin",
    params(EmailFilter, PageParams), security(("bearer" = [])),
    responses((status = 200, body = Page<OutboxEmail>),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn emails(
    State(Database(db)): State<Database>,
    actor: Actor,
    uri: Uri,
    Query(filter): Query<EmailFilter>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<OutboxEmail>, ServerError> {
    let page = outbox::list(&db, &actor, filter, paging).await?;
    Ok(Paged(page, uri))
}
