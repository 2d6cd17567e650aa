//! The server's one error type and its HTTP mapping: RFC 9457 `application/problem+json`
//! (the [`Problem`] type of `pintar-core`, which the SDK decodes) with a stable `code`.
//! Internal causes are logged, never sent. Database errors are mapped here, in one place:
//! a constraint violation is the client's conflict (409), a database that cannot be reached
//! is 503 with `Retry-After`, anything else is our bug (500).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
pub use pintar_core::api::{FieldError, PROBLEM_JSON, Problem};
use sea_orm::{DbErr, SqlErr};

/// Seconds a client is told to wait when the database is unavailable.
const DB_RETRY_AFTER_SECS: u32 = 2;

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
    /// Authenticated, but the role or the key's scopes do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The account's email is not verified yet, and this needs it.
    #[error("{0}")]
    Unverified(String),
    /// The body is not what the route reads (malformed JSON, wrong shape).
    #[error("{0}")]
    BadRequest(String),
    /// The body's media type is not one the route reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is larger than the route accepts (the limit, in bytes).
    #[error("the request body is larger than the {0} bytes this route accepts")]
    PayloadTooLarge(usize),
    /// The input could not be analysed (the engine says where and why).
    #[error("{0}")]
    Analysis(#[from] pintar_core::AnalyticsError),
    /// Busy: a queue is full; try again after the given seconds.
    #[error("{detail}")]
    Busy {
        /// What is full.
        detail: String,
        /// Seconds to wait.
        retry_after: u32,
    },
    /// The caller has too much in flight; try again after the given seconds.
    #[error("{detail}")]
    TooMany {
        /// The problem's `code`: which limit.
        code: &'static str,
        /// What the limit is.
        detail: String,
        /// Seconds to wait.
        retry_after: u32,
    },
    /// The request body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// A problem recorded earlier (a failed run's), answered as it was.
    #[error("{}", .0.detail)]
    Stored(Box<Problem>),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// The server is configured wrongly (at start).
    #[error("configuration: {0}")]
    Config(String),
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

/// How a database error reaches the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DbFailure {
    /// A unique or foreign-key constraint refused the write: the request conflicts.
    Constraint,
    /// The database cannot be reached or is overloaded: try again.
    Unavailable,
    /// A bug (a bad query, a type mismatch): ours.
    Bug,
}

fn classify(e: &DbErr) -> DbFailure {
    if let Some(SqlErr::UniqueConstraintViolation(_) | SqlErr::ForeignKeyConstraintViolation(_)) =
        e.sql_err()
    {
        return DbFailure::Constraint;
    }
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => DbFailure::Unavailable,
        other if is_unavailable(&other.to_string()) => DbFailure::Unavailable,
        _ => DbFailure::Bug,
    }
}

/// Messages of transient failures: lost connections, timeouts, SQLite's busy lock,
/// PostgreSQL's serialization and deadlock aborts.
fn is_unavailable(message: &str) -> bool {
    const TRANSIENT: [&str; 9] = [
        "database is locked",
        "database is busy",
        "pool timed out",
        "connection refused",
        "connection reset",
        "broken pipe",
        "could not serialize",
        "deadlock detected",
        "the database system is",
    ];
    let m = message.to_lowercase();
    TRANSIENT.iter().any(|t| m.contains(t))
}

impl ServerError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ServerError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ServerError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
            ServerError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ServerError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ServerError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ServerError::Unverified(_) => (StatusCode::FORBIDDEN, "email_unverified"),
            ServerError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ServerError::UnsupportedMediaType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ServerError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            ServerError::Analysis(e) => match e {
                pintar_core::AnalyticsError::Io { .. } | pintar_core::AnalyticsError::Write(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
                }
                pintar_core::AnalyticsError::TooManyPoints { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "analysis_too_large")
                }
                pintar_core::AnalyticsError::DeadlineExceeded { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, "analysis_deadline")
                }
                _ => (StatusCode::UNPROCESSABLE_ENTITY, "analysis_failed"),
            },
            ServerError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ServerError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            ServerError::Stored(p) => (
                StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                "stored",
            ),
            ServerError::TooMany { code, .. } => (StatusCode::TOO_MANY_REQUESTS, code),
            ServerError::Database(e) => match classify(e) {
                DbFailure::Constraint => (StatusCode::CONFLICT, "conflict"),
                DbFailure::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "database_unavailable"),
                DbFailure::Bug => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            },
            ServerError::Config(_) | ServerError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
        }
    }
}

/// A 422 when a text field is longer than `max` characters.
pub fn too_long(field: &str, value: Option<&str>, max: usize) -> Result<(), ServerError> {
    if value.is_some_and(|v| v.chars().count() > max) {
        return Err(ServerError::Validation(vec![FieldError::new(
            field,
            format!("must be at most {max} characters"),
        )]));
    }
    Ok(())
}

/// A problem document for `status`.
pub fn problem(status: StatusCode, code: &str, detail: impl Into<String>) -> Problem {
    Problem::new(status.as_u16(), code, detail)
}

/// The response carrying `problem` with its status and media type.
pub fn respond(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = (status, Json(problem)).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    res
}

impl ServerError {
    /// The problem document this error is answered with (internal causes logged, not told).
    pub fn to_problem(self) -> Problem {
        if let ServerError::Stored(p) = self {
            return *p;
        }
        let (status, code) = self.status_and_code();
        let detail = match &self {
            ServerError::Database(e) => match classify(e) {
                DbFailure::Constraint => {
                    "this conflicts with existing data (it may have been created at the same time); reload and try again".to_string()
                }
                DbFailure::Unavailable => {
                    tracing::warn!(error = %e, "database unavailable");
                    "the database is not available; try again shortly".to_string()
                }
                DbFailure::Bug => {
                    tracing::error!(error = %e, "database error");
                    "something went wrong on our side".to_string()
                }
            },
            ServerError::Analysis(
                e @ (pintar_core::AnalyticsError::Io { .. } | pintar_core::AnalyticsError::Write(_)),
            ) => {
                tracing::error!(error = %e, "analysis output failed");
                "something went wrong on our side".to_string()
            }
            ServerError::Internal(e) | ServerError::Config(e) => {
                tracing::error!(error = %e, "internal error");
                "something went wrong on our side".to_string()
            }
            other => other.to_string(),
        };
        let mut p = problem(status, code, detail);
        if let ServerError::Validation(errors) = self {
            p.errors = errors;
        }
        p
    }

    fn retry_after(&self) -> Option<u32> {
        match self {
            ServerError::Busy { retry_after, .. } | ServerError::TooMany { retry_after, .. } => {
                Some(*retry_after)
            }
            _ if self.status_and_code().0 == StatusCode::SERVICE_UNAVAILABLE => {
                Some(DB_RETRY_AFTER_SECS)
            }
            _ => None,
        }
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let retry_after = self.retry_after();
        let mut res = respond(self.to_problem());
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_messages_are_unavailable() {
        assert!(is_unavailable(
            "error returned from database: (code: 5) database is locked"
        ));
        assert!(is_unavailable(
            "pool timed out while waiting for an open connection"
        ));
        assert!(!is_unavailable("no such column: foo"));
        let e = ServerError::Database(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        let res = e.into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(res.headers().contains_key(header::RETRY_AFTER));
    }
}
