//! One module per command, each with a `run` function.

pub mod account;
pub mod admin;
pub mod analyze;
pub mod auth;
pub mod backtest;
pub mod certificates;
pub mod completions;
pub mod config;
pub mod courses;
pub mod insights;
pub mod keys;
pub mod learn;
pub mod remote;

use crate::cli::InputArgs;
use crate::context::Context;
use crate::render::fit::Table;
use chrono::{DateTime, Utc};
use pintar_core::options::AnalysisOptions;

/// Analysis options from the shared input flags.
pub fn options(input: &InputArgs, horizon: Option<usize>) -> AnalysisOptions {
    AnalysisOptions {
        horizon,
        frequency: input.frequency,
        duplicates: input.duplicates.into(),
        outliers: input.outliers.into(),
        iqr_multiplier: input.iqr,
        date_format: input.date_format.clone(),
        categories: input.categories.clone(),
        include_history: true,
        include_forecast: true,
    }
}

/// Columns available to human output on stdout.
pub fn width(_ctx: &Context) -> usize {
    crate::render::width::output_width(true)
}

/// An empty table as wide as the output.
pub fn table(ctx: &Context) -> Table {
    Table::new(width(ctx))
}

/// A day, for tables.
pub fn day(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// A percentage as a bar and a number: `███████░░░  70%`.
pub fn bar(percent: f64, cells: usize) -> String {
    let p = if percent.is_finite() {
        percent.clamp(0.0, 100.0)
    } else {
        0.0
    };
    let filled = ((p / 100.0) * cells as f64).round() as usize;
    format!(
        "{}{} {:>3.0}%",
        "█".repeat(filled),
        "░".repeat(cells.saturating_sub(filled)),
        p
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_fill_by_percent() {
        assert_eq!(super::bar(50.0, 4), "██░░  50%");
        assert_eq!(super::bar(f64::NAN, 2), "░░   0%");
        assert_eq!(super::bar(250.0, 2), "██ 100%");
    }
}
