//! The access layer: after routing and before any handler reads the body, the operation a
//! route performs is looked up and its permission checked against the caller the gate
//! found, so a caller who may not use a route learns nothing about its validation. The
//! API and the website each keep a table from route to [`Operation`]; who may perform an
//! operation is decided in one place, [`Operation::permission`]. A route missing from its
//! table is refused (and a test fails).

use crate::error::ServerError;
use crate::http::extract::Authenticated;
use crate::policy::Operation;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A table from (method, route template) to the operation the route performs.
pub type Table = fn(&Method, &str) -> Option<Operation>;

/// The operation of `method` on the API route template `path` (as routed, `/api/v1/...`).
pub fn api_operation(method: &Method, path: &str) -> Option<Operation> {
    use Operation::*;
    let route = path.strip_prefix("/api/v1")?;
    Some(match (method.as_str(), route) {
        ("POST", "/auth/register") => Register,
        ("POST", "/auth/token") => SignIn,
        ("POST", "/auth/refresh") => RefreshSession,
        ("POST", "/auth/logout") => SignOut,
        ("POST", "/auth/upgrade-role") => Upgrade,
        ("GET", "/users/me") => ReadProfile,
        ("PATCH", "/users/me") => UpdateProfile,
        ("DELETE", "/users/me") => DeleteAccount,
        ("POST", "/auth/verify-email") => VerifyEmail,
        ("POST", "/auth/verify-email/resend") => ResendVerification,
        ("POST", "/auth/password-reset") => RequestPasswordReset,
        ("POST", "/auth/password-reset/confirm") => ResetPassword,
        ("POST", "/auth/email-change/confirm") => ConfirmEmailChange,
        ("POST", "/users/me/email") => ChangeEmail,
        ("GET", "/users/me/sessions") => ListSessions,
        ("POST", "/users/me/sessions/end-others") => EndOtherSessions,
        ("GET", "/users/me/export") => ExportAccount,
        ("POST", "/developer/key") => CreateKey,
        ("GET", "/developer/keys") => ListKeys,
        ("DELETE", "/developer/keys/{id}") => RevokeKey,
        ("GET", "/courses") => BrowseCatalog,
        ("GET", "/courses/{id}") => ViewCourse,
        ("GET", "/certificates/{code}") => VerifyCertificate,
        ("POST", "/courses/{id}/enroll") => Enroll,
        ("DELETE", "/courses/{id}/enroll") => Leave,
        ("GET", "/courses/{id}/progress") => ViewProgress,
        ("GET", "/users/me/enrollments") => ListEnrollments,
        ("GET", "/courses/{id}/contents/{cid}") => OpenItem,
        ("POST", "/courses/{id}/contents/{cid}/complete") => CompleteItem,
        ("POST", "/courses/{id}/contents/{cid}/attempts") => SubmitAttempt,
        ("GET", "/admin/courses") => ListCourses,
        ("POST", "/admin/courses") => CreateCourse,
        ("POST", "/admin/courses/import") => ImportCourse,
        ("GET", "/admin/courses/{id}/export" | "/admin/contents/{id}") => ReadCourse,
        ("PATCH", "/admin/courses/{id}") => UpdateCourse,
        ("DELETE", "/admin/courses/{id}") => DeleteCourse,
        ("POST", "/admin/courses/{id}/publish") => PublishCourse,
        ("PUT", "/admin/courses/{id}/order") => ReorderCourse,
        ("POST", "/admin/courses/{id}/sections") => AddSection,
        ("PUT", "/admin/sections/{id}") => RenameSection,
        ("DELETE", "/admin/sections/{id}") => DeleteSection,
        ("POST", "/admin/sections/{id}/contents") => AddItem,
        ("PUT", "/admin/contents/{id}") => ReplaceItem,
        ("DELETE", "/admin/contents/{id}") => DeleteItem,
        ("GET", "/admin/users") => ListUsers,
        ("PATCH", "/admin/users/{id}") => UpdateUser,
        ("GET", "/admin/audit-logs") => ReadAudit,
        ("GET", "/admin/emails") => ReadEmails,
        ("POST", "/analytics/analyze") => Analyze,
        ("POST", "/analytics/quick-analysis") => QuickAnalysis,
        ("GET", "/analytics/runs") => ListRuns,
        ("GET", "/analytics/runs/{id}" | "/analytics/runs/{id}/report") => ReadRun,
        ("DELETE", "/analytics/runs/{id}") => DeleteRun,
        ("GET", "/analytics/user-progress") => ReadOwnProgress,
        ("GET", "/analytics/course-progress") => ReadCourseProgress,
        ("GET", "/analytics/course-engagement") => ReadEngagement,
        ("GET", "/analytics/completion-rates") => ReadCompletion,
        ("GET", "/analytics/activity") => ReadActivity,
        _ => return None,
    })
}

const ROUTE_METHODS: [Method; 5] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::PATCH,
    Method::DELETE,
];

/// Checks the matched route's operation against the caller, before the handler (and so
/// before any body is read). `table` is the front end's route table.
pub async fn check(table: Table, req: Request, next: Next) -> Response {
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
    match table(method, path) {
        Some(op) => match op.permission().check(caller.as_ref()) {
            Ok(()) => next.run(req).await,
            Err(e) => e.into_response(),
        },
        // A method the route does not have: let the router answer 405.
        None if ROUTE_METHODS.iter().any(|m| table(m, path).is_some()) => {
            crate::error::respond(crate::error::problem(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed on this route",
            ))
        }
        // Fail closed: a route added without an operation is refused until it gets one.
        None => ServerError::Internal(format!("no operation for {} {path}", req.method()))
            .into_response(),
    }
}

/// The API's access layer.
pub async fn api(req: Request, next: Next) -> Response {
    check(api_operation, req, next).await
}
