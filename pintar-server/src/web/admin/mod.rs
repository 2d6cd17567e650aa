//! Admin pages: the platform analytics dashboard, users, courses and their editor, the
//! audit log and the email outbox. Every page needs a signed-in admin ([`Admin`], checked
//! from the request's head before any body is read), and every change goes through the
//! API's own handler, so validation, audit entries, emails, session ends and catalogue
//! cache invalidation are the same code as on `/api/v1/admin`.

mod courses;
mod dashboard;
mod editor;
mod records;
mod users;

use super::session::local_path;
use super::{Admin, Flash};
use crate::error::{FieldError, ServerError};
use crate::state::AppState;
use axum::Router;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{get, post};
use pintar_core::api::Page;
use serde::de::DeserializeOwned;

/// The admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(dashboard::page))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}/role", post(users::set_role))
        .route("/admin/users/{id}/active", post(users::set_active))
        .route("/admin/courses", get(courses::list).post(courses::create))
        .route("/admin/courses/import", post(courses::import))
        .route(
            "/admin/courses/{id}",
            get(editor::page).post(editor::save_course),
        )
        .route("/admin/courses/{id}/export.json", get(courses::export))
        .route("/admin/courses/{id}/publish", post(courses::publish))
        .route("/admin/courses/{id}/archive", post(courses::archive))
        .route("/admin/courses/{id}/delete", post(courses::delete))
        .route("/admin/courses/{id}/sections", post(editor::add_section))
        .route(
            "/admin/courses/{id}/sections/{sid}",
            post(editor::rename_section),
        )
        .route(
            "/admin/courses/{id}/sections/{sid}/delete",
            post(editor::delete_section),
        )
        .route(
            "/admin/courses/{id}/sections/{sid}/move",
            post(editor::move_section),
        )
        .route(
            "/admin/courses/{id}/sections/{sid}/items",
            post(editor::add_item),
        )
        .route(
            "/admin/courses/{id}/items/{cid}",
            get(editor::item_page).post(editor::save_item),
        )
        .route(
            "/admin/courses/{id}/items/{cid}/delete",
            post(editor::delete_item),
        )
        .route(
            "/admin/courses/{id}/items/{cid}/move",
            post(editor::move_item),
        )
        .route("/admin/audit", get(records::audit))
        .route("/admin/emails", get(records::emails))
}

/// Field errors of a form, looked up by field name in templates.
#[derive(Debug, Clone, Default)]
struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The first message for `field`.
    fn of(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, as `field: message`.
    fn all(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|e| {
                if e.field.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.field, e.message)
                }
            })
            .collect()
    }
}

/// What an action refused for a reason the admin can act on (the client errors), as the
/// text a flash message shows; a fault of ours stays an error (an error page).
fn refusal(e: ServerError) -> Result<String, ServerError> {
    match e {
        ServerError::Validation(fields) => Ok(FieldErrors(fields).all().join("; ")),
        ServerError::NotFound(what) => Ok(format!("{what} not found")),
        e @ (ServerError::Conflict(_)
        | ServerError::BadRequest(_)
        | ServerError::Forbidden(_)
        | ServerError::PayloadTooLarge(_)) => Ok(e.to_string()),
        other => Err(other),
    }
}

/// Redirects after a small action: to `back` (an admin page this site sent) or `default`,
/// with `ok` on success or the refusal's detail on a client error.
fn after_action(
    m: &Admin,
    back: Option<&str>,
    default: &str,
    result: Result<Flash, ServerError>,
) -> Result<Response, ServerError> {
    let to = back_to(back, default);
    match result {
        Ok(flash) => Ok(m.v.redirect(&to, Some(flash))),
        Err(e) => {
            let detail = refusal(e)?;
            Ok(m.v.redirect(&to, Some(Flash::error("admin.flash.refused").with(&detail))))
        }
    }
}

/// `back` when it is an admin page of this site, else `default`.
fn back_to(back: Option<&str>, default: &str) -> String {
    back.map(str::trim)
        .and_then(local_path)
        .filter(|p| *p == "/admin" || p.starts_with("/admin/") || p.starts_with("/admin?"))
        .unwrap_or(default)
        .to_string()
}

/// A form body of up to `limit` bytes (the editor's forms carry Markdown and quiz JSON, so
/// they get more room than the default body limit: URL-encoding can triple a text's size).
async fn read_form<T: DeserializeOwned>(req: Request, limit: usize) -> Result<T, ServerError> {
    let bytes = crate::body::read_body(req, limit).await?;
    serde_urlencoded::from_bytes(&bytes)
        .map_err(|e| ServerError::BadRequest(format!("the form could not be read: {e}")))
}

/// The pager under a list: this page, the number of pages and links to the neighbours.
#[derive(Debug, Clone, Default)]
struct Pager {
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    /// The pager of `page`, with links made by `link(n)`.
    fn of<T>(page: &Page<T>, link: impl Fn(u64) -> String) -> Self {
        let pages = page.pages();
        Self {
            page: page.page,
            pages,
            prev: (page.page > 1).then(|| link((page.page - 1).min(pages))),
            next: (page.page < pages).then(|| link(page.page + 1)),
        }
    }
}

/// `path?query` from the non-empty `pairs` (and `path` alone when all are empty).
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    let mut any = false;
    for (k, v) in pairs {
        if !v.is_empty() {
            q.append_pair(k, v);
            any = true;
        }
    }
    if any {
        format!("{path}?{}", q.finish())
    } else {
        path.to_string()
    }
}

/// `text` trimmed, or `None` when that leaves nothing.
fn non_empty(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// At most `max` characters of `text` (what a re-rendered field or filter shows back).
fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goes_back_only_to_admin_pages() {
        assert_eq!(
            back_to(Some("/admin/users?q=a&page=2"), "/admin/users"),
            "/admin/users?q=a&page=2"
        );
        assert_eq!(back_to(Some("/admin"), "/x"), "/admin");
        for bad in [
            "//evil.example/admin/",
            "https://evil.example/admin/",
            "/administrator",
            "/courses",
            "/admin\\x",
            "",
        ] {
            assert_eq!(back_to(Some(bad), "/admin/users"), "/admin/users", "{bad}");
        }
        assert_eq!(back_to(None, "/admin/courses"), "/admin/courses");
    }

    #[test]
    fn queries_keep_only_what_is_set() {
        assert_eq!(
            with_query("/admin/users", &[("q", ""), ("page", "")]),
            "/admin/users"
        );
        assert_eq!(
            with_query(
                "/admin/users",
                &[("q", "a b&c"), ("role", ""), ("page", "2")]
            ),
            "/admin/users?q=a+b%26c&page=2"
        );
    }

    #[test]
    fn pager_links_stay_in_range() {
        let page = Page::<u8> {
            items: vec![],
            total: 45,
            page: 2,
            per_page: 20,
        };
        let p = Pager::of(&page, |n| format!("/x?page={n}"));
        assert_eq!((p.page, p.pages), (2, 3));
        assert_eq!(p.prev.as_deref(), Some("/x?page=1"));
        assert_eq!(p.next.as_deref(), Some("/x?page=3"));
        let beyond = Page::<u8> { page: 9, ..page };
        let p = Pager::of(&beyond, |n| format!("/x?page={n}"));
        assert_eq!(p.prev.as_deref(), Some("/x?page=3"));
        assert_eq!(p.next, None);
    }

    #[test]
    fn refusals_show_client_errors_only() {
        let v = ServerError::Validation(vec![FieldError::new("title", "must be 1 to 200")]);
        assert_eq!(refusal(v).ok().as_deref(), Some("title: must be 1 to 200"));
        let c = ServerError::Conflict("change your own account through another admin".into());
        assert!(refusal(c).is_ok_and(|s| s.contains("own account")));
        assert!(refusal(ServerError::Internal("boom".into())).is_err());
        let errors = FieldErrors(vec![FieldError::new("slug", "taken")]);
        assert_eq!(errors.of("slug"), Some("taken"));
        assert_eq!(errors.of("title"), None);
        assert_eq!(clip("abcdef", 3), "abc");
        assert_eq!(non_empty("  "), None);
        assert_eq!(non_empty(" a ").as_deref(), Some("a"));
    }
}
