//! Browser sessions and forms: the session cookie (a signed access token of a server-side
//! session, so logout, disabling and role changes apply on the next request, exactly as for
//! the API), the CSRF token every form carries, the language and one-shot flash messages.
//!
//! Cookies are `HttpOnly`, `SameSite=Lax`, `Path=/`. When the site is served over HTTPS
//! (`PINTAR_SECURE_COOKIES`, or `X-Forwarded-Proto: https` from a trusted proxy) they are
//! `Secure` and named with the `__Host-` prefix, so no subdomain and no plain-HTTP page can
//! plant one; only the prefixed names are read then.
//!
//! A website session ends after `PINTAR_WEB_SESSION_IDLE_SECS` without a request (2 hours)
//! and at the latest `PINTAR_WEB_SESSION_MAX_SECS` after sign-in (7 days): the cookie's
//! token expires at the idle limit and is renewed, at most once a minute, while the visitor
//! is active, never past the absolute one.

use super::i18n::{Lang, Tr};
use crate::auth::{Credentials, random_token};
use crate::error::ServerError;
use crate::http::extract::{Authenticated, origin_of};
use crate::policy::{Actor, Caller};
use crate::setup::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use subtle::ConstantTimeEq;

/// A cookie's name over plain HTTP and over HTTPS (`__Host-` prefixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieName {
    plain: &'static str,
    host: &'static str,
}

impl CookieName {
    /// The name for a site served over HTTPS (`secure`) or not.
    pub fn get(self, secure: bool) -> &'static str {
        if secure { self.host } else { self.plain }
    }
}

/// The session cookie: an access token of the session made at sign-in.
pub const SESSION_COOKIE: CookieName = CookieName {
    plain: "pe_session",
    host: "__Host-pe_session",
};
/// The CSRF cookie: a random token every form must echo.
pub const CSRF_COOKIE: CookieName = CookieName {
    plain: "pe_csrf",
    host: "__Host-pe_csrf",
};
/// The chosen language.
pub const LANG_COOKIE: CookieName = CookieName {
    plain: "pe_lang",
    host: "__Host-pe_lang",
};
/// A message shown once on the next page.
pub const FLASH_COOKIE: CookieName = CookieName {
    plain: "pe_flash",
    host: "__Host-pe_flash",
};
/// A session cookie is renewed (its idle time starting again) at most this often.
const RENEW_AFTER_SECS: i64 = 60;
/// Longest cookie value read.
const MAX_COOKIE: usize = 4096;

/// The value of cookie `name`, if sent (once, short enough).
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_string()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
        .filter(|v| !v.is_empty() && v.len() <= MAX_COOKIE)
}

/// The language the visitor chose (Indonesian unless they chose English), under either
/// name (a language is no secret, and error pages may not know the scheme).
pub fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE.host)
        .or_else(|| cookie(headers, LANG_COOKIE.plain))
        .and_then(|c| Lang::from_code(&c))
        .unwrap_or_default()
}

/// Whether the visitor reached the site over HTTPS: the site says so
/// (`PINTAR_SECURE_COOKIES`), or a trusted proxy in front says `X-Forwarded-Proto: https`.
/// Left in the request by [`load`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Https(pub bool);

/// Whether cookies must be `Secure` for `req` (see [`Https`]).
pub fn secure(state: &AppState, req: &Request) -> bool {
    crate::http::middleware::https(state, req)
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, `Path=/`; `max_age` in seconds
/// (`None`: for the browser session; `Some(0)`: delete).
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(age) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(age));
    }
    HeaderValue::from_str(&c.build().to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("pe_invalid=; Max-Age=0"))
}

/// Middleware: the caller behind the session cookie, left in the request for the page
/// extractors. A cookie whose session ended is deleted; a live one is renewed at most once
/// a minute (its idle time starts again, within the session's absolute lifetime).
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let secure = secure(&state, &req);
    let name = SESSION_COOKIE.get(secure);
    let token = cookie(req.headers(), name);
    let mut ended = false;
    let mut renewed = None;
    let caller = match token {
        Some(t) => match state
            .authn
            .authenticate(&state.db, &Credentials::WebSession(t.clone()))
            .await
        {
            Ok(u) => {
                renewed = renew(&state, &t, &u).await;
                Some(u)
            }
            Err(ServerError::Unauthorized(_)) => {
                ended = true;
                None
            }
            Err(e) => return e.into_response(),
        },
        None => None,
    };
    req.extensions_mut().insert(Https(secure));
    req.extensions_mut().insert(Authenticated(caller));
    let mut res = next.run(req).await;
    // A page that signed in or out set its own session cookie: it wins.
    let set_here = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()));
    if ended && !set_here {
        res.headers_mut()
            .append(header::SET_COOKIE, set_cookie(name, "", Some(0), secure));
    } else if let Some((token, age)) = renewed.filter(|_| !set_here) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(name, &token, Some(age), secure),
        );
    }
    res
}

/// A renewed session token and its cookie's age, when the one sent is over a minute old;
/// the session's last activity is recorded with it.
async fn renew(state: &AppState, token: &str, caller: &Caller) -> Option<(String, i64)> {
    let keys = state.authn.keys();
    let claims = keys.verify(token).ok()?;
    let now = chrono::Utc::now().timestamp();
    if now - claims.iat < RENEW_AFTER_SECS || claims.auth == 0 {
        return None;
    }
    let sid = caller.session()?;
    let life = state.web_lifetime();
    let fresh = keys
        .issue_web(caller.id, caller.role, sid, claims.auth, life)
        .ok()?;
    if let Err(e) = crate::accounts::sessions::touch(&state.db, sid).await {
        tracing::warn!(error = %e, "session activity not recorded");
    }
    Some((fresh, life.expiry(claims.auth, now) - now))
}

fn forbidden_form(why: &str) -> Response {
    tracing::info!(why, "form refused");
    ServerError::Forbidden(format!(
        "this form has expired or came from another site ({why}); go back, reload the page and try again"
    ))
    .into_response()
}

/// Middleware: every request that changes something (any method but GET and HEAD) must
/// come from this site and carry the CSRF token in its `csrf` query parameter (forms put
/// it in their `action`), equal to the CSRF cookie. Checked before any handler runs, so a
/// forged form reads no body and changes nothing.
pub async fn guard(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let headers = req.headers();
    // Browsers say where a request came from; a cross-site one is refused outright.
    if let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.as_bytes(), b"same-origin" | b"none")
    {
        return forbidden_form("cross-site request");
    }
    // `Origin: null` comes from privacy settings (a `no-referrer` policy, say); it is
    // believed only when the browser also says the request is same-origin.
    let same_origin = headers
        .get("sec-fetch-site")
        .is_some_and(|s| s.as_bytes() == b"same-origin");
    if let Some(origin) = headers.get(header::ORIGIN)
        && !(origin.as_bytes() == b"null" && same_origin)
    {
        let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, h)| h.as_bytes());
        if host.is_none() || origin_host != host {
            return forbidden_form("another origin");
        }
    }
    let sent = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned())
    });
    let secure = req.extensions().get::<Https>().is_some_and(|h| h.0);
    let expected = cookie(headers, CSRF_COOKIE.get(secure));
    let ok = match (sent, expected) {
        (Some(s), Some(e)) => s.len() == e.len() && bool::from(s.as_bytes().ct_eq(e.as_bytes())),
        _ => false,
    };
    if !ok {
        return forbidden_form("no valid token");
    }
    next.run(req).await
}

/// A one-shot message for the next page, by message key (with an optional argument).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    /// Success (`true`) or a problem.
    pub ok: bool,
    /// The message key.
    pub key: String,
    /// Text put in for `{0}`.
    pub arg: String,
}

impl Flash {
    /// A success message.
    pub fn ok(key: &str) -> Self {
        Self {
            ok: true,
            key: key.into(),
            arg: String::new(),
        }
    }

    /// A problem message.
    pub fn error(key: &str) -> Self {
        Self {
            ok: false,
            ..Self::ok(key)
        }
    }

    /// With `{0}` replaced by `arg` (at most 200 characters kept).
    pub fn with(mut self, arg: &str) -> Self {
        self.arg = arg.chars().take(200).collect();
        self
    }

    fn encode(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("k", &self.key)
            .append_pair("a", &self.arg)
            .append_pair("ok", if self.ok { "1" } else { "0" })
            .finish()
    }

    fn decode(raw: &str) -> Option<Self> {
        let mut f = Self::ok("");
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match &*k {
                "k" => f.key = v.chars().take(100).collect(),
                "a" => f.arg = v.chars().take(200).collect(),
                "ok" => f.ok = v == "1",
                _ => {}
            }
        }
        (!f.key.is_empty()).then_some(f)
    }
}

/// Who is looking at a page, in which language, with the CSRF token their forms carry.
/// Pages build their answer through it, so the cookies it needs are set.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// The words of the visitor's language.
    pub t: Tr,
    /// The signed-in caller, if any (current role, live session), and where the request
    /// came from: what the use cases take.
    pub actor: Actor,
    /// The signed-in caller, if any.
    pub user: Option<Caller>,
    /// The CSRF token for forms.
    pub csrf: String,
    /// The message left by the previous page.
    pub flash: Option<Flash>,
    /// The path and query of this page (for the language switch and sign-in return).
    pub here: String,
    new_csrf: bool,
    secure: bool,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let headers = &parts.headers;
        let user = parts.extensions.get::<Authenticated>().and_then(|a| a.0);
        // A key-made caller never reaches pages (the session cookie is the only credential
        // read here), but be explicit: pages are for signed-in sessions.
        let user = user.filter(|u| u.session().is_some());
        let secure = parts.extensions.get::<Https>().is_some_and(|h| h.0);
        let existing = cookie(headers, CSRF_COOKIE.get(secure)).filter(|c| c.len() == 43);
        let new_csrf = existing.is_none();
        Ok(Self {
            t: Tr::new(lang_of(headers)),
            actor: Actor::new(user, origin_of(parts)),
            user,
            csrf: existing.unwrap_or_else(|| random_token(32)),
            flash: cookie(headers, FLASH_COOKIE.get(secure)).and_then(|f| Flash::decode(&f)),
            here: here(&parts.uri),
            new_csrf,
            secure,
        })
    }
}

impl Visitor {
    /// `path` with this visitor's CSRF token as the `csrf` query parameter (a form's
    /// `action`).
    pub fn action(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{path}{sep}csrf={}", self.csrf)
    }

    /// The signed-in caller, or 401 (which the error layer turns into a sign-in redirect).
    pub fn caller(&self) -> Result<Caller, ServerError> {
        self.user
            .ok_or_else(|| ServerError::Unauthorized("sign in first".into()))
    }

    fn cookies(&self, res: &mut Response, consumed_flash: bool) {
        let h = res.headers_mut();
        if self.new_csrf {
            h.append(
                header::SET_COOKIE,
                set_cookie(CSRF_COOKIE.get(self.secure), &self.csrf, None, self.secure),
            );
        }
        if consumed_flash && self.flash.is_some() {
            h.append(
                header::SET_COOKIE,
                set_cookie(FLASH_COOKIE.get(self.secure), "", Some(0), self.secure),
            );
        }
    }

    /// An HTML page: the rendered template (its flash message now shown).
    pub fn html(&self, rendered: Result<String, askama::Error>) -> Response {
        self.html_status(StatusCode::OK, rendered)
    }

    /// An HTML page with `status`.
    pub fn html_status(
        &self,
        status: StatusCode,
        rendered: Result<String, askama::Error>,
    ) -> Response {
        let mut res = match rendered {
            Ok(body) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
            Err(e) => ServerError::Internal(format!("template: {e}")).into_response(),
        };
        self.cookies(&mut res, true);
        res
    }

    /// A 303 redirect to `to` (post/redirect/get), leaving `flash` for the next page.
    pub fn redirect(&self, to: &str, flash: Option<Flash>) -> Response {
        let mut res = (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, local_path(to).unwrap_or("/"))],
        )
            .into_response();
        self.cookies(&mut res, false);
        if let Some(f) = flash {
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    FLASH_COOKIE.get(self.secure),
                    &f.encode(),
                    Some(60),
                    self.secure,
                ),
            );
        }
        res
    }

    /// Sets (`Some`, with the cookie's age in seconds) or deletes (`None`) the session
    /// cookie on `res`, and gives a new CSRF token with a new session (a token seen before
    /// sign-in is not reused after).
    pub fn set_session(&self, res: &mut Response, token: Option<(&str, i64)>) {
        let h = res.headers_mut();
        let name = SESSION_COOKIE.get(self.secure);
        match token {
            Some((t, age)) => {
                h.append(
                    header::SET_COOKIE,
                    set_cookie(name, t, Some(age), self.secure),
                );
                h.append(
                    header::SET_COOKIE,
                    set_cookie(
                        CSRF_COOKIE.get(self.secure),
                        &random_token(32),
                        None,
                        self.secure,
                    ),
                );
            }
            None => {
                h.append(
                    header::SET_COOKIE,
                    set_cookie(name, "", Some(0), self.secure),
                );
            }
        }
    }

    /// Sets the language cookie on `res`.
    pub fn set_lang(&self, res: &mut Response, lang: Lang) {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                LANG_COOKIE.get(self.secure),
                lang.code(),
                Some(365 * 24 * 3600),
                self.secure,
            ),
        );
    }
}

/// The path and query of `uri` without its CSRF token (a page rendered in answer to a
/// form keeps its address; the token must not travel on in links, history or logs).
pub fn here(uri: &axum::http::Uri) -> String {
    let path = uri.path();
    match uri.query() {
        None => path.to_string(),
        Some(q) => {
            let kept: Vec<&str> = q
                .split('&')
                .filter(|p| !p.starts_with("csrf=") && *p != "csrf")
                .collect();
            if kept.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
    }
}

/// `to` if it is a path on this site (`/…`, not `//…` or a backslash trick), else `None`:
/// return addresses from the query never send a visitor elsewhere.
pub fn local_path(to: &str) -> Option<&str> {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.contains('\\')
        && to.len() <= 2048
        && !to.chars().any(char::is_control);
    ok.then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_and_paths_stay_local() {
        let f = Flash::error("flash.x").with("a;b=c d");
        assert_eq!(Flash::decode(&f.encode()), Some(f));
        assert_eq!(Flash::decode("junk"), None);
        assert_eq!(local_path("/courses?q=a"), Some("/courses?q=a"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a\nb",
            "x",
        ] {
            assert_eq!(local_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_token_never_stays_in_the_address() {
        let here = |u: &'static str| here(&axum::http::Uri::from_static(u));
        assert_eq!(here("/login?csrf=abc"), "/login");
        assert_eq!(here("/a?x=1&csrf=abc&y=2"), "/a?x=1&y=2");
        assert_eq!(here("/a?x=1"), "/a?x=1");
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let v = set_cookie("pe_session", "abc", Some(10), true);
        let s = v.to_str().expect("text");
        for part in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/", "Max-Age=10"] {
            assert!(s.contains(part), "{s}");
        }
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; pe_lang=en"));
        assert_eq!(lang_of(&h), Lang::En);
        assert_eq!(cookie(&h, "a").as_deref(), Some("1"));
    }
}
