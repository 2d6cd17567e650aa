//! The gate every API request passes before its handler (and before the access rules): the
//! client's address, the shape of its credentials, who they prove, and the rate limit that
//! applies.
//!
//! Order matters. Malformed credentials are refused before anything else. Sign-in,
//! registration, refresh and logout always count per client address, before any lookup. A
//! request earns the per-key tier only once its key is verified (counted by key id); a key
//! or token that fails verification is counted against the client's address, so junk keys
//! open no buckets of their own.

use crate::http::client_ip::{ClientIp, limit_key};
use crate::http::credentials;
use crate::http::extract::Authenticated;
use crate::http::ratelimit::{self, Decision, Tier};
use crate::policy::Via;
use crate::setup::state::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The gate middleware (see the module docs).
pub async fn gate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let client = state.limiter.client(&req);
    req.extensions_mut().insert(ClientIp(client));
    let path = req.uri().path();
    if !path.starts_with("/api/") || path == "/api/v1/openapi.json" {
        return next.run(req).await;
    }
    let credentials = match credentials::from_headers(req.headers()) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let limits = state.limiter.enabled();
    let per_client = path.starts_with("/api/v1/auth/");
    let client_key = limit_key(client);
    let mut decision: Option<Decision> = None;
    if limits && per_client {
        let d = state.limiter.check(Tier::Auth, &client_key).await;
        if !d.allowed {
            return ratelimit::refused(&d);
        }
        decision = Some(d);
    }
    let caller = match &credentials {
        None => None,
        Some(c) => match state.authn.authenticate(&state.db, c).await {
            Ok(caller) => Some(caller),
            Err(e) => {
                if limits && !per_client {
                    let d = state.limiter.check(Tier::General, &client_key).await;
                    if !d.allowed {
                        return ratelimit::refused(&d);
                    }
                }
                return e.into_response();
            }
        },
    };
    if limits && !per_client {
        let d = match caller.map(|c| c.via) {
            Some(Via::ApiKey { id, .. }) => {
                state
                    .limiter
                    .check(Tier::ApiKey, &id.simple().to_string())
                    .await
            }
            _ => state.limiter.check(Tier::General, &client_key).await,
        };
        if !d.allowed {
            return ratelimit::refused(&d);
        }
        decision = Some(d);
    }
    req.extensions_mut().insert(Authenticated(caller));
    let mut res = next.run(req).await;
    if let Some(d) = decision {
        ratelimit::set_headers(res.headers_mut(), &d);
    }
    res
}
