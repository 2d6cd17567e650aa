//! The website, rendered by the server: pages are handlers like the API's, calling the same
//! use cases, rendering askama templates checked at compile time. Sessions are cookies;
//! every form carries a CSRF token; who may open a page is the rule of the operation it
//! performs ([`access`]), checked before any form body is read, as on the API.
//!
//! Areas: [`public`] (landing, catalogue, outlines, certificate verification),
//! [`account`] (register, sign in and out, language), [`recovery`] (forgotten passwords
//! and the pages emailed links open), [`settings`] (the account page: address, sessions,
//! export, deletion), [`learn`] (dashboard, lessons,
//! quizzes, certificates), [`developer`] (upgrade, API keys, the analysis workbench,
//! getting started) and [`admin`] (users, courses, insights, audit log, emails). Shared
//! pieces: [`session`] (cookies, CSRF, flash), [`forms`], [`i18n`], [`assets`],
//! [`markdown`].

pub mod access;
pub mod account;
pub mod admin;
pub mod assets;
pub mod developer;
pub mod forms;
pub mod i18n;
pub mod learn;
pub mod markdown;
pub mod public;
pub mod recovery;
pub mod session;
pub mod settings;

use crate::error::{PROBLEM_JSON, Problem, ServerError};
use crate::setup::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use i18n::Tr;
use pintar_core::api::{Page, Role};
pub use session::{Flash, Visitor};

/// What a page's layout shows around it: language, who is signed in, the flash message,
/// the CSRF token for forms and the asset addresses.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// The visitor's words.
    pub t: Tr,
    /// The signed-in user's display name (empty when anonymous).
    pub name: String,
    /// The signed-in user's role.
    pub role: Option<Role>,
    /// The CSRF token.
    pub csrf: String,
    /// The flash message: success, text.
    pub flash: Option<(bool, String)>,
    /// This page's path and query.
    pub here: String,
    /// The stylesheet's address.
    pub css: String,
    /// The script's address.
    pub js: String,
    /// The icon's address.
    pub icon: String,
}

impl Chrome {
    /// The layout for `v`; reads the signed-in user's name.
    pub async fn of(state: &AppState, v: &Visitor) -> Result<Self, ServerError> {
        let name = match &v.user {
            Some(u) => state.authn.display_name(&state.db, u).await?,
            None => String::new(),
        };
        Ok(Self {
            t: v.t,
            name,
            role: v.user.map(|u| u.role),
            csrf: v.csrf.clone(),
            flash: v
                .flash
                .as_ref()
                .map(|f| (f.ok, v.t.get(&f.key).replace("{0}", &f.arg))),
            here: v.here.clone(),
            css: assets::css(),
            js: assets::js(),
            icon: assets::icon(),
        })
    }

    /// `path` with the CSRF token (a form's `action`).
    pub fn action(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}csrf={}", self.csrf)
    }

    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.role.is_some()
    }

    /// Whether the signed-in user is a developer or an admin.
    pub fn is_developer(&self) -> bool {
        matches!(self.role, Some(Role::Developer | Role::Admin))
    }

    /// Whether the signed-in user is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin)
    }

    /// The address that switches to language `code` and comes back here.
    pub fn lang_link(&self, code: &str) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/lang/{code}?next={next}")
    }

    /// A course level in the visitor's words.
    pub fn level(&self, level: &pintar_core::api::CourseLevel) -> &'static str {
        use pintar_core::api::CourseLevel as L;
        self.t.get(match level {
            L::Beginner => "level.beginner",
            L::Intermediate => "level.intermediate",
            L::Advanced => "level.advanced",
        })
    }

    /// A kind of course item in the visitor's words.
    pub fn kind(&self, kind: &pintar_core::api::ContentKind) -> &'static str {
        use pintar_core::api::ContentKind as K;
        self.t.get(match kind {
            K::Lesson => "kind.lesson",
            K::Video => "kind.video",
            K::Quiz => "kind.quiz",
        })
    }

    /// A percentage as the page shows it (`42%`).
    pub fn percent(&self, p: &f64) -> String {
        format!("{:.0}%", p.clamp(0.0, 100.0))
    }

    /// The language code of the page.
    pub fn lang(&self) -> &'static str {
        self.t.lang.code()
    }
}

/// The website's routes (the API lives under `/api/v1`).
pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .merge(public::router())
        .merge(account::router())
        .merge(recovery::router())
        .merge(settings::router())
        .merge(learn::router())
        .merge(developer::router())
        .merge(admin::router())
        // After routing, before any handler reads a form: the page's operation is checked
        // against the signed-in visitor (anonymous visitors are sent to sign in).
        .route_layer(axum::middleware::from_fn(access::pages))
        // Inner to outer: the CSRF guard runs after the session is read and before any
        // handler; errors become pages.
        .layer(axum::middleware::from_fn(session::guard))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            session::load,
        ))
        .layer(axum::middleware::from_fn_with_state(state, limit))
        .layer(axum::middleware::from_fn(html_errors))
        .layer(axum::middleware::map_response(page_headers));
    Router::new()
        .route("/assets/{name}", get(assets::serve))
        .merge(pages)
}

/// Pages send their `Origin` on same-site form posts (a `no-referrer` policy would make
/// browsers send `Origin: null`), and nothing to other sites.
async fn page_headers(mut res: Response) -> Response {
    res.headers_mut().insert(
        "referrer-policy",
        axum::http::HeaderValue::from_static("same-origin"),
    );
    res
}

/// Middleware: the API's rate limits on pages, per client address: signing in,
/// registering, the recovery forms and the forms that check a password count in the auth
/// tier (20/min by default), every other page in the general tier (100/min). Assets are
/// not counted.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    use crate::http::ratelimit::Tier;
    if !state.limiter.enabled() {
        return next.run(req).await;
    }
    let client = state.limiter.client(&req);
    let key = crate::http::client_ip::limit_key(client);
    let auth = req.method() == Method::POST
        && matches!(
            req.uri().path(),
            "/login"
                | "/register"
                | "/forgot-password"
                | "/reset-password"
                | "/verify-email"
                | "/confirm-email"
                | "/account/email"
                | "/account/delete"
        );
    let tier = if auth { Tier::Auth } else { Tier::General };
    let d = state.limiter.check(tier, &key).await;
    if !d.allowed {
        return crate::http::ratelimit::refused(&d);
    }
    let mut res = next.run(req).await;
    crate::http::ratelimit::set_headers(res.headers_mut(), &d);
    res
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    status: u16,
    title: String,
    detail: String,
}

/// Middleware: an error from a page (a problem document from the services, the gate or
/// axum) is shown as a page in the visitor's language; a page that needs a signed-in
/// visitor sends an anonymous one to sign in first.
pub async fn html_errors(req: Request, next: Next) -> Response {
    let t = Tr::new(session::lang_of(req.headers()));
    let here = session::here(req.uri());
    let is_get = req.method() == Method::GET;
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if html {
        return res;
    }
    if status == StatusCode::UNAUTHORIZED && is_get {
        let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
        let mut out = Redirect::to(&format!("/login?next={next}")).into_response();
        // Keep the cookies the layers inside set (deleting a dead session cookie).
        for value in res.headers().get_all(header::SET_COOKIE) {
            out.headers_mut().append(header::SET_COOKIE, value.clone());
        }
        return out;
    }
    let (parts, body) = res.into_parts();
    let is_problem = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let bytes = to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let detail = if is_problem {
        serde_json::from_slice::<Problem>(&bytes)
            .map(|p| p.detail)
            .unwrap_or_default()
    } else {
        String::from_utf8_lossy(&bytes).chars().take(500).collect()
    };
    let key = match status.as_u16() {
        400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503 => {
            format!("error.status_{}", status.as_u16())
        }
        s if s >= 500 => "error.status_500".to_string(),
        _ => "error.status_400".to_string(),
    };
    // The detail of a server fault is never shown.
    let detail = if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        String::new()
    } else {
        detail
    };
    let mut out = error_page(t, here, status, t.get(&key), detail);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

/// The 404 page for addresses outside the API.
pub async fn not_found(State(_): State<AppState>, req: Request) -> Response {
    let t = Tr::new(session::lang_of(req.headers()));
    let here = req.uri().path().to_string();
    error_page(
        t,
        here,
        StatusCode::NOT_FOUND,
        t.get("error.status_404"),
        String::new(),
    )
}

/// An error page for an anonymous layout (the caller may not be known when it fails).
fn error_page(t: Tr, here: String, status: StatusCode, title: &str, detail: String) -> Response {
    let page = ErrorPage {
        c: Chrome {
            t,
            name: String::new(),
            role: None,
            csrf: String::new(),
            flash: None,
            here,
            css: assets::css(),
            js: assets::js(),
            icon: assets::icon(),
        },
        status: status.as_u16(),
        title: title.to_string(),
        detail,
    };
    match page.render() {
        Ok(body) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(_) => (status, "error").into_response(),
    }
}

/// The pager under a list: this page, the number of pages and links to the neighbours.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// This page.
    pub page: u64,
    /// Pages in all.
    pub pages: u64,
    /// The previous page's address.
    pub prev: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

impl Pager {
    /// The pager of `page`, with links made by `link(n)`.
    pub fn of<T>(page: &Page<T>, link: impl Fn(u64) -> String) -> Self {
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
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
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
