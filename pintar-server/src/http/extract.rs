//! What handlers and pages extract from a request: the caller the gate (or the website's
//! session layer) found, its [`Origin`] and the [`Actor`] that use cases take. Rejections
//! are the server's one error type.

use crate::error::ServerError;
use crate::http::client_ip::ClientIp;
use crate::policy::{Actor, Caller, Origin};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;

/// What the gate middleware found: the caller, or `None` for an anonymous request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authenticated(pub Option<Caller>);

fn found(parts: &Parts) -> Option<Caller> {
    parts.extensions.get::<Authenticated>().and_then(|a| a.0)
}

/// The request's origin: the client address (behind a trusted proxy, the client's) and
/// the request id.
pub fn origin_of(parts: &Parts) -> Origin {
    Origin {
        ip: parts
            .extensions
            .get::<ClientIp>()
            .map(|c| c.0.to_string())
            .or_else(|| {
                parts
                    .extensions
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            }),
        request_id: parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(String::from),
        user_agent: parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| {
                ua.chars()
                    .filter(|c| !c.is_control())
                    .take(crate::policy::MAX_USER_AGENT)
                    .collect::<String>()
            })
            .filter(|ua| !ua.trim().is_empty()),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(origin_of(parts))
    }
}

/// The actor: the caller if credentials were sent (anonymous otherwise) and the origin.
/// Credentials that are sent but invalid never get this far: the gate answers 401.
impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Actor::new(found(parts), origin_of(parts)))
    }
}

/// A signed-in caller, or 401.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        found(parts).ok_or_else(|| ServerError::Unauthorized("sign in first".into()))
    }
}
