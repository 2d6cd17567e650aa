//! Who may call each route, in one table, enforced by one layer that runs after routing and
//! before the handler reads the body: a caller who may not use a route learns nothing about
//! its validation. A route missing from the table is refused (and a test fails).
//!
//! The model: API keys are for machines and reach only their scopes (`analytics`,
//! `courses:read`, `learning`). Managing keys, changing the account, upgrading and
//! everything under `/admin` need a signed-in session; no scope opens them.

use super::caller::{AuthUser, Authenticated, Via};
use crate::error::ServerError;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pintar_core::api::{Role, Scope};

/// What a route asks of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Whether anonymous callers may use it.
    pub anonymous: bool,
    /// Roles allowed when signed in (empty: every role).
    pub roles: &'static [Role],
    /// What an API key needs: `None` refuses keys (a session is required).
    pub key_scope: Option<KeyScope>,
}

/// What an API key must carry to use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScope {
    /// Any valid key (reading the caller's own profile).
    Any,
    /// This scope.
    Needs(Scope),
}

/// Anyone; a key needs `courses:read`.
const CATALOG: Rule = Rule {
    anonymous: true,
    roles: &[],
    key_scope: Some(KeyScope::Needs(Scope::CoursesRead)),
};
/// Anyone; credentials are not needed (sign-in, registration, refresh, logout).
const OPEN: Rule = Rule {
    anonymous: true,
    roles: &[],
    key_scope: Some(KeyScope::Any),
};
/// Any signed-in caller; a key needs `learning`.
const LEARNING: Rule = Rule {
    anonymous: false,
    roles: &[],
    key_scope: Some(KeyScope::Needs(Scope::Learning)),
};
/// Any signed-in caller; a key needs `analytics` (data analysis and its runs, the caller's
/// own learning figures).
const ANALYTICS: Rule = Rule {
    anonymous: false,
    roles: &[],
    key_scope: Some(KeyScope::Needs(Scope::Analytics)),
};
/// A signed-in developer or admin; a key needs `analytics` (platform-wide aggregates).
const ANALYTICS_AGGREGATES: Rule = Rule {
    anonymous: false,
    roles: &[Role::Developer, Role::Admin],
    key_scope: Some(KeyScope::Needs(Scope::Analytics)),
};
/// Any signed-in caller, or any key (the caller's own profile).
const IDENTITY: Rule = Rule {
    anonymous: false,
    roles: &[],
    key_scope: Some(KeyScope::Any),
};
/// A signed-in session of any role; keys refused.
const SESSION: Rule = Rule {
    anonymous: false,
    roles: &[],
    key_scope: None,
};
/// A signed-in developer or admin; keys refused.
const DEVELOPER_SESSION: Rule = Rule {
    anonymous: false,
    roles: &[Role::Developer, Role::Admin],
    key_scope: None,
};
/// A signed-in admin; keys refused.
const ADMIN_SESSION: Rule = Rule {
    anonymous: false,
    roles: &[Role::Admin],
    key_scope: None,
};

/// The rule of `method` on the route template `path` (as routed, `/api/v1/...`), or `None`
/// for a route with no rule.
pub fn rule(method: &Method, path: &str) -> Option<Rule> {
    let route = path.strip_prefix("/api/v1")?;
    if route.starts_with("/admin/") {
        return Some(ADMIN_SESSION);
    }
    let m = method.as_str();
    Some(match (m, route) {
        ("POST", "/auth/register" | "/auth/token" | "/auth/refresh" | "/auth/logout") => OPEN,
        ("POST", "/auth/upgrade-role") => SESSION,
        ("GET", "/users/me") => IDENTITY,
        ("PATCH", "/users/me") => SESSION,
        ("POST", "/developer/key") | ("GET", "/developer/keys") => DEVELOPER_SESSION,
        ("DELETE", "/developer/keys/{id}") => DEVELOPER_SESSION,
        ("GET", "/courses" | "/courses/{id}" | "/certificates/{code}") => CATALOG,
        ("GET", "/users/me/enrollments" | "/courses/{id}/progress") => LEARNING,
        ("POST" | "DELETE", "/courses/{id}/enroll") => LEARNING,
        ("GET", "/courses/{id}/contents/{cid}") => LEARNING,
        ("POST", "/courses/{id}/contents/{cid}/complete") => LEARNING,
        ("POST", "/courses/{id}/contents/{cid}/attempts") => LEARNING,
        ("POST", "/analytics/analyze" | "/analytics/quick-analysis") => ANALYTICS,
        ("GET", "/analytics/runs" | "/analytics/runs/{id}" | "/analytics/runs/{id}/report") => {
            ANALYTICS
        }
        ("DELETE", "/analytics/runs/{id}") => ANALYTICS,
        ("GET", "/analytics/user-progress") => ANALYTICS,
        (
            "GET",
            "/analytics/course-progress"
            | "/analytics/course-engagement"
            | "/analytics/completion-rates"
            | "/analytics/activity",
        ) => ANALYTICS_AGGREGATES,
        _ => return None,
    })
}

impl Rule {
    /// Lets `caller` through or says why not: 401 without a caller or with an API key where
    /// a session is needed, 403 for a role or a scope that does not allow it.
    pub fn check(&self, caller: Option<&AuthUser>) -> Result<(), ServerError> {
        let Some(caller) = caller else {
            return if self.anonymous {
                Ok(())
            } else {
                Err(ServerError::Unauthorized("sign in first".into()))
            };
        };
        if let Via::ApiKey { scopes, .. } = caller.via {
            match self.key_scope {
                // The route's credential is a session, and a key is not one: 401, as for
                // any missing credential (the OpenAPI document declares bearer only).
                None => {
                    return Err(ServerError::Unauthorized(
                        "this needs a signed-in session (Authorization: Bearer); API keys cannot manage keys, change the account, upgrade or administer".into(),
                    ));
                }
                Some(KeyScope::Needs(scope)) if !scopes.contains(scope) => {
                    return Err(ServerError::Forbidden(format!(
                        "this API key lacks the '{scope}' scope"
                    )));
                }
                Some(_) => {}
            }
        }
        if !self.roles.is_empty() && !self.roles.contains(&caller.role) {
            let allowed: Vec<&str> = self.roles.iter().map(|r| r.as_str()).collect();
            return Err(ServerError::Forbidden(format!(
                "this needs the role {}; you are {}",
                allowed.join(" or "),
                caller.role
            )));
        }
        Ok(())
    }
}

const ROUTE_METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// The layer: applies the route's rule to the caller the gate found, before the handler
/// (and so before any body is read).
pub async fn enforce(req: Request, next: Next) -> Response {
    let Some(path) = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
    else {
        return next.run(req).await;
    };
    let caller = req.extensions().get::<Authenticated>().and_then(|a| a.0);
    // axum answers HEAD with the GET handler: it gets GET's rule.
    let method = if req.method() == Method::HEAD {
        &Method::GET
    } else {
        req.method()
    };
    match rule(method, path) {
        Some(rule) => match rule.check(caller.as_ref()) {
            Ok(()) => next.run(req).await,
            Err(e) => e.into_response(),
        },
        // A method the route does not have: let the router answer 405.
        // A method the table does not name: refused as the router would refuse an unknown
        // one, so a handler added without a rule never runs.
        None if ROUTE_METHODS.iter().any(|m| rule(m, path).is_some()) => {
            crate::error::respond(crate::error::problem(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            ))
        }
        None => {
            // Fail closed: a route added without a rule is refused until it gets one.
            ServerError::Internal(format!("no access rule for {} {path}", req.method()))
                .into_response()
        }
    }
}
