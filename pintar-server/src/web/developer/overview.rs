//! `/developer`: what the developer area offers, and becoming a developer (which shows the
//! first API key once, in the answer to the form).

use super::NewKey;
use crate::accounts::account;
use crate::error::ServerError;
use crate::setup::state::AppState;
use crate::web::{Chrome, Flash, Visitor};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use pintar_core::api::Role;

#[derive(Template)]
#[template(path = "developer/overview.html")]
struct Overview {
    c: Chrome,
    learner: bool,
    new_key: Option<NewKey>,
}

pub(super) async fn overview(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Response, ServerError> {
    let page = Overview {
        c: Chrome::of(&state, &v).await?,
        learner: v.caller()?.role == Role::Public,
        new_key: None,
    };
    Ok(v.html(page.render()))
}

/// Becomes a developer; the first key is shown on this very answer (not redirected, so the
/// secret is in no address or cookie).
pub(super) async fn upgrade(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Response, ServerError> {
    let created = match account::upgrade(&state.accounts, &v.actor).await {
        Ok(key) => key,
        Err(ServerError::Conflict(_)) => {
            return Ok(v.redirect("/developer", Some(Flash::ok("dev.flash.already_developer"))));
        }
        Err(e) => return Err(e),
    };
    let mut c = Chrome::of(&state, &v).await?;
    c.role = Some(Role::Developer);
    let page = Overview {
        c,
        learner: false,
        new_key: Some(NewKey::of(&created, v.t)),
    };
    Ok(v.html(page.render()))
}
