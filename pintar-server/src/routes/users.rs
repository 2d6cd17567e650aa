//! `/api/v1/users/me`: the caller's own account.

use crate::accounts::users;
use crate::audit::RequestMeta;
use crate::auth::AuthUser;
use crate::body::JsonBody;
use crate::error::ServerError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use pintar_core::api::{Problem, UpdateProfileRequest, UserProfile};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me, update_me))
}

/// The caller's account.
///
/// Any signed-in role, or any API key (its owner).
#[utoipa::path(get, path = "/users/me", tag = "auth", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = UserProfile),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn me(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<UserProfile>, ServerError> {
    users::profile(&users::load(&state.db, caller.id).await?).map(Json)
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
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    JsonBody(req): JsonBody<UpdateProfileRequest>,
) -> Result<Json<UserProfile>, ServerError> {
    let new_password = req.password.is_some();
    let updated = users::update_profile(&state.db, &meta, &caller, req).await?;
    if new_password {
        // Other sessions ended: this instance must not serve them from its cache.
        state.authn.forget();
    }
    users::profile(&updated).map(Json)
}
