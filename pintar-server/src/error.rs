//! The server's one error type and its HTTP mapping: RFC 9457 `application/problem+json` with
//! a stable `code`. Internal causes are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// Media type of error bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name in the request.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The problem document sent for every error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// Always `about:blank`: the `code` identifies the problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// HTTP status.
    pub status: u16,
    /// Short, fixed summary of the status.
    pub title: String,
    /// What happened, for people.
    pub detail: String,
    /// Stable machine-readable code (`not_found`, `validation_failed`, …).
    pub code: String,
    /// The request's id (also the `X-Request-Id` header); filled in by the middleware.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Invalid fields, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl Problem {
    /// A problem with the standard title for `status`.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: "about:blank".into(),
            status: status.as_u16(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            detail: detail.into(),
            code: code.into(),
            request_id: None,
            errors: Vec::new(),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(self)).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        res
    }
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The resource does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// The request is well-formed but some fields are invalid.
    #[error("invalid fields: {}", describe(.0))]
    Validation(Vec<FieldError>),
    /// The request conflicts with existing data (a unique field is taken).
    #[error("{0}")]
    Conflict(String),
    /// No valid credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// Authenticated, but the role does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{} {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ServerError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ServerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ServerError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ServerError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::Database(_) => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
            ServerError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let detail = match &self {
            ServerError::Database(e) => {
                tracing::error!(error = %e, "database error");
                "the database is not available; try again shortly".to_string()
            }
            ServerError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                "something went wrong on our side".to_string()
            }
            other => other.to_string(),
        };
        let mut problem = Problem::new(status, code, detail);
        if let ServerError::Validation(errors) = self {
            problem.errors = errors;
        }
        problem.into_response()
    }
}
