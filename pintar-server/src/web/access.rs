//! Who may open each page: the operation a page performs, in one table, checked by the same
//! layer as the API's (`crate::http::access`) after routing and before any form body is
//! read. A page and the API route doing the same thing name the same [`Operation`], so they
//! cannot disagree. An anonymous visitor on a page that needs a session gets 401, which the
//! error layer turns into a sign-in redirect; a page missing from this table is refused.

use crate::policy::Operation;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;

/// The operation of `method` on the page route template `path`.
pub fn page_operation(method: &Method, path: &str) -> Option<Operation> {
    use Operation::*;
    Some(match (method.as_str(), path) {
        ("GET", "/" | "/courses") => BrowseCatalog,
        ("GET", "/courses/{slug}") => ViewCourse,
        ("GET", "/verify" | "/certificates/{code}") => VerifyCertificate,
        ("GET" | "POST", "/register") => Register,
        ("GET" | "POST", "/login") => SignIn,
        ("POST", "/logout") => SignOut,
        ("GET", "/lang/{code}") => SwitchLanguage,
        ("GET", "/dashboard") => ListEnrollments,
        ("POST", "/courses/{slug}/enroll") => Enroll,
        ("GET", "/learn/{slug}/{cid}") => OpenItem,
        ("POST", "/learn/{slug}/{cid}/complete") => CompleteItem,
        ("POST", "/learn/{slug}/{cid}/quiz") => SubmitAttempt,
        ("GET", "/developer") => ReadProfile,
        ("POST", "/developer/upgrade") => Upgrade,
        ("GET", "/developer/keys") => ListKeys,
        ("POST", "/developer/keys") => CreateKey,
        ("POST", "/developer/keys/{id}/revoke") => RevokeKey,
        ("GET", "/developer/analytics") => ListRuns,
        ("POST", "/developer/analytics") => Analyze,
        (
            "GET",
            "/developer/analytics/runs/{id}"
            | "/developer/analytics/runs/{id}/report.json"
            | "/developer/analytics/runs/{id}/report.csv",
        ) => ReadRun,
        ("POST", "/developer/analytics/runs/{id}/delete") => DeleteRun,
        ("GET", "/developer/start") => ReadGuide,
        ("GET", "/admin") => ViewDashboard,
        ("GET", "/admin/users") => ListUsers,
        ("POST", "/admin/users/{id}/role" | "/admin/users/{id}/active") => UpdateUser,
        ("GET", "/admin/courses") => ListCourses,
        ("POST", "/admin/courses") => CreateCourse,
        ("POST", "/admin/courses/import") => ImportCourse,
        (
            "GET",
            "/admin/courses/{id}"
            | "/admin/courses/{id}/export.json"
            | "/admin/courses/{id}/items/{cid}",
        ) => ReadCourse,
        ("POST", "/admin/courses/{id}") => UpdateCourse,
        ("POST", "/admin/courses/{id}/publish") => PublishCourse,
        ("POST", "/admin/courses/{id}/archive") => ArchiveCourse,
        ("POST", "/admin/courses/{id}/delete") => DeleteCourse,
        ("POST", "/admin/courses/{id}/sections") => AddSection,
        ("POST", "/admin/courses/{id}/sections/{sid}") => RenameSection,
        ("POST", "/admin/courses/{id}/sections/{sid}/delete") => DeleteSection,
        (
            "POST",
            "/admin/courses/{id}/sections/{sid}/move" | "/admin/courses/{id}/items/{cid}/move",
        ) => ReorderCourse,
        ("POST", "/admin/courses/{id}/sections/{sid}/items") => AddItem,
        ("POST", "/admin/courses/{id}/items/{cid}") => ReplaceItem,
        ("POST", "/admin/courses/{id}/items/{cid}/delete") => DeleteItem,
        ("GET", "/admin/audit") => ReadAudit,
        ("GET", "/admin/emails") => ReadEmails,
        _ => return None,
    })
}

/// The pages' access layer.
pub async fn pages(req: Request, next: Next) -> Response {
    crate::http::access::check(page_operation, req, next).await
}
