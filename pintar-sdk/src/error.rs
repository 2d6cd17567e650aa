//! The one error type of the SDK.

use pintar_core::api::{FieldError, Problem};
use std::time::Duration;

/// A shorthand for results of SDK calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything an SDK call can fail with.
///
/// ```
/// # async fn demo(client: pintar_sdk::Client) {
/// match client.courses().get("incoterms-2020").await {
///     Ok(course) => println!("{}", course.course.title),
///     Err(pintar_sdk::Error::Api(e)) if e.status == 404 => println!("no such course"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error (a problem+json body).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request did not complete: connection refused, reset, TLS, DNS.
    #[error("cannot reach the server: {0}")]
    Transport(#[source] reqwest::Error),
    /// No answer within the client's timeout.
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
    /// The answer was not what the API documents.
    #[error("unexpected response (HTTP {status}) at `{path}`: {message}")]
    Decode {
        /// HTTP status of the answer.
        status: u16,
        /// Path of the field that failed (`items[3].created_at`), `.` for the whole body.
        path: String,
        /// What was wrong with it.
        message: String,
    },
    /// The call needs credentials the client does not have (or they were refused for good).
    #[error("not signed in: {0}")]
    Unauthenticated(String),
    /// A local file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The client was configured or called with a bad value (base URL, header, argument).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl Error {
    /// HTTP status, for API errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API error, if the server sent one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    pub(crate) fn transport(e: reqwest::Error, timeout: Duration) -> Self {
        if e.is_timeout() {
            Error::Timeout(timeout)
        } else if e.is_builder() {
            Error::Config(e.to_string())
        } else {
            Error::Transport(e)
        }
    }
}

/// An error answer from the API: RFC 9457 problem details with the API's stable `code`.
///
/// ```no_run
/// # async fn demo(client: pintar_sdk::Client) {
/// use pintar_sdk::Error;
/// match client.auth().register("siti@example", "short", None).await {
///     Ok(me) => println!("welcome, {}", me.display_name),
///     Err(Error::Api(e)) if e.code == "validation_failed" => {
///         for f in &e.errors {
///             eprintln!("{}: {}", f.field, f.message);
///         }
///     }
///     Err(Error::Api(e)) if e.status == 429 => {
///         eprintln!("rate limited; try again in {:?}", e.retry_after);
///     }
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{detail} (HTTP {status} {code}{})", request_id.as_deref().map(|r| format!(", request {r}")).unwrap_or_default())]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stable machine-readable code (`not_found`, `validation_failed`, `rate_limited`, …).
    pub code: String,
    /// Short summary of the status.
    pub title: String,
    /// What happened, for people.
    pub detail: String,
    /// Invalid fields, for validation errors.
    pub errors: Vec<FieldError>,
    /// The request's id, to quote to the operators.
    pub request_id: Option<String>,
    /// How long the server asked us to wait (`Retry-After`), on 429 and 503.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Builds the error from a decoded problem document and the response's headers.
    pub(crate) fn from_problem(
        problem: Problem,
        header_request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let detail = if problem.detail.is_empty() {
            problem.title.clone()
        } else {
            problem.detail
        };
        Self {
            status: problem.status,
            code: problem.code,
            title: problem.title,
            detail,
            errors: problem.errors,
            request_id: problem.request_id.or(header_request_id),
            retry_after,
        }
    }

    /// An error for a non-problem answer (a proxy's HTML page, an empty 502).
    pub(crate) fn from_status(
        status: u16,
        body: &[u8],
        header_request_id: Option<String>,
        retry_after: Option<Duration>,
    ) -> Self {
        let text = String::from_utf8_lossy(body);
        let snippet: String = text.trim().chars().take(200).collect();
        let p = Problem::new(status, code_for(status), snippet);
        Self::from_problem(p, header_request_id, retry_after)
    }
}

/// The code the API uses for a bare status, for answers that carry no problem document.
fn code_for(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        413 => "payload_too_large",
        422 => "validation_failed",
        429 => "rate_limited",
        502 => "bad_gateway",
        503 => "unavailable",
        504 => "gateway_timeout",
        _ => "http_error",
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}
