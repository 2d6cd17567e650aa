//! Admin pages: the insights dashboard, users, courses and their editor (course fields and
//! outline, and one page per item), the audit log and the email outbox. Every page is an
//! admin operation (checked from the request's head before any body is read, `web::access`)
//! and every change is a use case of the domain, the same as on `/api/v1/admin`.

mod courses;
mod dashboard;
mod editor;
mod item;
mod records;
mod users;

use super::forms::FieldErrors;
use super::session::local_path;
use super::{Flash, Visitor};
use crate::error::ServerError;
use crate::setup::state::AppState;
use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};

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
            get(item::page).post(item::save),
        )
        .route("/admin/courses/{id}/items/{cid}/delete", post(item::delete))
        .route(
            "/admin/courses/{id}/items/{cid}/move",
            post(item::move_item),
        )
        .route("/admin/audit", get(records::audit))
        .route("/admin/emails", get(records::emails))
}

/// Largest editor form read (Markdown and quiz JSON, URL-encoded), unless the upload limit
/// is smaller.
const EDITOR_FORM_BYTES: usize = 1024 * 1024;

/// How large an editor form may be.
fn editor_limit(state: &AppState) -> usize {
    EDITOR_FORM_BYTES
        .min(state.settings.max_upload_bytes)
        .max(state.settings.max_body_bytes)
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
    v: &Visitor,
    back: Option<&str>,
    default: &str,
    result: Result<Flash, ServerError>,
) -> Result<Response, ServerError> {
    let to = back_to(back, default);
    match result {
        Ok(flash) => Ok(v.redirect(&to, Some(flash))),
        Err(e) => {
            let detail = refusal(e)?;
            Ok(v.redirect(&to, Some(Flash::error("admin.flash.refused").with(&detail))))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;
    use crate::web::{Pager, with_query};
    use pintar_core::api::Page;

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
    }
}
