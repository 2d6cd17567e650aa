//! Cross-cutting layers: error bodies in one shape, request ids, and security headers.

use crate::error::{PROBLEM_JSON, Problem, problem, respond};
use crate::setup::state::AppState;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

/// Largest error body read back to add the request id.
const MAX_PROBLEM_BYTES: usize = 64 * 1024;

/// Makes every error response a problem document carrying the request id: handler errors
/// get the id added; bare errors from routing, body limits and extractors (404, 405, 413,
/// 400, 415, 422 with a text body) are wrapped.
pub async fn problem_details(req: Request, next: Next) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    // Pages answer errors as pages.
    if res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
    {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, MAX_PROBLEM_BYTES).await.unwrap_or_default();
    let mut body = if is_problem {
        serde_json::from_slice::<Problem>(&bytes)
            .unwrap_or_else(|_| problem(status, "internal_error", "malformed error body"))
    } else {
        let text = String::from_utf8_lossy(&bytes).trim().to_string();
        let (code, detail) = match status {
            StatusCode::NOT_FOUND => ("not_found", "no such route".to_string()),
            StatusCode::METHOD_NOT_ALLOWED => (
                "method_not_allowed",
                "method not allowed on this route".into(),
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "the request body is larger than this server accepts".into(),
            ),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", text),
            StatusCode::BAD_REQUEST => ("bad_request", text),
            StatusCode::UNPROCESSABLE_ENTITY => ("validation_failed", text),
            _ => ("error", text),
        };
        problem(status, code, detail)
    };
    body.request_id = request_id;
    let mut out = respond(body);
    *out.status_mut() = parts.status;
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Whether `req` reached the site over HTTPS: the site says so (`PINTAR_SECURE_COOKIES`),
/// or a trusted proxy in front says `X-Forwarded-Proto: https`.
pub fn https(state: &AppState, req: &Request) -> bool {
    state.settings.secure_cookies
        || (state.limiter.from_trusted_proxy(req)
            && req
                .headers()
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")))
}

/// Adds conservative security headers to every response, and HSTS (a year) when the site
/// is served over HTTPS: browsers then never try it over plain HTTP. Subdomains are left
/// to their owners (no `includeSubDomains`).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let over_https = https(&state, &req);
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if over_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Pages say `same-origin` (so their forms carry a real `Origin`); the rest, nothing.
    h.entry("referrer-policy")
        .or_insert(HeaderValue::from_static("no-referrer"));
    // API answers are personal (tokens, keys, progress): no cache keeps them.
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.entry("content-security-policy")
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ));
    res
}

/// A 404 problem for the router's fallback.
pub async fn not_found() -> Response {
    respond(problem(StatusCode::NOT_FOUND, "not_found", "no such route"))
}

/// Longest request id accepted from a client.
const MAX_REQUEST_ID: usize = 64;

/// Whether a client's `X-Request-Id` is short and plain enough to echo and store: 1 to 64
/// characters of letters, digits, `-`, `_`, `.` and `:`.
fn acceptable_request_id(id: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a client's `X-Request-Id` that is not acceptable (or sent twice), so that a new
/// one is made for the request; runs before the request-id layer.
pub async fn screen_request_id(mut req: Request, next: Next) -> Response {
    let ids = req.headers().get_all("x-request-id");
    let mut values = ids.iter();
    let keep = match (values.next(), values.next()) {
        (Some(v), None) => acceptable_request_id(v.as_bytes()),
        _ => false,
    };
    if !keep {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        assert!(acceptable_request_id(
            b"0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
        ));
        assert!(acceptable_request_id(b"ci:run.42_a"));
        assert!(!acceptable_request_id(b""));
        assert!(!acceptable_request_id(&[b'a'; 65]));
        assert!(!acceptable_request_id(b"a b"));
        assert!(!acceptable_request_id(b"a\"b"));
    }
}
