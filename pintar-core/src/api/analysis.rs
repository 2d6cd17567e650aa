//! Data analytics over the API: the options of `POST /analytics/analyze` and
//! `POST /analytics/quick-analysis` (query parameters mirroring `pintar analyze`), stored
//! runs, and the quick analysis.

use super::Problem;
use crate::Frequency;
use crate::options::{AnalysisOptions, DuplicatePolicy, OutlierPolicy};
use crate::report::{Direction, SeriesStatus, Summary};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Longest forecast horizon the API accepts, in periods.
pub const MAX_HORIZON: usize = 120;
/// Longest `date_format` accepted, in bytes.
pub const MAX_DATE_FORMAT: usize = 64;
/// Most categories one request may select.
pub const MAX_CATEGORIES: usize = 1000;
/// Longest `categories` parameter accepted, in bytes.
pub const MAX_CATEGORIES_PARAM: usize = 16 * 1024;

/// What the analysis answer is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportFormat {
    /// The whole `AnalysisReport` (`pintar analyze --json`).
    #[default]
    Json,
    /// The per-period table (`pintar analyze --csv`).
    Csv,
}

/// Query parameters of the analysis routes; every one is optional and defaults as
/// `pintar analyze` does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AnalyzeParams {
    /// Forecast horizon in periods, 1 to 120 (default: one season).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 120))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<usize>,
    /// Force a frequency instead of detecting it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, pattern = "^(day|week|month|quarter|year)$"))]
    pub frequency: Option<Frequency>,
    /// How values of one series in one period are merged (default `sum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, pattern = "^(sum|mean|first|last)$"))]
    pub duplicates: Option<DuplicatePolicy>,
    /// What to do with outliers (default `cap`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, pattern = "^(cap|keep|remove)$"))]
    pub outliers: Option<OutlierPolicy>,
    /// IQR multiplier for the outlier fences, 0.5 to 10 (default 1.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(minimum = 0.5, maximum = 10.0))]
    pub iqr: Option<f64>,
    /// strftime-style date format tried first (e.g. `%d/%m/%Y`), at most 64 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(max_length = 64))]
    pub date_format: Option<String>,
    /// Only these series, comma-separated (at most 1000 names in 16 KiB; longer is 422).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<String>,
    /// Include forecasts (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_forecast: Option<bool>,
    /// Include the per-period history (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_history: Option<bool>,
    /// `json` (default) or `csv` (the per-period table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", param(value_type = Option<String>, pattern = "^(json|csv)$"))]
    pub format: Option<ReportFormat>,
    /// `true`: run as a job, answering `202 Accepted` with the run at once; `false`: answer
    /// synchronously or 503; unset: a job only for large inputs or when the threads are busy.
    #[serde(default, rename = "async", skip_serializing_if = "Option::is_none")]
    pub run_async: Option<bool>,
}

/// Why a parameter was refused: `(parameter, message)`.
pub type ParamError = (&'static str, String);

impl AnalyzeParams {
    /// The engine options these parameters ask for, or every parameter that is out of range.
    pub fn options(&self) -> Result<AnalysisOptions, Vec<ParamError>> {
        let mut errors = Vec::new();
        let mut opts = AnalysisOptions::default();
        if let Some(h) = self.horizon {
            if (1..=MAX_HORIZON).contains(&h) {
                opts.horizon = Some(h);
            } else {
                errors.push(("horizon", format!("must be 1 to {MAX_HORIZON}")));
            }
        }
        opts.frequency = self.frequency;
        if let Some(d) = self.duplicates {
            opts.duplicates = d;
        }
        if let Some(o) = self.outliers {
            opts.outliers = o;
        }
        if let Some(k) = self.iqr {
            if k.is_finite() && (0.5..=10.0).contains(&k) {
                opts.iqr_multiplier = k;
            } else {
                errors.push(("iqr", "must be 0.5 to 10".into()));
            }
        }
        if let Some(f) = &self.date_format {
            if f.is_empty() || f.len() > MAX_DATE_FORMAT || f.chars().any(char::is_control) {
                errors.push((
                    "date_format",
                    format!("must be 1 to {MAX_DATE_FORMAT} bytes without control characters"),
                ));
            } else {
                opts.date_format = Some(f.clone());
            }
        }
        if let Some(c) = &self.categories {
            let names: Vec<String> = c
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if c.chars().any(char::is_control) {
                errors.push(("categories", "must not contain control characters".into()));
            } else if c.len() > MAX_CATEGORIES_PARAM || names.len() > MAX_CATEGORIES {
                errors.push((
                    "categories",
                    format!("at most {MAX_CATEGORIES} names in {MAX_CATEGORIES_PARAM} bytes"),
                ));
            } else {
                opts.categories = names;
            }
        }
        if let Some(f) = self.include_forecast {
            opts.include_forecast = f;
        }
        if let Some(h) = self.include_history {
            opts.include_history = h;
        }
        if errors.is_empty() {
            Ok(opts)
        } else {
            Err(errors)
        }
    }
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RunStatus {
    /// Accepted, waiting for a worker.
    Queued,
    /// A worker is analysing it.
    Running,
    /// Done: the report is ready.
    Succeeded,
    /// Done: the input could not be analysed (`error` says why).
    Failed,
}

impl RunStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "failed" => RunStatus::Failed,
            _ => return None,
        })
    }

    /// Whether the run is over (succeeded or failed).
    pub fn is_done(self) -> bool {
        matches!(self, RunStatus::Succeeded | RunStatus::Failed)
    }
}

/// A stored analysis: `GET /analytics/runs/{id}`. Its report is at `report_url`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalysisRun {
    /// Run id.
    pub id: String,
    /// Who asked for it (absent once the account is deleted).
    pub owner_id: Option<String>,
    /// Queued, running, succeeded or failed.
    pub status: RunStatus,
    /// The uploaded file's name, or `body` for a raw body.
    pub source: String,
    /// `csv` or `json`.
    pub input_format: String,
    /// Size of the input in bytes.
    pub input_bytes: u64,
    /// The options it runs with.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub options: AnalysisOptions,
    /// The report's summary, once succeeded.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub summary: Option<Summary>,
    /// Why it failed (the problem the synchronous call would have answered).
    pub error: Option<Problem>,
    /// Times a worker took it up.
    pub attempts: u32,
    /// When it was accepted.
    pub created_at: DateTime<Utc>,
    /// When analysis began.
    pub started_at: Option<DateTime<Utc>>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Time the engine took, in milliseconds.
    pub duration_ms: Option<u64>,
    /// Where its report is (`?format=csv` for the table).
    pub report_url: String,
}

/// `POST /analytics/quick-analysis`: trend, growth and last value per series, no forecast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuickAnalysis {
    /// The stored run.
    pub run_id: String,
    /// Data rows read.
    pub rows_read: usize,
    /// Rows skipped because a date or value could not be read.
    pub invalid_rows: usize,
    /// One entry per series, by category.
    pub series: Vec<QuickSeries>,
}

/// One series of a quick analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuickSeries {
    /// Category.
    pub category: String,
    /// Detected (or forced) frequency.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub frequency: Frequency,
    /// `ok`, `too_short`, `constant` or `sparse`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: SeriesStatus,
    /// Periods in the cleaned series.
    pub periods: usize,
    /// First period.
    pub start: NaiveDate,
    /// Last period.
    pub end: NaiveDate,
    /// Last cleaned value.
    pub last_value: Option<f64>,
    /// `increasing`, `decreasing` or `stable` (absent when too short for a trend test).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub trend: Option<Direction>,
    /// Sen's slope per period.
    pub slope_per_period: Option<f64>,
    /// Mann–Kendall p-value.
    pub p_value: Option<f64>,
    /// Change from the previous period, in percent.
    pub last_period_pct: Option<f64>,
    /// Change over the same period a year before, in percent.
    pub year_over_year_pct: Option<f64>,
    /// Compound annual growth rate, in percent.
    pub cagr_pct: Option<f64>,
}
