//! Becoming a developer and managing API keys: `POST /auth/upgrade-role`,
//! `POST /developer/key`, `GET /developer/keys`, `DELETE /developer/keys/{id}`. All need a
//! signed-in session: API keys cannot manage keys (see `crate::policy`).
//!
//! Emails report these events with the key's visible prefix only: the secret is shown once,
//! in the response, and never leaves the server again (not even by email).

use crate::accounts::{self, account, keys};
use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use pintar_core::api::{
    ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, Problem, Role, UpgradeResponse,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Ctx = State<accounts::Context>;

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
#[utoipa::path(post, path = "/auth/upgrade-role", tag = "keys", security(("bearer" = [])),
    responses((status = 201, body = UpgradeResponse),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "an API key"),
        (status = 409, body = Problem, description = "already a developer or admin"),
        (status = 429, body = Problem)))]
async fn upgrade(
    State(ctx): Ctx,
    actor: Actor,
) -> Result<(StatusCode, Json<UpgradeResponse>), ServerError> {
    let api_key = account::upgrade(&ctx, &actor).await?;
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
#[utoipa::path(post, path = "/developer/key", tag = "keys", request_body = CreateApiKeyRequest, security(("bearer" = [])),
    responses((status = 201, body = ApiKeyCreated),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "a learner"),
        (status = 409, body = Problem, description = "the account already holds the most live keys allowed (20)"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn create_key(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ServerError> {
    let created = keys::create(&ctx, &actor, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The caller's API keys (never the secrets).
///
/// Developers and admins, signed in; not with an API key.
#[utoipa::path(get, path = "/developer/keys", tag = "keys", security(("bearer" = [])),
    responses((status = 200, body = Vec<ApiKeyInfo>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 429, body = Problem)))]
async fn list_keys(State(ctx): Ctx, actor: Actor) -> Result<Json<Vec<ApiKeyInfo>>, ServerError> {
    keys::list(&ctx, &actor).await.map(Json)
}

/// Revoke one of the caller's API keys (idempotent). It stops working at once.
///
/// Developers and admins, signed in; not with an API key.
#[utoipa::path(delete, path = "/developer/keys/{id}", tag = "keys",
    params(("id" = String, Path, description = "key id")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 429, body = Problem)))]
async fn revoke_key(
    State(ctx): Ctx,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    keys::revoke(&ctx, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
