//! The Pintar Ekspor HTTP server: an axum application over one storage layer (SQLite by
//! default, PostgreSQL in production). `main.rs` only reads settings and calls [`setup`];
//! everything else lives here so tests drive the same code. `ARCHITECTURE.md` at the
//! repository root is the map.
//!
//! Layers, arrows pointing down:
//! - front ends: [`api`] (the JSON API under `/api/v1`) and [`web`] (the website), over the
//!   HTTP plumbing in [`http`] (errors as problem documents, the gate, the access layer,
//!   bodies, uploads, paging, rate limits);
//! - use cases in the domain modules: [`accounts`], [`learning`], [`analysis`],
//!   [`insights`], [`mail`], with [`policy`] (who may do what) and [`audit`]; they know
//!   nothing of HTTP;
//! - [`storage`] (SeaORM entities and migrations for SQLite and PostgreSQL) and the
//!   primitives in [`auth`] (passwords, tokens, key shapes);
//! - [`setup`]: process set-up (settings, shared state, the router, workers, the first
//!   admin).

pub mod accounts;
pub mod analysis;
pub mod api;
pub mod audit;
pub mod auth;
pub mod chart;
pub mod error;
pub mod http;
pub mod insights;
pub mod learning;
pub mod mail;
pub mod metrics;
pub mod paging;
pub mod policy;
pub mod setup;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;

pub use error::ServerError;
pub use setup::app::router;
pub use setup::config::Settings;
pub use setup::state::AppState;
