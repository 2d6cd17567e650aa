//! Becoming a developer and managing API keys: `POST /auth/upgrade-role`,
//! `POST /developer/key`, `GET /developer/keys`, `DELETE /developer/keys/{id}`. All need a
//! signed-in session: API keys cannot manage keys (see `auth::access`).
//!
//! Emails report these events with the key's visible prefix only: the secret is shown once,
//! in the response, and never leaves the server again (not even by email).

use crate::accounts::{keys, users};
use crate::audit::RequestMeta;
use crate::auth::AuthUser;
use crate::body::JsonBody;
use crate::error::ServerError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pintar_core::api::{
    ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, Problem, Role, UpgradeResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upgrade))
        .routes(routes!(create_key))
        .routes(routes!(list_keys))
        .routes(routes!(revoke_key))
}

/// Become a developer: returns the first API key, shown once, and emails the user.
///
/// Learners (`public`) signed in; others get 409; not with an API key.
#[utoipa::path(post, path = "/auth/upgrade-role", tag = "developer", security(("bearer" = [])),
    responses((status = 201, body = UpgradeResponse),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "an API key"),
        (status = 409, body = Problem, description = "already a developer or admin"),
        (status = 429, body = Problem)))]
pub(crate) async fn upgrade(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
) -> Result<(StatusCode, Json<UpgradeResponse>), ServerError> {
    let api_key = users::upgrade(&state.db, &meta, &caller, &state.mail.policy).await?;
    state.mail.wake();
    // The role is read per request: drop the cached one.
    state.authn.forget();
    Ok((
        StatusCode::CREATED,
        Json(UpgradeResponse {
            role: Role::Developer,
            api_key,
        }),
    ))
}

/// Create an API key (shown once) and email the owner.
///
/// Developers and admins, signed in; not with an API key.
#[utoipa::path(post, path = "/developer/key", tag = "developer", request_body = CreateApiKeyRequest, security(("bearer" = [])),
    responses((status = 201, body = ApiKeyCreated),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "a learner"),
        (status = 409, body = Problem, description = "the account already holds the most live keys allowed (20)"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn create_key(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    JsonBody(req): JsonBody<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ServerError> {
    keys::validate(&req)?;
    let txn = crate::storage::write(&state.db).await?;
    // The role as stored now, in the transaction: a demotion a moment ago wins.
    let owner = users::load(&txn, caller.id).await?;
    if users::role_of(&owner)? == Role::Public {
        return Err(ServerError::Forbidden(
            "this needs the role developer or admin; you are public".into(),
        ));
    }
    let policy = &state.mail.policy;
    let created =
        keys::insert(&txn, &meta, &owner, &req, keys::Occasion::Requested, policy).await?;
    txn.commit().await?;
    state.mail.wake();
    Ok((StatusCode::CREATED, Json(created)))
}

/// The caller's API keys (never the secrets).
///
/// Developers and admins, signed in; not with an API key.
#[utoipa::path(get, path = "/developer/keys", tag = "developer", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKeyInfo>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<ApiKeyInfo>>, ServerError> {
    keys::list(&state.db, caller.id).await.map(Json)
}

/// Revoke one of the caller's API keys (idempotent). It stops working at once.
///
/// Developers and admins, signed in; not with an API key.
#[utoipa::path(delete, path = "/developer/keys/{id}", tag = "developer",
    params(("id" = String, Path, description = "key id")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 429, body = Problem)))]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    let id = Uuid::parse_str(&id).map_err(|_| ServerError::NotFound("API key".into()))?;
    let txn = crate::storage::write(&state.db).await?;
    let revoked = keys::revoke(&txn, &meta, caller.id, id).await?;
    txn.commit().await?;
    if revoked {
        state.authn.forget();
    }
    Ok(StatusCode::NO_CONTENT)
}
