//! Options that steer an analysis. Shared by the CLI flags and the API request.

use crate::Frequency;
use serde::{Deserialize, Serialize};

/// How several observations of one series in the same period are merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DuplicatePolicy {
    /// Add them up (shipments split over several rows).
    #[default]
    Sum,
    /// Take their mean.
    Mean,
    /// Keep the one that came first in the file.
    First,
    /// Keep the one that came last in the file.
    Last,
}

/// What to do with values outside the IQR fences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutlierPolicy {
    /// Pull the value back to the nearest fence (winsorise). The default.
    #[default]
    Cap,
    /// Report outliers but leave the values as they are.
    Keep,
    /// Treat outliers as missing and fill them like other gaps.
    Remove,
}

/// Everything that can be tuned about an analysis. `Default` gives the documented defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisOptions {
    /// Forecast horizon in periods; `None` means one season (12 months, 4 quarters, 6 years…).
    pub horizon: Option<usize>,
    /// Force a frequency instead of detecting it from the dates.
    pub frequency: Option<Frequency>,
    /// How duplicate dates within a series are resolved.
    pub duplicates: DuplicatePolicy,
    /// How outliers are treated.
    pub outliers: OutlierPolicy,
    /// IQR multiplier for the outlier fences (1.5 by default).
    pub iqr_multiplier: f64,
    /// An explicit `strftime`-style date format (e.g. `%d/%m/%Y`) tried before the built-in forms.
    pub date_format: Option<String>,
    /// Only analyse these categories (all when empty).
    pub categories: Vec<String>,
    /// Include the per-period history (observed and cleaned values) in the report.
    pub include_history: bool,
    /// Forecast the series (off for a quick look at trend and growth).
    pub include_forecast: bool,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            horizon: None,
            frequency: None,
            duplicates: DuplicatePolicy::Sum,
            outliers: OutlierPolicy::Cap,
            iqr_multiplier: 1.5,
            date_format: None,
            categories: Vec::new(),
            include_history: true,
            include_forecast: true,
        }
    }
}
