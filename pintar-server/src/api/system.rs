//! `/health` (the process is up), `/ready` (it can reach its database) and `/metrics`
//! (Prometheus text format). Public, and not rate limited: they are for orchestrators and
//! scrapers; keep them off the public internet at the proxy if that matters.

use crate::error::ServerError;
use crate::setup::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;

/// Health and readiness body.
#[derive(Debug, Serialize)]
pub struct Status {
    /// `ok`.
    pub status: &'static str,
    /// Server version.
    pub version: &'static str,
    /// `sqlite` or `postgres` (readiness only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// Routes of this module (public: no authentication).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
}

async fn health() -> Json<Status> {
    Json(Status {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database: None,
    })
}

async fn ready(State(state): State<AppState>) -> Result<Json<Status>, ServerError> {
    state.db.ping().await?;
    let database = match state.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "postgres",
        _ => "sqlite",
    };
    Ok(Json(Status {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        database: Some(database),
    }))
}

async fn metrics(State(state): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(&state.db),
    )
}
