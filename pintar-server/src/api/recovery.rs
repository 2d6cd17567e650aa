//! Getting an account back and owning its data: `/auth/verify-email`, `/auth/password-reset`,
//! `/auth/email-change/confirm` (the emailed links' tokens), and under `/users/me` the
//! change of email, the sessions and the export (the deletion is `DELETE /users/me`, in
//! [`super::users`]).

use crate::accounts::{self, privacy, recovery, signin};
use crate::error::ServerError;
use crate::http::body::JsonBody;
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pintar_core::api::{
    Accepted, AccountExport, ChangeEmailRequest, EndedSessions, PasswordResetConfirm,
    PasswordResetRequest, Problem, SessionInfo, TokenRequest, UserProfile,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

type Ctx = State<accounts::Context>;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(request_reset))
        .routes(routes!(reset_password))
        .routes(routes!(change_email))
        .routes(routes!(confirm_email_change))
        .routes(routes!(sessions))
        .routes(routes!(end_other_sessions))
        .routes(routes!(export))
}

/// Confirm the account's email with the token from the verification link.
///
/// Anyone holding the token (single use, 24 hours).
#[utoipa::path(post, path = "/auth/verify-email", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = UserProfile),
        (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "the token is unknown, used, replaced or expired"),
        (status = 429, body = Problem)))]
async fn verify_email(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<UserProfile>, ServerError> {
    recovery::verify_email(&ctx, &actor, &req.token)
        .await
        .map(Json)
}

/// Send a new verification link to the caller's address (older links stop working).
///
/// Any signed-in role; not with an API key. At most one a minute and five an hour.
#[utoipa::path(post, path = "/auth/verify-email/resend", tag = "auth", security(("bearer" = [])),
    responses((status = 202, body = Accepted),
        (status = 401, body = Problem),
        (status = 409, body = Problem, description = "already verified"),
        (status = 429, body = Problem, description = "sent a moment ago; see Retry-After")))]
async fn resend_verification(
    State(ctx): Ctx,
    actor: Actor,
) -> Result<(StatusCode, Json<Accepted>), ServerError> {
    let accepted = recovery::resend_verification(&ctx, &actor).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Ask for a password-reset link. The answer is the same, in the same time, whether or not
/// an account uses the address.
///
/// Anyone.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = PasswordResetRequest,
    responses((status = 202, body = Accepted),
        (status = 400, body = Problem), (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, body = Problem, description = "not an email address"),
        (status = 429, body = Problem)))]
async fn request_reset(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<PasswordResetRequest>,
) -> Result<(StatusCode, Json<Accepted>), ServerError> {
    let accepted = recovery::request_password_reset(&ctx, &actor, req).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Set a new password with the token from the reset link (single use, 30 minutes). Every
/// session of the account ends.
///
/// Anyone holding the token.
#[utoipa::path(post, path = "/auth/password-reset/confirm", tag = "auth", request_body = PasswordResetConfirm,
    responses((status = 200, body = Accepted),
        (status = 400, body = Problem),
        (status = 403, body = Problem, description = "the account is disabled"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "a bad password, or a token unknown, used or expired"),
        (status = 429, body = Problem)))]
async fn reset_password(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<PasswordResetConfirm>,
) -> Result<Json<Accepted>, ServerError> {
    recovery::reset_password(&ctx, &actor, req).await.map(Json)
}

/// Move the caller's account to a new address: the new address gets a link (24 hours,
/// once); the account moves when it is opened, and the old address is told.
///
/// Any signed-in role; not with an API key. Needs the current password.
#[utoipa::path(post, path = "/users/me/email", tag = "auth", request_body = ChangeEmailRequest, security(("bearer" = [])),
    responses((status = 202, body = Accepted),
        (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 409, body = Problem, description = "the address belongs to another account"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "a bad address or the wrong password"),
        (status = 429, body = Problem)))]
async fn change_email(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<ChangeEmailRequest>,
) -> Result<(StatusCode, Json<Accepted>), ServerError> {
    let accepted = recovery::change_email(&ctx, &actor, req).await?;
    Ok((StatusCode::ACCEPTED, Json(accepted)))
}

/// Complete a change of email with the token from the link sent to the new address.
///
/// Anyone holding the token.
#[utoipa::path(post, path = "/auth/email-change/confirm", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = UserProfile),
        (status = 400, body = Problem),
        (status = 409, body = Problem, description = "another account took the address meanwhile"),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem, description = "the token is unknown, used, replaced or expired"),
        (status = 429, body = Problem)))]
async fn confirm_email_change(
    State(ctx): Ctx,
    actor: Actor,
    JsonBody(req): JsonBody<TokenRequest>,
) -> Result<Json<UserProfile>, ServerError> {
    recovery::confirm_email_change(&ctx, &actor, &req.token)
        .await
        .map(Json)
}

/// The caller's live sessions, website and API, the current one marked (at most 100, the
/// most recent).
///
/// Any signed-in role; not with an API key.
#[utoipa::path(get, path = "/users/me/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionInfo>),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn sessions(State(ctx): Ctx, actor: Actor) -> Result<Json<Vec<SessionInfo>>, ServerError> {
    signin::list_sessions(&ctx, &actor).await.map(Json)
}

/// Sign out everywhere else: end every session of the caller but this one.
///
/// Any signed-in role; not with an API key.
#[utoipa::path(post, path = "/users/me/sessions/end-others", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = EndedSessions),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn end_other_sessions(
    State(ctx): Ctx,
    actor: Actor,
) -> Result<Json<EndedSessions>, ServerError> {
    signin::end_other_sessions(&ctx, &actor).await.map(Json)
}

/// Everything the platform holds about the caller's account, as one JSON document to keep
/// (profile, enrolments, progress, quiz attempts, certificates, learning events, analysis
/// runs, API keys without their secrets, sessions).
///
/// Any signed-in role; not with an API key.
#[utoipa::path(get, path = "/users/me/export", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = AccountExport),
        (status = 401, body = Problem), (status = 429, body = Problem)))]
async fn export(State(ctx): Ctx, actor: Actor) -> Result<Response, ServerError> {
    let doc = privacy::export(&ctx, &actor).await?;
    let mut res = Json(doc).into_response();
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_static("attachment; filename=\"pintar-account.json\""),
    );
    Ok(res)
}
