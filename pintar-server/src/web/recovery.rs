//! Getting back in, in the browser: "forgot password", the reset page, and the pages the
//! emailed links open (verifying an address, confirming a new one). A link's page only
//! shows a button: the token is used by the form it posts, so a mail scanner that fetches
//! the link uses nothing.

use super::forms::{FieldErrors, translated};
use super::{Chrome, Flash, Visitor};
use crate::accounts::recovery;
use crate::error::{FieldError, ServerError};
use crate::setup::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use pintar_core::api::{MAX_ACCOUNT_TOKEN, PasswordResetConfirm, PasswordResetRequest};
use serde::Deserialize;

/// The recovery routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/forgot-password", get(forgot_form).post(forgot))
        .route("/reset-password", get(reset_form).post(reset))
        .route("/verify-email", get(verify_form).post(verify))
        .route("/confirm-email", get(confirm_form).post(confirm))
}

/// The `?token=` of a link.
#[derive(Debug, Default, Deserialize)]
struct LinkQuery {
    #[serde(default)]
    token: String,
}

impl LinkQuery {
    /// The token as a form may carry it back (an over-long one is dropped).
    fn token(&self) -> String {
        let t = self.token.trim();
        if t.len() <= MAX_ACCOUNT_TOKEN {
            t.to_string()
        } else {
            String::new()
        }
    }
}

#[derive(Template)]
#[template(path = "account/forgot.html")]
struct ForgotPage {
    c: Chrome,
    email: String,
    errors: FieldErrors,
}

async fn forgot_form(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let page = ForgotPage {
        c: Chrome::of(&state, &v).await?,
        email: String::new(),
        errors: FieldErrors::default(),
    };
    Ok(v.html(page.render()))
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<ForgotForm>,
) -> Result<Response, ServerError> {
    let req = PasswordResetRequest {
        email: form.email.clone(),
    };
    match recovery::request_password_reset(&state.accounts, &v.actor, req).await {
        Ok(_) => Ok(v.redirect("/login", Some(Flash::ok("flash.reset_sent")))),
        Err(ServerError::Validation(errors)) => {
            let errors = translated(errors, v.t, &[("email", "recovery.bad_email")]);
            let page = ForgotPage {
                c: Chrome::of(&state, &v).await?,
                email: form.email.chars().take(254).collect(),
                errors: FieldErrors(errors),
            };
            Ok(v.html_status(StatusCode::UNPROCESSABLE_ENTITY, page.render()))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "account/reset.html")]
struct ResetPage {
    c: Chrome,
    token: String,
    errors: FieldErrors,
}

async fn reset_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<LinkQuery>,
) -> Result<Response, ServerError> {
    let page = ResetPage {
        c: Chrome::of(&state, &v).await?,
        token: q.token(),
        errors: FieldErrors::default(),
    };
    Ok(v.html(page.render()))
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

async fn reset(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<ResetForm>,
) -> Result<Response, ServerError> {
    let req = PasswordResetConfirm {
        token: form.token.clone(),
        password: form.password,
    };
    match recovery::reset_password(&state.accounts, &v.actor, req).await {
        Ok(_) => {
            let mut res = v.redirect("/login", Some(Flash::ok("flash.password_reset")));
            // Every session ended, this browser's too.
            v.set_session(&mut res, None);
            Ok(res)
        }
        Err(ServerError::Validation(errors)) => {
            let errors = translated(
                errors,
                v.t,
                &[
                    ("token", "recovery.link_invalid"),
                    ("password", "recovery.password_rule"),
                ],
            );
            let page = ResetPage {
                c: Chrome::of(&state, &v).await?,
                token: LinkQuery { token: form.token }.token(),
                errors: FieldErrors(errors),
            };
            Ok(v.html_status(StatusCode::UNPROCESSABLE_ENTITY, page.render()))
        }
        Err(e) => Err(e),
    }
}

/// The page a link opens: what it does, and the button that does it.
#[derive(Template)]
#[template(path = "account/link.html")]
struct LinkPage {
    c: Chrome,
    title: String,
    intro: String,
    button: String,
    /// Where the button posts.
    path: &'static str,
    token: String,
    error: Option<String>,
}

async fn link_page(
    state: &AppState,
    v: &Visitor,
    words: &'static str,
    path: &'static str,
    token: String,
    error: Option<String>,
) -> Result<Response, ServerError> {
    let failed = error.is_some();
    let word = |k: &str| v.t.get(&format!("{words}.{k}")).to_string();
    let page = LinkPage {
        c: Chrome::of(state, v).await?,
        title: word("title"),
        intro: word("intro"),
        button: word("button"),
        path,
        token,
        error,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(v.html_status(status, page.render()))
}

async fn verify_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<LinkQuery>,
) -> Result<Response, ServerError> {
    link_page(
        &state,
        &v,
        "recovery.verify",
        "/verify-email",
        q.token(),
        None,
    )
    .await
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

/// Where a visitor goes after a link worked: their account page, or the sign-in page.
fn after_link(v: &Visitor) -> &'static str {
    if v.user.is_some() {
        "/account"
    } else {
        "/login"
    }
}

fn link_error(v: &Visitor, errors: &[FieldError]) -> String {
    match errors.iter().any(|e| e.field == "token") {
        true => v.t.get("recovery.link_invalid").to_string(),
        false => errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// The link's page again, saying why its token was refused.
async fn link_refused(
    state: &AppState,
    v: &Visitor,
    (words, path): (&'static str, &'static str),
    token: String,
    errors: &[FieldError],
) -> Result<Response, ServerError> {
    let error = link_error(v, errors);
    let token = LinkQuery { token }.token();
    link_page(state, v, words, path, token, Some(error)).await
}

async fn verify(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<TokenForm>,
) -> Result<Response, ServerError> {
    match recovery::verify_email(&state.accounts, &v.actor, &form.token).await {
        Ok(_) => Ok(v.redirect(after_link(&v), Some(Flash::ok("flash.email_verified")))),
        Err(ServerError::Validation(errors)) => {
            link_refused(
                &state,
                &v,
                ("recovery.verify", "/verify-email"),
                form.token,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn confirm_form(
    State(state): State<AppState>,
    v: Visitor,
    Query(q): Query<LinkQuery>,
) -> Result<Response, ServerError> {
    link_page(
        &state,
        &v,
        "recovery.confirm",
        "/confirm-email",
        q.token(),
        None,
    )
    .await
}

async fn confirm(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<TokenForm>,
) -> Result<Response, ServerError> {
    match recovery::confirm_email_change(&state.accounts, &v.actor, &form.token).await {
        Ok(_) => Ok(v.redirect(after_link(&v), Some(Flash::ok("flash.email_changed")))),
        Err(ServerError::Validation(errors)) => {
            link_refused(
                &state,
                &v,
                ("recovery.confirm", "/confirm-email"),
                form.token,
                &errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
