//! Accounts in the browser: register, sign in, sign out, and the language switch.

use super::session::local_path;
use super::{Chrome, Flash, Visitor, i18n::Lang};
use crate::accounts::{account, signin};
use crate::error::{FieldError, ServerError};
use crate::setup::state::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use pintar_core::api::{LoginRequest, RegisterRequest};
use serde::Deserialize;

/// The account routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/register", get(register_form).post(register))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/lang/{code}", get(switch_lang))
}

#[derive(Debug, Default, Deserialize)]
struct Next {
    next: Option<String>,
}

impl Next {
    fn target(&self) -> &str {
        self.next
            .as_deref()
            .and_then(local_path)
            .unwrap_or("/dashboard")
    }
}

#[derive(Template)]
#[template(path = "account/register.html")]
struct RegisterPage {
    c: Chrome,
    email: String,
    name: String,
    errors: Vec<FieldError>,
}

impl RegisterPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn register_form(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    if v.user.is_some() {
        return Ok(v.redirect("/dashboard", None));
    }
    let page = RegisterPage {
        c: Chrome::of(&state, &v).await?,
        email: String::new(),
        name: String::new(),
        errors: Vec::new(),
    };
    Ok(v.html(page.render()))
}

#[derive(Deserialize)]
struct RegisterForm {
    email: String,
    #[serde(default)]
    name: String,
    password: String,
}

async fn register(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<RegisterForm>,
) -> Result<Response, ServerError> {
    let name = form.name.trim().to_string();
    let req = RegisterRequest {
        email: form.email.clone(),
        password: form.password.clone(),
        display_name: (!name.is_empty()).then(|| name.clone()),
    };
    let errors = match account::register(&state.accounts, &v.actor, req).await {
        Ok(_) => {
            let login = LoginRequest {
                email: form.email,
                password: form.password,
            };
            return sign_in(&state, &v, login, "/dashboard", "flash.welcome").await;
        }
        Err(ServerError::Validation(errors)) => errors,
        Err(ServerError::Conflict(_)) => vec![FieldError::new(
            "email",
            v.t.get("account.email_taken").to_string(),
        )],
        Err(e) => return Err(e),
    };
    let page = RegisterPage {
        c: Chrome::of(&state, &v).await?,
        email: form.email.chars().take(254).collect(),
        name: name.chars().take(100).collect(),
        errors,
    };
    Ok(v.html_status(StatusCode::UNPROCESSABLE_ENTITY, page.render()))
}

#[derive(Template)]
#[template(path = "account/login.html")]
struct LoginPage {
    c: Chrome,
    email: String,
    next: String,
    failed: bool,
}

async fn login_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(next): Query<Next>,
) -> Result<Response, ServerError> {
    if v.user.is_some() {
        return Ok(v.redirect(next.target(), None));
    }
    let page = LoginPage {
        c: Chrome::of(&state, &v).await?,
        email: String::new(),
        next: next.target().to_string(),
        failed: false,
    };
    Ok(v.html(page.render()))
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, ServerError> {
    let next = Next { next: form.next };
    let login = LoginRequest {
        email: form.email.clone(),
        password: form.password,
    };
    match sign_in(&state, &v, login, next.target(), "flash.signed_in").await {
        Err(ServerError::Unauthorized(_)) => {
            let page = LoginPage {
                c: Chrome::of(&state, &v).await?,
                email: form.email.chars().take(254).collect(),
                next: next.target().to_string(),
                failed: true,
            };
            Ok(v.html_status(StatusCode::UNAUTHORIZED, page.render()))
        }
        other => other,
    }
}

/// Signs in (the same sign-in as the API: a new server-side session) and sets the session
/// cookie: an access token of that session, valid for the browser session's length.
async fn sign_in(
    state: &AppState,
    v: &Visitor,
    login: LoginRequest,
    to: &str,
    flash: &str,
) -> Result<Response, ServerError> {
    let life = state.web_lifetime();
    let cookie = signin::sign_in_web(&state.accounts, &v.actor, login, life).await?;
    let mut res = v.redirect(to, Some(Flash::ok(flash)));
    v.set_session(&mut res, Some((&cookie, life.idle_secs as i64)));
    Ok(res)
}

async fn logout(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    signin::sign_out_session(&state.accounts, &v.actor).await?;
    let mut res = v.redirect("/", Some(Flash::ok("flash.signed_out")));
    v.set_session(&mut res, None);
    Ok(res)
}

async fn switch_lang(
    v: Visitor,
    Path(code): Path<String>,
    Query(next): Query<Next>,
) -> Result<Response, ServerError> {
    let lang = Lang::from_code(&code).ok_or_else(|| ServerError::NotFound("language".into()))?;
    let to = next.next.as_deref().and_then(local_path).unwrap_or("/");
    let mut res = v.redirect(to, None);
    v.set_lang(&mut res, lang);
    Ok(res)
}
