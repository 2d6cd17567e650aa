//! `/api/v1/users/me`: the caller's own account.

use crate::accounts::{self, account, privacy};
use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pintar_core::api::{DeleteAccountRequest, Problem, UpdateProfileRequest, UserProfile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me, update_me, delete_me))
}

type Ctx = State<accounts::Context>;

/// The caller's account.
///
/// Any signed-in role, or any API key (its owner).
#[utoipa::path(get, path = "/users/me", tag = "auth", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = UserProfile),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn me(State(ctx): Ctx, actor: Actor) -> Result<Json<UserProfile>, ServerError> {
    account::profile(&ctx, &actor).await.map(Json)
}

/// Change the caller's display name or password. A new password needs the current one and
/// ends every other session at once.
///
/// Any signed-in role; not with an API key.
#[utoipa::path(patch, path = "/users/me", tag = "auth", request_body = UpdateProfileRequest, security(("bearer" = [])),
    responses((status = 200, body = UserProfile),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "an API key"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn update_me(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<UpdateProfileRequest>,
) -> Result<Json<UserProfile>, ServerError> {
    account::update_profile(&ctx, &actor, req).await.map(Json)
}

/// Delete the caller's account and its data for good (see the README: certificates go,
/// the audit trail keeps its rows without the person).
///
/// Any signed-in role; not with an API key. Needs the current password; the last active
/// admin cannot go.
#[utoipa::path(delete, path = "/users/me", tag = "auth", request_body = DeleteAccountRequest, security(("bearer" = [])),
    responses((status = 204, description = "deleted"),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 409, body = Problem, description = "the only active admin"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "the wrong password"),
        (status = 429, body = Problem)))]
async fn delete_me(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<DeleteAccountRequest>,
) -> Result<StatusCode, ServerError> {
    privacy::delete(&ctx, &actor, req).await?;
    Ok(StatusCode::NO_CONTENT)
}
