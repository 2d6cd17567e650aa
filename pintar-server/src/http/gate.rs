//! The gate every API request passes before its handler (and before the access rules): the
//! client's address, the shape of its credentials, who they prove, and the rate limit that
//! applies.
//!
//! Order matters. Malformed credentials are refused before anything else. Sign-in,
//! registration, refresh and logout always count per client address, before any lookup. A
//! request earns the key tier only once its key is verified (counted by the key's account,
//! so every key of an account shares one budget); a key
//! or token that fails verification is counted against the client's address, so junk keys
//! open no buckets of their own.

use crate::http::client_ip::{ClientIp, limit_key};
use crate::http::credentials;
use crate::http::extract::Authenticated;
use crate::http::ratelimit::{self, Decision, Tier};
use crate::policy::Via;
use crate::setup::state::AppState;
use axum::extract::{Request, State};
use axum::http::Method;
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
    // Signing in, recovery, and the routes that check a password (so a stolen session
    // cannot guess it quickly) count per client in the auth tier.
    let per_client = path.starts_with("/api/v1/auth/")
        || (path == "/api/v1/users/me/email" && req.method() == Method::POST)
        || (path == "/api/v1/users/me" && req.method() == Method::DELETE);
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
        let d = match caller {
            // Every key of an account shares the account's budget: twenty keys are not
            // twenty budgets.
            Some(c) if matches!(c.via, Via::ApiKey { .. }) => {
                state
                    .limiter
                    .check(Tier::ApiKey, &c.id.simple().to_string())
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
