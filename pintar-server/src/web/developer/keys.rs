//! `/developer/keys`: the developer's API keys — list, create (the secret shown once, in
//! the answer to the form) and revoke.

use super::{NewKey, scope_list, stamp};
use crate::accounts::keys;
use crate::error::{FieldError, ServerError};
use crate::setup::state::AppState;
use crate::web::forms::{error_of, translated};
use crate::web::i18n::Tr;
use crate::web::{Chrome, Flash, Visitor};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use pintar_core::api::{ApiKeyInfo, CreateApiKeyRequest, Scope};

/// Form fields read from the key form.
const MAX_KEY_FIELDS: usize = 20;

/// One key in the table.
struct KeyRow {
    name: String,
    prefix: String,
    scopes: String,
    created: String,
    last_used: String,
    expires: String,
    state: &'static str,
    live: bool,
    revoke_path: String,
}

impl KeyRow {
    fn of(k: &ApiKeyInfo, t: Tr, now: DateTime<Utc>) -> Self {
        let expired = k.expires_at.is_some_and(|e| e <= now);
        let state = if k.revoked_at.is_some() {
            "dev.keys.state_revoked"
        } else if expired {
            "dev.keys.state_expired"
        } else {
            "dev.keys.state_active"
        };
        Self {
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scopes: scope_list(&k.scopes),
            created: t.date(&k.created_at),
            last_used: k
                .last_used_at
                .map_or_else(|| t.get("dev.keys.never").to_string(), |d| stamp(t, &d)),
            expires: k
                .expires_at
                .map_or_else(|| t.get("dev.keys.no_expiry").to_string(), |d| t.date(&d)),
            state,
            live: k.revoked_at.is_none(),
            revoke_path: format!("/developer/keys/{}/revoke", k.id),
        }
    }
}

/// A scope checkbox of the key form.
struct ScopeOption {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

/// What the key form holds.
#[derive(Debug, Default)]
struct KeyForm {
    name: String,
    scopes: Vec<String>,
    expires: String,
}

impl KeyForm {
    /// The form as first shown: every scope ticked.
    fn fresh() -> Self {
        Self {
            scopes: Scope::ALL.iter().map(|s| s.as_str().to_string()).collect(),
            ..Self::default()
        }
    }

    /// Reads a posted key form (`name`, `scope` repeated, `expires_in_days`), bounded.
    fn parse(body: &[u8]) -> Self {
        let mut f = Self::default();
        for (k, v) in form_urlencoded::parse(body).take(MAX_KEY_FIELDS) {
            match &*k {
                "name" => f.name = v.chars().take(200).collect(),
                "scope" if f.scopes.len() < Scope::ALL.len() * 2 => {
                    f.scopes.push(v.chars().take(40).collect());
                }
                "expires_in_days" => f.expires = v.trim().chars().take(20).collect(),
                _ => {}
            }
        }
        f
    }

    /// The API request this form asks for, or the fields it cannot be.
    fn request(&self, t: Tr) -> Result<CreateApiKeyRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut scopes: Vec<Scope> = Vec::new();
        for name in &self.scopes {
            match Scope::ALL.iter().find(|s| s.as_str() == name) {
                Some(s) if !scopes.contains(s) => scopes.push(*s),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "scopes",
                    t.get("dev.keys.scopes_error").to_string(),
                )),
            }
        }
        let expires_in_days = if self.expires.is_empty() {
            None
        } else {
            match self.expires.parse::<u32>() {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new(
                        "expires_in_days",
                        t.get("dev.keys.expires_error").to_string(),
                    ));
                    None
                }
            }
        };
        if errors.is_empty() {
            Ok(CreateApiKeyRequest {
                name: self.name.clone(),
                // None would mean "every scope": an empty choice is refused by the API's own
                // check instead.
                scopes: Some(scopes),
                expires_in_days,
            })
        } else {
            Err(errors)
        }
    }
}

/// The API's key fields and the words for what is wrong with them.
const KEY_ERRORS: [(&str, &str); 3] = [
    ("name", "dev.keys.name_error"),
    ("scopes", "dev.keys.scopes_error"),
    ("expires_in_days", "dev.keys.expires_error"),
];

#[derive(Template)]
#[template(path = "developer/keys.html")]
struct KeysPage {
    c: Chrome,
    keys: Vec<KeyRow>,
    new_key: Option<NewKey>,
    form: KeyForm,
    scope_options: Vec<ScopeOption>,
    errors: Vec<FieldError>,
    form_error: Option<String>,
    max_days: u32,
}

impl KeysPage {
    fn error(&self, field: &str) -> Option<&str> {
        error_of(&self.errors, field)
    }

    async fn build(
        state: &AppState,
        v: &Visitor,
        form: KeyForm,
        new_key: Option<NewKey>,
    ) -> Result<Self, ServerError> {
        let keys = keys::list(&state.accounts, &v.actor).await?;
        let t = v.t;
        let now = Utc::now();
        let scope_options = Scope::ALL
            .iter()
            .map(|s| ScopeOption {
                name: s.as_str(),
                label: match s {
                    Scope::Analytics => "dev.scope.analytics",
                    Scope::CoursesRead => "dev.scope.courses_read",
                    Scope::Learning => "dev.scope.learning",
                },
                checked: form.scopes.iter().any(|f| f == s.as_str()),
            })
            .collect();
        Ok(Self {
            c: Chrome::of(state, v).await?,
            keys: keys.iter().map(|k| KeyRow::of(k, t, now)).collect(),
            new_key,
            form,
            scope_options,
            errors: Vec::new(),
            form_error: None,
            max_days: keys::MAX_EXPIRY_DAYS,
        })
    }
}

pub(super) async fn page(
    State(state): State<AppState>,
    v: Visitor,
) -> Result<Response, ServerError> {
    let page = KeysPage::build(&state, &v, KeyForm::fresh(), None).await?;
    Ok(v.html(page.render()))
}

/// Creates a key; the secret is shown on this answer only.
pub(super) async fn create(
    State(state): State<AppState>,
    v: Visitor,
    body: Bytes,
) -> Result<Response, ServerError> {
    let t = v.t;
    let form = KeyForm::parse(&body);
    let (status, errors, form_error) = match form.request(t) {
        Err(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
        Ok(req) => match keys::create(&state.accounts, &v.actor, &req).await {
            Ok(created) => {
                let new_key = NewKey::of(&created, t);
                let page = KeysPage::build(&state, &v, KeyForm::fresh(), Some(new_key)).await?;
                return Ok(v.html(page.render()));
            }
            Err(ServerError::Validation(errors)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                translated(errors, t, &KEY_ERRORS),
                None,
            ),
            Err(ServerError::Conflict(_)) => (
                StatusCode::CONFLICT,
                Vec::new(),
                Some(t.fmt("dev.keys.too_many", keys::MAX_LIVE_KEYS)),
            ),
            Err(e) => return Err(e),
        },
    };
    let mut page = KeysPage::build(&state, &v, form, None).await?;
    page.errors = errors;
    page.form_error = form_error;
    Ok(v.html_status(status, page.render()))
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    keys::revoke(&state.accounts, &v.actor, &id).await?;
    Ok(v.redirect("/developer/keys", Some(Flash::ok("dev.flash.key_revoked"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_forms_become_api_requests() {
        let f = KeyForm::parse(
            b"name=ci&scope=analytics&scope=analytics&scope=learning&expires_in_days=30",
        );
        let t = Tr::default();
        let r = f.request(t).expect("request");
        assert_eq!(r.name, "ci");
        assert_eq!(r.scopes, Some(vec![Scope::Analytics, Scope::Learning]));
        assert_eq!(r.expires_in_days, Some(30));
        // No scope ticked: an empty list, which the API's check refuses.
        let none = KeyForm::parse(b"name=x").request(t).expect("request");
        assert_eq!(none.scopes, Some(Vec::new()));
        assert!(KeyForm::parse(b"name=x&scope=admin").request(t).is_err());
        assert!(
            KeyForm::parse(b"name=x&scope=analytics&expires_in_days=-1")
                .request(t)
                .is_err()
        );
    }
}
