//! Session use cases: signing in (for the API, or the website's cookie session), renewing
//! with a refresh token, and signing out. A session is a family of refresh tokens; ending
//! one takes effect on its next request.

use super::{Context, sessions};
use crate::auth::WebLifetime;
use crate::error::ServerError;
use crate::policy::{Actor, Operation};
use pintar_core::api::{EndedSessions, LoginRequest, SessionInfo, TokenResponse};
use uuid::Uuid;

/// Signs in with email and password: a new session with its access and refresh tokens.
pub async fn sign_in(
    ctx: &Context,
    actor: &Actor,
    login: LoginRequest,
) -> Result<TokenResponse, ServerError> {
    actor.authorize(Operation::SignIn)?;
    sessions::login(
        &ctx.db,
        ctx.authn.keys(),
        &ctx.metrics,
        &actor.origin,
        login,
        sessions::Kind::Api,
    )
    .await
}

/// Signs in for the website: a new session, and the token of its cookie (valid for the idle
/// time, renewed while the visitor is active up to the absolute lifetime; the API refuses
/// it, as pages refuse API tokens).
pub async fn sign_in_web(
    ctx: &Context,
    actor: &Actor,
    login: LoginRequest,
    life: WebLifetime,
) -> Result<String, ServerError> {
    actor.authorize(Operation::SignIn)?;
    let tokens = sessions::login(
        &ctx.db,
        ctx.authn.keys(),
        &ctx.metrics,
        &actor.origin,
        login,
        sessions::Kind::Web {
            max_secs: life.max_secs,
        },
    )
    .await?;
    let keys = ctx.authn.keys();
    let claims = keys.verify(&tokens.access_token)?;
    let bad = || ServerError::Internal("a fresh token names no valid session".into());
    let user = Uuid::parse_str(&claims.sub).map_err(|_| bad())?;
    let sid = Uuid::parse_str(&claims.sid).map_err(|_| bad())?;
    keys.issue_web(user, claims.role, sid, claims.iat, life)
}

/// The actor's live sessions (website and API), the current one marked.
pub async fn list_sessions(ctx: &Context, actor: &Actor) -> Result<Vec<SessionInfo>, ServerError> {
    let caller = actor.require(Operation::ListSessions)?;
    sessions::list(&ctx.db, caller.id, caller.session()).await
}

/// Ends every session of the actor but the current one ("sign out everywhere else").
pub async fn end_other_sessions(
    ctx: &Context,
    actor: &Actor,
) -> Result<EndedSessions, ServerError> {
    let caller = actor.require(Operation::EndOtherSessions)?;
    let ended = sessions::revoke_all(&ctx.db, caller.id, caller.session()).await?;
    ctx.credentials_changed();
    Ok(EndedSessions { ended })
}

/// Exchanges a refresh token for new tokens (rotation; reusing a rotated token ends the
/// whole session, its access tokens included).
pub async fn refresh(
    ctx: &Context,
    actor: &Actor,
    token: &str,
) -> Result<TokenResponse, ServerError> {
    actor.authorize(Operation::RefreshSession)?;
    match sessions::refresh(&ctx.db, ctx.authn.keys(), token).await {
        Ok(tokens) => Ok(tokens),
        Err((e, ended)) => {
            if ended {
                ctx.credentials_changed();
            }
            Err(e)
        }
    }
}

/// Ends the session of a refresh token (`everywhere`: every session of its account).
/// Idempotent.
pub async fn sign_out(
    ctx: &Context,
    actor: &Actor,
    token: &str,
    everywhere: bool,
) -> Result<(), ServerError> {
    actor.authorize(Operation::SignOut)?;
    if sessions::logout(&ctx.db, token, everywhere).await? {
        ctx.credentials_changed();
    }
    Ok(())
}

/// Ends the actor's own session (the website's sign-out). Anonymous: nothing to end.
pub async fn sign_out_session(ctx: &Context, actor: &Actor) -> Result<(), ServerError> {
    actor.authorize(Operation::SignOut)?;
    if let Some(sid) = actor.caller.and_then(|c| c.session()) {
        sessions::revoke_family(&ctx.db, sid).await?;
        ctx.credentials_changed();
    }
    Ok(())
}
