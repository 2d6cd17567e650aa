//! The error body of every failed API call: RFC 9457 `application/problem+json` with a
//! stable `code`. The server encodes it and the SDK decodes it with this same type.

use serde::{Deserialize, Serialize};

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name in the request (`answers[2]`, `email`, …).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// An error for `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The problem document sent for every error.
///
/// ```
/// let p = pintar_core::api::Problem::new(404, "not_found", "course not found");
/// assert_eq!(p.title, "Not Found");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Always `about:blank`: the `code` identifies the problem.
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    /// HTTP status.
    pub status: u16,
    /// Short, fixed summary of the status.
    pub title: String,
    /// What happened, for people.
    #[serde(default)]
    pub detail: String,
    /// Stable machine-readable code (`not_found`, `validation_failed`, `rate_limited`, …).
    pub code: String,
    /// The request's id (also the `X-Request-Id` header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn about_blank() -> String {
    "about:blank".into()
}

impl Problem {
    /// A problem with the standard title for `status`.
    pub fn new(status: u16, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: about_blank(),
            status,
            title: title(status).into(),
            detail: detail.into(),
            code: code.into(),
            request_id: None,
            errors: Vec::new(),
        }
    }
}

/// The standard reason phrase of the statuses this API sends.
fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        s if s >= 500 => "Server Error",
        _ => "Error",
    }
}
