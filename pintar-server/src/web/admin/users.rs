//! `GET /admin/users`: search accounts (email or name, role, status) and change a role or
//! disable/enable an account — the use case `accounts::admin::update_user`, which audits
//! the change, emails the user about a new role, revokes a demoted learner's keys, ends a
//! disabled account's sessions and refuses an admin's own account.

use super::after_action;
use crate::accounts::admin::{self, UserFilter};
use crate::error::ServerError;
use crate::paging::PageParams;
use crate::setup::state::AppState;
use crate::web::forms::{clip, non_empty};
use crate::web::{Chrome, Flash, Pager, Visitor, with_query};
use askama::Template;
use axum::Form;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use pintar_core::api::{AdminUserUpdate, Role, UserProfile};
use serde::Deserialize;

/// Accounts per page.
const PER_PAGE: u64 = 25;
/// The roles, in the order the selects list them.
const ROLES: [Role; 3] = [Role::Public, Role::Developer, Role::Admin];

/// The search form's query (empty = any).
#[derive(Debug, Default, Deserialize)]
pub(super) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
    page: Option<u64>,
}

/// The API's filter for the search form's `query`.
fn filter_of(query: &UsersQuery) -> Result<UserFilter, ServerError> {
    let role =
        match query.role.as_str() {
            "" => None,
            r => Some(r.parse::<Role>().map_err(|_| {
                crate::insights::invalid("role", "must be public, developer or admin")
            })?),
        };
    let active = match query.status.as_str() {
        "" => None,
        "active" => Some(true),
        "disabled" => Some(false),
        _ => {
            return Err(crate::insights::invalid(
                "status",
                "must be active or disabled",
            ));
        }
    };
    Ok(UserFilter {
        q: non_empty(&query.q),
        role,
        active,
    })
}

/// One account in the list, with its forms' addresses.
struct Row {
    u: UserProfile,
    me: bool,
    role_path: String,
    active_path: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    c: Chrome,
    tab: &'static str,
    rows: Vec<Row>,
    total: u64,
    q: String,
    role: String,
    status: String,
    roles: Vec<&'static str>,
    back: String,
    pager: Pager,
    pager_label: String,
}

impl UsersPage {
    /// A role in the visitor's words.
    fn role_name(&self, role: &str) -> &'static str {
        self.c.t.get(match role {
            "developer" => "admin.role.developer",
            "admin" => "admin.role.admin",
            _ => "admin.role.public",
        })
    }
}

/// The user list.
pub(super) async fn list(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let filter = filter_of(&q)?;
    let role = filter.role.map_or("", Role::as_str);
    let paging = PageParams {
        page: q.page,
        per_page: Some(PER_PAGE),
    };
    let found = admin::list_users(&state.accounts, &v.actor, filter, paging).await?;
    let me = v.caller()?.id.to_string();
    let link = |page: u64| {
        with_query(
            "/admin/users",
            &[
                ("q", &q.q),
                ("role", role),
                ("status", &q.status),
                ("page", &page.to_string()),
            ],
        )
    };
    let page_s = if found.page > 1 {
        found.page.to_string()
    } else {
        String::new()
    };
    let back = with_query(
        "/admin/users",
        &[
            ("q", &q.q),
            ("role", role),
            ("status", &q.status),
            ("page", &page_s),
        ],
    );
    let pager = Pager::of(&found, link);
    let c = Chrome::of(&state, &v).await?;
    let page = UsersPage {
        tab: "users",
        rows: found
            .items
            .into_iter()
            .map(|u| Row {
                me: u.id == me,
                role_path: format!("/admin/users/{}/role", u.id),
                active_path: format!("/admin/users/{}/active", u.id),
                u,
            })
            .collect(),
        total: found.total,
        q: clip(&q.q, 200),
        role: role.to_string(),
        status: q.status.clone(),
        roles: ROLES.iter().map(|r| r.as_str()).collect(),
        back,
        pager,
        pager_label: c.t.get("admin.users.pages").to_string(),
        c,
    };
    Ok(v.html(page.render()))
}

/// The role form.
#[derive(Debug, Deserialize)]
pub(super) struct RoleForm {
    role: String,
    back: Option<String>,
}

/// The enable/disable form.
#[derive(Debug, Deserialize)]
pub(super) struct ActiveForm {
    active: String,
    back: Option<String>,
}

/// Applies `change` to account `id`.
async fn update(
    state: &AppState,
    v: &Visitor,
    id: String,
    change: AdminUserUpdate,
) -> Result<UserProfile, ServerError> {
    admin::update_user(&state.accounts, &v.actor, &id, change).await
}

/// `POST /admin/users/{id}/role`.
pub(super) async fn set_role(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, ServerError> {
    let result = match form.role.parse::<Role>() {
        Ok(role) => update(
            &state,
            &v,
            id,
            AdminUserUpdate {
                role: Some(role),
                is_active: None,
            },
        )
        .await
        .map(|u| Flash::ok("admin.users.flash_role").with(&u.email)),
        Err(_) => Err(crate::insights::invalid(
            "role",
            "must be public, developer or admin",
        )),
    };
    after_action(&v, form.back.as_deref(), "/admin/users", result)
}

/// `POST /admin/users/{id}/active`.
pub(super) async fn set_active(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, ServerError> {
    let active = match form.active.as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(crate::insights::invalid("active", "must be true or false")),
    };
    let result = match active {
        Ok(a) => update(
            &state,
            &v,
            id,
            AdminUserUpdate {
                role: None,
                is_active: Some(a),
            },
        )
        .await
        .map(|u| {
            let key = if u.is_active {
                "admin.users.flash_enabled"
            } else {
                "admin.users.flash_disabled"
            };
            Flash::ok(key).with(&u.email)
        }),
        Err(e) => Err(e),
    };
    after_action(&v, form.back.as_deref(), "/admin/users", result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(q: &str, role: &str, status: &str) -> UsersQuery {
        UsersQuery {
            q: q.into(),
            role: role.into(),
            status: status.into(),
            page: None,
        }
    }

    #[test]
    fn the_search_form_becomes_the_apis_filter() {
        let f = filter_of(&query("  budi ", "developer", "disabled")).expect("filter");
        assert_eq!(f.q.as_deref(), Some("budi"));
        assert_eq!(f.role, Some(Role::Developer));
        assert_eq!(f.active, Some(false));
        let f = filter_of(&query("", "", "")).expect("filter");
        assert!(f.q.is_none() && f.role.is_none() && f.active.is_none());
        assert!(filter_of(&query("", "root", "")).is_err());
        assert!(filter_of(&query("", "", "maybe")).is_err());
    }
}
