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
        ("GET" | "POST", "/forgot-password") => RequestPasswordReset,
        ("GET" | "POST", "/reset-password") => ResetPassword,
        ("GET" | "POST", "/verify-email") => VerifyEmail,
        ("GET" | "POST", "/confirm-email") => ConfirmEmailChange,
        ("GET", "/account") => ReadProfile,
        ("POST", "/account/verify-email/resend") => ResendVerification,
        ("POST", "/account/email") => ChangeEmail,
        ("GET", "/account/sessions") => ListSessions,
        ("POST", "/account/sessions/end-others") => EndOtherSessions,
        ("GET", "/account/export.json") => ExportAccount,
        ("POST", "/account/delete") => DeleteAccount,
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every `.route("…", get(…).post(…))` in the website's sources, as (method, path).
    fn routed() -> Vec<(Method, String)> {
        let mut files = Vec::new();
        let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).expect("the web sources") {
                let path = entry.expect("an entry").path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let mut out = Vec::new();
        for file in files {
            // Code only: comments may show `.route(…)` as an example.
            let text: String = std::fs::read_to_string(&file)
                .expect("readable")
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (at, _) in text.match_indices(".route(") {
                let rest = &text[at + ".route(".len()..];
                let Some(start) = rest.find('"') else {
                    continue;
                };
                let Some(len) = rest[start + 1..].find('"') else {
                    continue;
                };
                let path = &rest[start + 1..start + 1 + len];
                // The handlers: up to the closing parenthesis of `.route(`.
                let mut depth = 1;
                let mut end = 0;
                for (i, c) in rest.char_indices() {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                let handlers = &rest[..end];
                for (name, method) in [("get(", Method::GET), ("post(", Method::POST)] {
                    if handlers.contains(name) {
                        out.push((method, path.to_string()));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_page_names_its_operation() {
        let routes = routed();
        assert!(routes.len() > 40, "the scan found the pages: {routes:?}");
        for (method, path) in routes {
            if path.starts_with("/assets/") {
                continue;
            }
            assert!(
                page_operation(&method, &path).is_some(),
                "{method} {path} performs no operation in web::access"
            );
        }
    }

    #[test]
    fn pages_and_api_routes_doing_the_same_thing_agree() {
        use crate::http::access::api_operation;
        // The same operation, so the same rule: asserted for the pairs a reader might doubt.
        let pairs = [
            (
                "POST",
                "/courses/{slug}/enroll",
                "POST",
                "/api/v1/courses/{id}/enroll",
            ),
            (
                "GET",
                "/learn/{slug}/{cid}",
                "GET",
                "/api/v1/courses/{id}/contents/{cid}",
            ),
            (
                "POST",
                "/developer/analytics",
                "POST",
                "/api/v1/analytics/analyze",
            ),
            ("POST", "/developer/keys", "POST", "/api/v1/developer/key"),
            (
                "POST",
                "/admin/courses/import",
                "POST",
                "/api/v1/admin/courses/import",
            ),
            (
                "POST",
                "/admin/users/{id}/role",
                "PATCH",
                "/api/v1/admin/users/{id}",
            ),
            ("GET", "/admin/audit", "GET", "/api/v1/admin/audit-logs"),
        ];
        for (pm, page, am, api) in pairs {
            let pm: Method = pm.parse().expect("method");
            let am: Method = am.parse().expect("method");
            let p = page_operation(&pm, page).expect("page");
            let a = api_operation(&am, api).expect("api");
            assert_eq!(p, a, "{page} and {api}");
        }
    }
}
