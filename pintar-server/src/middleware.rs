//! Cross-cutting layers: error bodies in one shape, and security headers.

use crate::error::{PROBLEM_JSON, Problem};
use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

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
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, MAX_PROBLEM_BYTES).await.unwrap_or_default();
    let mut problem = if is_problem {
        serde_json::from_slice::<Problem>(&bytes)
            .unwrap_or_else(|_| Problem::new(status, "internal_error", "malformed error body"))
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
        Problem::new(status, code, detail)
    };
    problem.request_id = request_id;
    let mut out = problem.into_response();
    *out.status_mut() = parts.status;
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Adds conservative security headers to every response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.entry("content-security-policy")
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; frame-ancestors 'none'",
        ));
    res
}

/// A 404 problem for the router's fallback.
pub async fn not_found() -> Response {
    Problem::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response()
}
