//! The analysis report: one serde type, returned by the engine, the server and the CLI alike.
//!
//! Its JSON form is documented in `docs/report.md`. Dates are ISO `YYYY-MM-DD` strings (the
//! first day of the period); percentages are on the 0–100 scale; `null` means "not defined for
//! this series" (for example year-over-year growth of a series shorter than a year). A number
//! that could not be computed (NaN or infinite) is written as `null` too, and read back as NaN
//! (or `None` in an optional field), so every report the engine writes decodes again.

use crate::Frequency;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The whole result of analysing one upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisReport {
    /// Totals over the file and the settings that were used.
    pub summary: Summary,
    /// One entry per series (category), sorted by category name.
    pub series: Vec<SeriesReport>,
}

/// Totals over the whole input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Engine version that produced the report.
    pub engine_version: String,
    /// `long` (date, category, value) or `wide` (a date column and one column per series).
    pub layout: String,
    /// Data rows read from the input.
    pub rows_read: usize,
    /// Rows that ended up in a series.
    pub rows_used: usize,
    /// Rows skipped because a date or value could not be read.
    pub invalid_rows: usize,
    /// Number of series in the report.
    pub series_count: usize,
    /// Series that got a forecast.
    pub forecasted: usize,
    /// Forecast horizon asked for (`null`: one season per series).
    pub horizon: Option<usize>,
    /// The first problems met in the input, each naming row and column (at most 50).
    pub warnings: Vec<InputWarning>,
}

/// A problem with one cell that did not stop the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputWarning {
    /// 1-based data row (the first record after the CSV header is row 1).
    pub row: usize,
    /// Column name as written in the input.
    pub column: String,
    /// What was wrong and what was done about it.
    pub message: String,
}

/// Outcome for one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStatus {
    /// Fully analysed and forecast.
    Ok,
    /// Too few points for trend tests or a forecast; statistics only.
    TooShort,
    /// Every value is the same; reported with a flat forecast.
    Constant,
    /// More than half of its periods have no data: statistics and trend of the grid, no
    /// seasonality and no forecast (they would mostly describe interpolation).
    Sparse,
}

/// Everything computed for one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesReport {
    /// Series name (the category, or the column name in wide input).
    pub category: String,
    /// Detected (or forced) frequency.
    pub frequency: Frequency,
    /// First period.
    pub start: NaiveDate,
    /// Last period.
    pub end: NaiveDate,
    /// Whether the series was fully analysed.
    pub status: SeriesStatus,
    /// Plain-language notes on what was done or skipped.
    pub notes: Vec<String>,
    /// What cleaning found and did.
    pub quality: Quality,
    /// Descriptive statistics of the cleaned series.
    pub stats: Stats,
    /// Trend tests (`null` for fewer than 3 points).
    pub trend: Option<Trend>,
    /// Growth measures.
    pub growth: Growth,
    /// Seasonal period and strength (`null` when the series is too short for it).
    pub seasonality: Option<Seasonality>,
    /// Forecast with intervals (`null` when the series is too short).
    pub forecast: Option<Forecast>,
    /// Per-period observed and cleaned values (empty unless asked for).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryPoint>,
}

/// Data-quality counts for one series.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Quality {
    /// Rows of this series in the input (valid or not).
    pub rows_read: usize,
    /// Rows that contributed a value.
    pub rows_used: usize,
    /// Rows with an empty or unreadable value (filled).
    pub missing_values: usize,
    /// Periods absent from the input inside the date range (filled).
    pub missing_periods: usize,
    /// Exact repeats of an earlier row (same date and value), dropped.
    pub duplicate_rows: usize,
    /// Extra rows for a period already seen, merged with the duplicate policy.
    pub duplicate_dates: usize,
    /// Rows whose date could not be read (skipped).
    pub invalid_rows: usize,
    /// Values filled by interpolation (missing values plus missing periods).
    pub filled: usize,
    /// Outliers found with the IQR rule, and what was done with each.
    pub outliers: Vec<Outlier>,
}

/// One value outside the IQR fences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outlier {
    /// Its period.
    pub date: NaiveDate,
    /// The value as observed.
    #[serde(with = "nan_as_null")]
    pub value: f64,
    /// The value used instead (equal to `value` when outliers are kept).
    #[serde(with = "nan_as_null")]
    pub replaced_with: f64,
}

/// Descriptive statistics of the cleaned series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Number of periods.
    pub count: usize,
    /// Arithmetic mean.
    #[serde(with = "nan_as_null")]
    pub mean: f64,
    /// Median.
    #[serde(with = "nan_as_null")]
    pub median: f64,
    /// Sample standard deviation (0 for a single point).
    #[serde(with = "nan_as_null")]
    pub std: f64,
    /// Smallest value.
    #[serde(with = "nan_as_null")]
    pub min: f64,
    /// Largest value.
    #[serde(with = "nan_as_null")]
    pub max: f64,
    /// Most recent value.
    #[serde(with = "nan_as_null")]
    pub last: f64,
    /// Sum of all values.
    #[serde(with = "nan_as_null")]
    pub sum: f64,
}

/// Direction of a trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Significantly rising.
    Increasing,
    /// Significantly falling.
    Decreasing,
    /// No significant monotonic trend.
    Stable,
}

/// Linear and robust trend tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// OLS slope per period.
    #[serde(with = "nan_as_null")]
    pub slope: f64,
    /// OLS intercept (value at the first period).
    #[serde(with = "nan_as_null")]
    pub intercept: f64,
    /// Coefficient of determination of the OLS line.
    #[serde(with = "nan_as_null")]
    pub r_squared: f64,
    /// Sen's slope per period (median of pairwise slopes).
    #[serde(with = "nan_as_null")]
    pub sen_slope: f64,
    /// Mann–Kendall S statistic.
    #[serde(with = "nan_as_null")]
    pub mann_kendall_s: f64,
    /// Kendall's tau.
    #[serde(with = "nan_as_null")]
    pub kendall_tau: f64,
    /// Two-sided p-value of the Mann–Kendall test (normal approximation, tie-corrected).
    #[serde(with = "nan_as_null")]
    pub p_value: f64,
    /// Whether `p_value` < 0.05.
    pub significant: bool,
    /// Increasing / decreasing when significant, else stable.
    pub direction: Direction,
}

/// Moving average of the last `window` periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MovingAverage {
    /// Window length in periods.
    pub window: usize,
    /// Average of the last `window` values.
    #[serde(with = "nan_as_null")]
    pub value: f64,
}

/// Growth measures (percentages, 0–100 scale; `null` where undefined, e.g. from a zero base).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    /// Change from the first to the last period, in percent.
    pub total_pct: Option<f64>,
    /// Change over the last period, in percent.
    pub last_period_pct: Option<f64>,
    /// Last period against the same period a year earlier, in percent.
    pub year_over_year_pct: Option<f64>,
    /// Compound annual growth rate over the whole span, in percent.
    pub cagr_pct: Option<f64>,
    /// Mean period-over-period change, in percent.
    pub mean_period_pct: Option<f64>,
    /// Latest moving averages (3 periods and one season).
    pub moving_averages: Vec<MovingAverage>,
}

/// Seasonal pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seasonality {
    /// Season length in periods (12 for monthly data).
    pub period: usize,
    /// Strength in [0, 1]: 1 − Var(remainder) / Var(seasonal + remainder).
    #[serde(with = "nan_as_null")]
    pub strength: f64,
    /// Whether the autocorrelation at the seasonal lag is significant (80% one-sided test).
    pub detected: bool,
    /// Seasonal indices per position in the cycle (ratios for positive data, else offsets).
    #[serde(with = "nan_as_null::vec")]
    pub indices: Vec<f64>,
}

/// Out-of-sample accuracy of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backtest {
    /// Mean absolute scaled error (scaled by the in-sample seasonal naive error); `null` when
    /// undefined (the training data never changed).
    #[serde(with = "nan_as_null")]
    pub mase: f64,
    /// Symmetric MAPE on the 0–200 scale.
    #[serde(with = "nan_as_null")]
    pub smape: f64,
    /// Points held out to compute these.
    pub holdout: usize,
}

/// Validation score of one candidate model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelScore {
    /// Model name.
    pub model: String,
    /// Its accuracy on the validation window.
    pub backtest: Backtest,
}

/// Forecast for one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// The model chosen by out-of-sample accuracy.
    pub model: String,
    /// Accuracy of the chosen model on the validation window.
    pub backtest: Backtest,
    /// Every candidate and its validation score.
    pub candidates: Vec<ModelScore>,
    /// Forecast periods with 80% and 95% prediction intervals.
    pub points: Vec<ForecastPoint>,
}

/// One forecast period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastPoint {
    /// First day of the forecast period.
    pub date: NaiveDate,
    /// Point forecast.
    #[serde(with = "nan_as_null")]
    pub value: f64,
    /// Lower bound of the 80% interval.
    #[serde(with = "nan_as_null")]
    pub lower_80: f64,
    /// Upper bound of the 80% interval.
    #[serde(with = "nan_as_null")]
    pub upper_80: f64,
    /// Lower bound of the 95% interval.
    #[serde(with = "nan_as_null")]
    pub lower_95: f64,
    /// Upper bound of the 95% interval.
    #[serde(with = "nan_as_null")]
    pub upper_95: f64,
}

/// One period of history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    /// First day of the period.
    pub date: NaiveDate,
    /// Value after resolving duplicates (`null` where missing).
    pub value: Option<f64>,
    /// Value after filling and outlier treatment (what the statistics use).
    #[serde(with = "nan_as_null")]
    pub cleaned: f64,
    /// Whether the value was flagged as an outlier.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub outlier: bool,
}

/// Numbers that are not finite (NaN, ±infinity: a statistic that could not be computed) are
/// written as `null` and read back as NaN, so every report decodes again.
mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }

    /// The same for each element of a list.
    pub mod vec {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(xs: &[f64], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(xs.iter().map(|x| x.is_finite().then_some(*x)))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
            Ok(Vec::<Option<f64>>::deserialize(d)?
                .into_iter()
                .map(|x| x.unwrap_or(f64::NAN))
                .collect())
        }
    }
}
