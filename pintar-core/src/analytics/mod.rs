//! The analytics engine: ingest, clean, analyse and forecast uploaded time series.
//!
//! Entry points: [`analyze_bytes`] and [`analyze_file`] produce an
//! [`AnalysisReport`](crate::report::AnalysisReport); [`backtest::backtest_bytes`] scores the
//! forecasting pool on held-out data.

pub mod backtest;
pub mod budget;
pub mod clean;
pub mod dates;
pub mod engine;
pub mod forecast;
pub mod ingest;
pub mod pairwise;
pub mod seasonality;
pub mod stats;

pub use budget::Budget;
pub use engine::{
    Analyzed, analyze_budgeted, analyze_bytes, analyze_file, analyze_with_progress,
    default_horizon, read_input,
};
pub use ingest::InputFormat;
