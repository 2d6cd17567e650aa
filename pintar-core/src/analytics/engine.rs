//! Running the whole pipeline over every series of an upload, in parallel.

use super::clean::{CleanError, CleanSeries, clean};
use super::forecast::{MIN_POINTS, Z80, Z95, at_least, auto_forecast, floor_for};
use super::ingest::{Ingested, InputFormat, RawSeries, ingest};
use super::seasonality::seasonality;
use super::stats::{describe, growth, trend};
use crate::report::{
    AnalysisReport, Backtest, Forecast, ForecastPoint, HistoryPoint, InputWarning, ModelScore,
    SeriesReport, SeriesStatus, Summary,
};
use crate::{AnalyticsError, Frequency, options::AnalysisOptions};
use rayon::prelude::*;
use std::path::Path;

const MAX_WARNINGS: usize = 50;
/// The longest horizon accepted.
pub const MAX_HORIZON: usize = 10_000;

/// Forecast horizon when none is given: one season, or 5 periods for yearly data (a one-year
/// forecast of yearly data says little).
pub fn default_horizon(frequency: Frequency) -> usize {
    match frequency.season_length() {
        1 => 5,
        m => m,
    }
}

/// Reads a file, choosing the format by extension (`.json` / `.csv`) or by its first byte.
pub fn read_input(path: &Path) -> Result<(Vec<u8>, InputFormat), AnalyticsError> {
    let bytes = std::fs::read(path).map_err(|source| AnalyticsError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let format = match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "json" => InputFormat::Json,
        Some(e) if e == "csv" || e == "txt" => InputFormat::Csv,
        _ => InputFormat::sniff(&bytes),
    };
    Ok((bytes, format))
}

/// Analyses a CSV or JSON file.
pub fn analyze_file(path: &Path, opts: &AnalysisOptions) -> Result<AnalysisReport, AnalyticsError> {
    let (bytes, format) = read_input(path)?;
    analyze_bytes(&bytes, format, opts)
}

/// Analyses an upload held in memory.
pub fn analyze_bytes(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
) -> Result<AnalysisReport, AnalyticsError> {
    analyze_with_progress(bytes, format, opts, &|_, _| {})
}

/// Checks options that could make the pipeline misbehave.
pub fn validate(opts: &AnalysisOptions) -> Result<(), AnalyticsError> {
    if let Some(h) = opts.horizon
        && !(1..=MAX_HORIZON).contains(&h)
    {
        return Err(AnalyticsError::InvalidOption(format!(
            "horizon must be between 1 and {MAX_HORIZON}, got {h}"
        )));
    }
    if !(opts.iqr_multiplier.is_finite() && opts.iqr_multiplier > 0.0) {
        return Err(AnalyticsError::InvalidOption(format!(
            "IQR multiplier must be a positive number, got {}",
            opts.iqr_multiplier
        )));
    }
    Ok(())
}

/// Keeps the series `opts.categories` asks for; an error names what exists when none match.
pub fn select_series(
    ingested: &mut Ingested,
    opts: &AnalysisOptions,
) -> Result<(), AnalyticsError> {
    if opts.categories.is_empty() {
        return Ok(());
    }
    let mut available: Vec<String> = ingested.series.iter().map(|s| s.category.clone()).collect();
    let wanted: std::collections::HashSet<&str> =
        opts.categories.iter().map(String::as_str).collect();
    ingested
        .series
        .retain(|s| wanted.contains(s.category.as_str()));
    if ingested.series.is_empty() {
        available.sort_unstable();
        let more = available.len().saturating_sub(10);
        available.truncate(10);
        let mut list = available.join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        return Err(AnalyticsError::NoSuchCategory {
            requested: opts.categories.join(", "),
            available: list,
        });
    }
    Ok(())
}

/// Analyses an upload, calling `progress(done, total)` as series finish (from worker threads).
pub fn analyze_with_progress(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<AnalysisReport, AnalyticsError> {
    validate(opts)?;
    let mut ingested = ingest(bytes, format, opts)?;
    select_series(&mut ingested, opts)?;
    let total = ingested.series.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let mut warnings = std::mem::take(&mut ingested.warnings);
    let results: Vec<(Option<SeriesReport>, Vec<InputWarning>)> =
        std::mem::take(&mut ingested.series)
            .into_par_iter()
            .map(|raw| {
                let out = analyze_series(raw, opts);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, total);
                out
            })
            .collect();
    let mut series = Vec::with_capacity(results.len());
    let mut invalid_rows = ingested.orphan_rows;
    for (report, w) in results {
        warnings.extend(w);
        if let Some(r) = report {
            series.push(r);
        }
    }
    series.sort_by(|a, b| a.category.cmp(&b.category));
    warnings.sort_by_key(|w| w.row);
    warnings.truncate(MAX_WARNINGS);
    invalid_rows += series.iter().map(|s| s.quality.invalid_rows).sum::<usize>();
    if series.is_empty() {
        let first = warnings.first().cloned();
        return Err(match first {
            Some(w) => AnalyticsError::Cell {
                row: w.row,
                column: w.column,
                message: format!("{} (and no usable rows remain)", w.message),
            },
            None => AnalyticsError::Empty,
        });
    }
    Ok(AnalysisReport {
        summary: Summary {
            engine_version: env!("CARGO_PKG_VERSION").to_string(),
            layout: ingested.layout.to_string(),
            rows_read: ingested.rows_read,
            rows_used: series.iter().map(|s| s.quality.rows_used).sum(),
            invalid_rows,
            series_count: series.len(),
            forecasted: series.iter().filter(|s| s.forecast.is_some()).count(),
            horizon: opts.horizon,
            warnings,
        },
        series,
    })
}

/// Runs the pipeline on one series. Returns `None` (with warnings) when nothing usable remains.
pub fn analyze_series(
    raw: RawSeries,
    opts: &AnalysisOptions,
) -> (Option<SeriesReport>, Vec<InputWarning>) {
    let RawSeries {
        category,
        rows_read,
        observations,
        invalid_rows,
        mut warnings,
    } = raw;
    let first_row = observations.first().map_or(0, |o| o.row);
    let cleaned = match clean(observations, opts) {
        Ok(c) => c,
        Err(CleanError::NoDates) => return (None, warnings),
        Err(CleanError::TooLong(span)) => {
            warnings.push(InputWarning {
                row: first_row,
                column: "date".into(),
                message: format!(
                    "series '{category}' spans {span} periods, more than the {} allowed; skipped (check the dates or force a coarser --frequency)",
                    super::clean::MAX_PERIODS
                ),
            });
            return (None, warnings);
        }
        Err(CleanError::TooSparse {
            span,
            with_data,
            rows: (first, last),
        }) => {
            warnings.push(InputWarning {
                row: first,
                column: "date".into(),
                message: format!(
                    "series '{category}' has data in {with_data} of the {span} periods its dates span (earliest date on row {first}, latest on row {last}): too sparse to lay on a regular grid; skipped (check those dates, or force a coarser --frequency)"
                ),
            });
            return (None, warnings);
        }
    };
    let mut report = build_report(category, cleaned, opts);
    report.quality.rows_read = rows_read;
    report.quality.invalid_rows = invalid_rows;
    (Some(report), warnings)
}

fn build_report(category: String, s: CleanSeries, opts: &AnalysisOptions) -> SeriesReport {
    let values = &s.values;
    let n = values.len();
    let period = s.frequency.season_length();
    let constant = values.iter().all(|v| *v == values[0]);
    let status = if n < MIN_POINTS {
        SeriesStatus::TooShort
    } else if constant {
        SeriesStatus::Constant
    } else {
        SeriesStatus::Ok
    };
    let h = opts.horizon.unwrap_or_else(|| default_horizon(s.frequency));
    let mut notes = Vec::new();
    if !s.quality.outliers.is_empty() {
        notes.push(format!(
            "{} outlier(s) {}",
            s.quality.outliers.len(),
            match opts.outliers {
                crate::options::OutlierPolicy::Cap => "capped at the IQR fences",
                crate::options::OutlierPolicy::Keep => "kept as observed",
                crate::options::OutlierPolicy::Remove => "removed and interpolated",
            }
        ));
    }
    if s.quality.filled > 0 {
        notes.push(format!(
            "{} missing value(s) interpolated",
            s.quality.filled
        ));
    }
    let future = s.future_dates(h);
    let forecast = match status {
        _ if !opts.include_forecast => None,
        SeriesStatus::TooShort => {
            notes.push(format!(
                "{n} period(s): at least {MIN_POINTS} are needed for a forecast"
            ));
            None
        }
        SeriesStatus::Constant => {
            notes.push("all values are equal: the forecast is flat".into());
            Some(flat_forecast(values[0], &future))
        }
        SeriesStatus::Ok => auto_forecast(values, period, h).map(|f| {
            // Exports are never negative: a non-negative history gets non-negative forecasts.
            let floor = floor_for(values);
            let (lo80, hi80) = f.prediction.bounds_at_least(Z80, floor);
            let (lo95, hi95) = f.prediction.bounds_at_least(Z95, floor);
            let points = future
                .iter()
                .enumerate()
                .map(|(k, &date)| ForecastPoint {
                    date,
                    value: at_least(f.prediction.point[k], floor),
                    lower_80: lo80[k],
                    upper_80: hi80[k],
                    lower_95: lo95[k],
                    upper_95: hi95[k],
                })
                .collect();
            let chosen = f.validations.iter().find(|v| v.method == f.method);
            Forecast {
                model: f.prediction.label.clone(),
                backtest: Backtest {
                    mase: chosen.map_or(f64::NAN, |v| v.mase),
                    smape: chosen.map_or(f64::NAN, |v| v.smape),
                    holdout: f.holdout,
                },
                candidates: f
                    .validations
                    .iter()
                    .map(|v| ModelScore {
                        model: v.method.name().to_string(),
                        backtest: Backtest {
                            mase: v.mase,
                            smape: v.smape,
                            holdout: f.holdout,
                        },
                    })
                    .collect(),
                points,
            }
        }),
    };
    let history = if opts.include_history {
        s.dates
            .iter()
            .zip(&s.observed)
            .zip(values.iter().zip(&s.outlier))
            .map(|((&date, &value), (&cleaned, &outlier))| HistoryPoint {
                date,
                value,
                cleaned,
                outlier,
            })
            .collect()
    } else {
        Vec::new()
    };
    SeriesReport {
        frequency: s.frequency,
        start: s.dates[0],
        end: s.dates[n - 1],
        status,
        notes,
        stats: describe(values),
        trend: trend(values),
        growth: growth(values, s.frequency),
        seasonality: if period > 1 {
            seasonality(values, period)
        } else {
            None
        },
        forecast,
        history,
        quality: s.quality,
        category,
    }
}

fn flat_forecast(value: f64, future: &[chrono::NaiveDate]) -> Forecast {
    Forecast {
        model: "constant".into(),
        backtest: Backtest {
            mase: 0.0,
            smape: 0.0,
            holdout: 0,
        },
        candidates: Vec::new(),
        points: future
            .iter()
            .map(|&date| ForecastPoint {
                date,
                value,
                lower_80: value,
                upper_80: value,
                lower_95: value,
                upper_95: value,
            })
            .collect(),
    }
}
