//! The Pintar Ekspor HTTP server: an axum application over one storage layer (SQLite by
//! default, PostgreSQL in production). `main.rs` only reads settings, connects, migrates and
//! serves; everything else lives here so tests drive the same code.
//!
//! Arrows point down: `routes` (HTTP handlers) call the services (`accounts`, `learning`),
//! which use `auth` (tokens, passwords, access rules), `audit`, `outbox` and `storage`.

pub mod accounts;
pub mod analysis;
pub mod app;
pub mod audit;
pub mod auth;
pub mod body;
pub mod bootstrap;
pub mod client_ip;
pub mod config;
pub mod email;
pub mod error;
pub mod gate;
pub mod insights;
pub mod learning;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod outbox;
pub mod pagination;
pub mod ratelimit;
pub mod routes;
pub mod state;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;
pub mod workers;

pub use app::router;
pub use config::Settings;
pub use error::ServerError;
pub use state::AppState;
