//! The per-period CSV (written by `pintar_core::table`, shared with the server's `?format=csv`).

use crate::error::CliError;
use pintar_core::report::AnalysisReport;

/// The per-period table of `report` (see [`pintar_core::table::periods_csv`]).
pub fn periods_csv(report: &AnalysisReport) -> Result<String, CliError> {
    pintar_core::table::periods_csv(report).map_err(|e| CliError::Internal(e.to_string()))
}
