//! Pintar Ekspor core: the domain and API types shared by the server, the SDK and the CLI,
//! and (behind the default `analytics` feature) the engine that cleans, analyses and
//! forecasts uploaded time series.
//!
//! ```
//! # #[cfg(feature = "analytics")] {
//! use pintar_core::analytics::{analyze_bytes, InputFormat};
//! use pintar_core::options::AnalysisOptions;
//!
//! let csv = b"date,category,value\n2024-01,coffee,10\n2024-02,coffee,12\n2024-03,coffee,11\n";
//! let report = analyze_bytes(csv, InputFormat::Csv, &AnalysisOptions::default()).unwrap();
//! assert_eq!(report.series[0].category, "coffee");
//! assert_eq!(report.series[0].stats.count, 3);
//! # }
//! ```

pub mod api;
pub mod error;
pub mod frequency;
pub mod options;
pub mod report;

#[cfg(feature = "analytics")]
pub mod analytics;
#[cfg(feature = "analytics")]
pub mod table;

pub use error::AnalyticsError;
pub use frequency::Frequency;
