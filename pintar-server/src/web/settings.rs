//! The account page: the address and whether it is verified (with a new link on request),
//! moving to another address, the sessions with "sign out everywhere else", downloading
//! one's data and deleting the account.

use super::forms::{FieldErrors, translated};
use super::{Chrome, Flash, Visitor};
use crate::accounts::{account, privacy, recovery, signin};
use crate::error::ServerError;
use crate::setup::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use pintar_core::api::{ChangeEmailRequest, DeleteAccountRequest, SessionKind, UserProfile};
use serde::Deserialize;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(page))
        .route("/account/verify-email/resend", post(resend))
        .route("/account/email", post(change_email))
        .route("/account/sessions", get(sessions))
        .route("/account/sessions/end-others", post(end_others))
        .route("/account/export.json", get(export))
        .route("/account/delete", post(delete))
}

#[derive(Template)]
#[template(path = "account/settings.html")]
struct SettingsPage {
    c: Chrome,
    profile: UserProfile,
    new_email: String,
    email_errors: FieldErrors,
    delete_errors: FieldErrors,
}

async fn render(
    state: &AppState,
    v: &Visitor,
    status: StatusCode,
    new_email: String,
    email_errors: FieldErrors,
    delete_errors: FieldErrors,
) -> Result<Response, ServerError> {
    let profile = account::profile(&state.accounts, &v.actor).await?;
    let page = SettingsPage {
        c: Chrome::of(state, v).await?,
        profile,
        new_email,
        email_errors,
        delete_errors,
    };
    Ok(v.html_status(status, page.render()))
}

async fn page(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    render(
        &state,
        &v,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
        FieldErrors::default(),
    )
    .await
}

async fn resend(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let flash = match recovery::resend_verification(&state.accounts, &v.actor).await {
        Ok(_) => Flash::ok("flash.verification_sent"),
        Err(ServerError::TooMany { .. }) => Flash::error("flash.verification_wait"),
        Err(ServerError::Conflict(_)) => Flash::ok("flash.email_verified"),
        Err(e) => return Err(e),
    };
    Ok(v.redirect("/account", Some(flash)))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    new_email: String,
    #[serde(default)]
    current_password: String,
}

async fn change_email(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<EmailForm>,
) -> Result<Response, ServerError> {
    let req = ChangeEmailRequest {
        new_email: form.new_email.clone(),
        current_password: form.current_password,
    };
    let errors = match recovery::change_email(&state.accounts, &v.actor, req).await {
        Ok(_) => {
            let flash = Flash::ok("flash.email_change_sent").with(form.new_email.trim());
            return Ok(v.redirect("/account", Some(flash)));
        }
        Err(ServerError::Validation(errors)) => translated(
            errors,
            v.t,
            &[
                ("new_email", "recovery.bad_email"),
                ("current_password", "settings.wrong_password"),
            ],
        ),
        Err(ServerError::Conflict(_)) => vec![crate::error::FieldError::new(
            "new_email",
            v.t.get("account.email_taken").to_string(),
        )],
        Err(e) => return Err(e),
    };
    render(
        &state,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        form.new_email.chars().take(254).collect(),
        FieldErrors(errors),
        FieldErrors::default(),
    )
    .await
}

/// One session as the page lists it.
struct SessionRow {
    current: bool,
    kind: &'static str,
    client: String,
    ip: String,
    started: String,
    last_active: String,
}

#[derive(Template)]
#[template(path = "account/sessions.html")]
struct SessionsPage {
    c: Chrome,
    sessions: Vec<SessionRow>,
    others: usize,
}

async fn sessions(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let list = signin::list_sessions(&state.accounts, &v.actor).await?;
    let when =
        |d: &chrono::DateTime<chrono::Utc>| format!("{} {}", v.t.date(d), d.format("%H:%M UTC"));
    let sessions: Vec<SessionRow> = list
        .iter()
        .map(|s| SessionRow {
            current: s.current,
            kind: match s.kind {
                SessionKind::Web => "settings.kind_web",
                SessionKind::Api => "settings.kind_api",
            },
            client: s.user_agent.clone().unwrap_or_else(|| "—".into()),
            ip: s.ip.clone().unwrap_or_else(|| "—".into()),
            started: when(&s.started_at),
            last_active: when(&s.last_active_at),
        })
        .collect();
    let others = sessions.iter().filter(|s| !s.current).count();
    let page = SessionsPage {
        c: Chrome::of(&state, &v).await?,
        sessions,
        others,
    };
    Ok(v.html(page.render()))
}

async fn end_others(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let ended = signin::end_other_sessions(&state.accounts, &v.actor).await?;
    let flash = Flash::ok("flash.sessions_ended").with(&ended.ended.to_string());
    Ok(v.redirect("/account/sessions", Some(flash)))
}

async fn export(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let doc = privacy::export(&state.accounts, &v.actor).await?;
    let mut res = Json(doc).into_response();
    res.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        header::HeaderValue::from_static("attachment; filename=\"pintar-account.json\""),
    );
    Ok(res)
}

#[derive(Deserialize)]
struct DeleteForm {
    #[serde(default)]
    current_password: String,
}

async fn delete(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<DeleteForm>,
) -> Result<Response, ServerError> {
    let req = DeleteAccountRequest {
        current_password: form.current_password,
    };
    let errors = match privacy::delete(&state.accounts, &v.actor, req).await {
        Ok(()) => {
            let mut res = v.redirect("/", Some(Flash::ok("flash.account_deleted")));
            v.set_session(&mut res, None);
            return Ok(res);
        }
        Err(ServerError::Validation(errors)) => translated(
            errors,
            v.t,
            &[("current_password", "settings.wrong_password")],
        ),
        Err(ServerError::Conflict(_)) => vec![crate::error::FieldError::new(
            "current_password",
            v.t.get("settings.last_admin").to_string(),
        )],
        Err(e) => return Err(e),
    };
    render(
        &state,
        &v,
        StatusCode::UNPROCESSABLE_ENTITY,
        String::new(),
        FieldErrors::default(),
        FieldErrors(errors),
    )
    .await
}
