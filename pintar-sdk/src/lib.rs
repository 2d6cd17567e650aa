//! The typed async Rust client of the Pintar Ekspor API: courses and learning, API keys,
//! analysis of your series with forecasts, insights about learning, and administration.
//!
//! ```no_run
//! # async fn demo() -> pintar_sdk::Result<()> {
//! let client = pintar_sdk::Client::builder().base_url("http://127.0.0.1:8000").api_key("pk_…").build()?;
//! let report = client.analysis().analyze_file("exports.csv").await?.report().await?;
//! println!("{} series analysed", report.series.len());
//! # Ok(()) }
//! ```
//!
//! Requests and answers are `pintar-core`'s API types (re-exported as [`types`] and
//! [`report`]), the very types the server encodes, so client and server cannot drift.
//! Errors are one [`Error`]; the server's errors arrive as [`ApiError`] with the status,
//! the stable `code`, field errors, the request id and `Retry-After`.
//!
//! The client renews an expired access token once on 401 (one renewal shared by
//! concurrent calls), retries idempotent calls on 429, 502, 503 and 504 with backoff and
//! jitter (honouring `Retry-After`), and offers every list as one page (`send`) or as a
//! `Stream` of items (`stream`).

/// The README's examples, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

mod client;
mod error;
pub mod handlers;
mod http;
mod page;
mod retry;
mod session;

pub use client::{
    Client, ClientBuilder, Credentials, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
    DEFAULT_UPLOAD_TIMEOUT, TokenListener,
};
pub use error::{ApiError, Error, Result};
pub use handlers::analysis::{Analysis, DataFormat};
pub use page::ListRequest;
pub use retry::RetryPolicy;
pub use session::Tokens;

/// Re-exported: upload bodies.
pub use bytes;
/// Re-exported: dates and times in the API types and filters.
pub use chrono;

/// The API's request and answer types (from `pintar-core`).
pub mod types {
    pub use pintar_core::Frequency;
    pub use pintar_core::api::*;
    pub use pintar_core::options::{AnalysisOptions, DuplicatePolicy, OutlierPolicy};
}

/// The analysis report (from `pintar-core`).
pub mod report {
    pub use pintar_core::report::*;
}
