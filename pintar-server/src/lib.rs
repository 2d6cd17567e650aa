//! The Pintar Ekspor HTTP server: an axum application over one storage layer (SQLite by
//! default, PostgreSQL in production). `main.rs` only reads settings, connects, migrates and
//! serves; everything else lives here so tests drive the same code.

pub mod app;
pub mod audit;
pub mod auth;
pub mod bootstrap;
pub mod client_ip;
pub mod config;
pub mod error;
pub mod learning;
pub mod metrics;
pub mod middleware;
pub mod outbox;
pub mod pagination;
pub mod ratelimit;
pub mod routes;
pub mod storage;

pub use app::{AppState, router};
pub use config::Settings;
pub use error::ServerError;
