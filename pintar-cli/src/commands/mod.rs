//! One module per command, each with a `run` function.

pub mod analyze;
pub mod backtest;
pub mod completions;

use crate::cli::InputArgs;
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
