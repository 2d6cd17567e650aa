//! `/api/v1/auth/*`: register, token (sign-in), refresh, logout.

use crate::accounts::{self, account, signin};
use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::{Form, Json};
use pintar_core::api::{
    FieldError, LoginRequest, LogoutRequest, Problem, RefreshRequest, RegisterRequest,
    TokenResponse, UserProfile,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Ctx = State<accounts::Context>;

/// Routes of this module (anyone may call them).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(token))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

/// Create a learner account.
///
/// Anyone.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = UserProfile),
        (status = 400, body = Problem, description = "malformed JSON"),
        (status = 401, body = Problem, description = "malformed or invalid credentials sent"),
        (status = 409, body = Problem, description = "email taken"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "invalid fields"),
        (status = 429, body = Problem)))]
async fn register(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<RegisterRequest>,
) -> Result<(StatusCode, Json<UserProfile>), ServerError> {
    let created = account::register(&ctx, &actor, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The OAuth2 password grant as a form.
#[derive(Deserialize)]
struct PasswordGrant {
    grant_type: Option<String>,
    username: String,
    password: String,
}

/// Login credentials from a JSON body or an OAuth2 form.
struct Credentials(LoginRequest);

impl FromRequest<AppState> for Credentials {
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let Form(grant) = Form::<PasswordGrant>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            if grant.grant_type.as_deref().is_some_and(|g| g != "password") {
                return Err(ServerError::Validation(vec![FieldError::new(
                    "grant_type",
                    "only the password grant is supported here",
                )])
                .into_response());
            }
            Ok(Self(LoginRequest {
                email: grant.username,
                password: grant.password,
            }))
        } else {
            let JsonBody(login) = JsonBody::<LoginRequest>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            Ok(Self(login))
        }
    }
}

/// Sign in: JSON `{email, password}` or the OAuth2 password form
/// (`grant_type=password&username=…&password=…`). Returns an access and a refresh token
/// (`Cache-Control: no-store`).
///
/// Anyone.
#[utoipa::path(post, path = "/auth/token", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse),
        (status = 400, body = Problem, description = "malformed body"),
        (status = 401, body = Problem, description = "wrong credentials or disabled account"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "missing fields or another grant type"),
        (status = 429, body = Problem)))]
async fn token(
    State(ctx): Ctx,
    actor: Actor,
    Credentials(login): Credentials,
) -> Result<Json<TokenResponse>, ServerError> {
    signin::sign_in(&ctx, &actor, login).await.map(Json)
}

/// Exchange a refresh token for new tokens (rotation; reusing a rotated token ends the
/// whole session, its access tokens included).
///
/// Anyone holding a refresh token.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn refresh(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> Result<Json<TokenResponse>, ServerError> {
    signin::refresh(&ctx, &actor, &req.refresh_token)
        .await
        .map(Json)
}

/// End a session (`everywhere: true`: every session of the account). Its access tokens
/// stop working on their next request. Idempotent.
///
/// Anyone holding a refresh token.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = LogoutRequest,
    responses((status = 204),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
async fn logout(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<LogoutRequest>,
) -> Result<StatusCode, ServerError> {
    signin::sign_out(&ctx, &actor, &req.refresh_token, req.everywhere).await?;
    Ok(StatusCode::NO_CONTENT)
}
