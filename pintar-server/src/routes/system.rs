//! `/health` (the process is up) and `/ready` (it can reach its database).

use crate::app::AppState;
use crate::error::ServerError;
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
