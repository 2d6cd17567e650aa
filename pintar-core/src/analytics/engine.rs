//! Running the whole pipeline over every series of an upload, in parallel.

use super::budget::{
    BYTES_PER_SEARCH_PERIOD, Budget, FREE_POINTS, FREE_SEARCH_PERIODS, POINTS_PER_VALUE,
    PointsMeter, full_search_periods,
};
use super::clean::{CleanError, CleanSeries, clean_within};
use super::forecast::{MIN_POINTS, Method, Z80, Z95, at_least, auto_forecast_among, floor_for};
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
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

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

/// Analyses an upload, calling `progress(done, total)` as series finish (from worker threads),
/// within the default [`Budget`] (no deadline).
pub fn analyze_with_progress(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<AnalysisReport, AnalyticsError> {
    analyze_budgeted(bytes, format, opts, &Budget::default(), progress).map(|a| a.report)
}

/// A report and what it cost.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// The report.
    pub report: AnalysisReport,
    /// CPU time spent on the series, over every thread, plus the wall time of reading.
    pub cpu: Duration,
}

/// Why the series of an analysis stopped early: none yet, past the deadline, or past the
/// allowance of grid periods. The first reason found is kept.
const GOING: u8 = 0;
const PAST_DEADLINE: u8 = 1;
const PAST_POINTS: u8 = 2;

/// One series' report (none when it was skipped) and the warnings analysing it raised.
type Analysed = (Option<SeriesReport>, Vec<InputWarning>);

/// Analyses an upload within `budget`: the series' grids may lay at most the periods the
/// budget allows for the values read, and no series starts after the deadline (the series
/// running then finish first). Calls `progress(done, total)` as series finish.
pub fn analyze_budgeted(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
    budget: &Budget,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Analyzed, AnalyticsError> {
    validate(opts)?;
    // Reading runs partly on polars' own threads: its wall time is charged as one core's.
    let reading = Instant::now();
    let mut ingested = ingest(bytes, format, opts)?;
    select_series(&mut ingested, opts)?;
    let read_cost = reading.elapsed();
    let total = ingested.series.len();
    let values: usize = ingested.series.iter().map(|s| s.observations.len()).sum();
    let meter = PointsMeter::new(budget.allowed_points(values));
    let done = AtomicUsize::new(0);
    let stop = AtomicU8::new(GOING);
    let halt = |reason: u8| {
        let _ = stop.compare_exchange(GOING, reason, Ordering::Relaxed, Ordering::Relaxed);
    };
    let cpu_us = AtomicU64::new(0);
    // CPU time of this thread on `work` (none where the clock is missing), added up.
    let timed = |work: &mut dyn FnMut()| {
        let started = cpu_time::ThreadTime::try_now().ok();
        work();
        let spent = started
            .and_then(|t| t.try_elapsed().ok())
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        cpu_us.fetch_add(spent, Ordering::Relaxed);
    };
    let going = || {
        if stop.load(Ordering::Relaxed) != GOING {
            return false;
        }
        if budget.expired() {
            halt(PAST_DEADLINE);
            return false;
        }
        true
    };
    let stopped = || match stop.load(Ordering::Relaxed) {
        PAST_POINTS => AnalyticsError::TooManyPoints {
            allowed: meter.allowed(),
            per_value: POINTS_PER_VALUE,
            free: FREE_POINTS,
            ceiling: budget.max_points,
        },
        _ => AnalyticsError::DeadlineExceeded {
            seconds: budget.window.map_or(0, |w| w.as_secs().max(1)),
            done: done.load(Ordering::Relaxed),
            total,
        },
    };
    let mut warnings = std::mem::take(&mut ingested.warnings);
    // First every series onto its grid…
    let prepared: Result<Vec<Prepared>, ()> = std::mem::take(&mut ingested.series)
        .into_par_iter()
        .map(|raw| {
            if !going() {
                return Err(());
            }
            let mut out = Err(OverBudget);
            let mut raw = Some(raw);
            timed(&mut || {
                if let Some(raw) = raw.take() {
                    out = prepare(raw, opts, Some(&meter));
                }
            });
            out.map_err(|OverBudget| halt(PAST_POINTS))
        })
        .collect();
    let Ok(prepared) = prepared else {
        return Err(stopped());
    };
    // …then the whole model search for the series (in input order) whose grid periods the
    // bytes sent pay for, and the light methods for the rest: decided before any forecast,
    // so the same input always gets the same report.
    let searched = full_search_periods(bytes.len());
    let mut counted = 0usize;
    let prepared: Vec<(Prepared, bool)> = prepared
        .into_iter()
        .map(|p| {
            counted = counted.saturating_add(p.cleaned.as_ref().map_or(0, |c| c.values.len()));
            (p, counted > searched)
        })
        .collect();
    let results: Result<Vec<Analysed>, ()> = prepared
        .into_par_iter()
        .map(|(p, light)| {
            if !going() {
                return Err(());
            }
            let mut out = (None, Vec::new());
            let mut p = Some(p);
            timed(&mut || {
                if let Some(p) = p.take() {
                    out = report_of(p, opts, light);
                }
            });
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(n, total);
            Ok(out)
        })
        .collect();
    let Ok(results) = results else {
        return Err(stopped());
    };
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
    let report = AnalysisReport {
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
    };
    Ok(Analyzed {
        report,
        cpu: read_cost + Duration::from_micros(cpu_us.load(Ordering::Relaxed)),
    })
}

/// The series' grid would pass the analysis's allowance of periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget;

/// Runs the pipeline on one series. Returns `None` (with warnings) when nothing usable remains.
pub fn analyze_series(
    raw: RawSeries,
    opts: &AnalysisOptions,
) -> (Option<SeriesReport>, Vec<InputWarning>) {
    // Without a meter nothing is over budget.
    match prepare(raw, opts, None) {
        Ok(p) => report_of(p, opts, false),
        Err(OverBudget) => (None, Vec::new()),
    }
}

/// A series cleaned onto its grid (none when it was skipped, with the warning why).
struct Prepared {
    category: String,
    rows_read: usize,
    invalid_rows: usize,
    warnings: Vec<InputWarning>,
    cleaned: Option<CleanSeries>,
}

/// Cleans one series onto its grid, taking the grid's periods from `meter`.
fn prepare(
    raw: RawSeries,
    opts: &AnalysisOptions,
    meter: Option<&PointsMeter>,
) -> Result<Prepared, OverBudget> {
    let RawSeries {
        category,
        rows_read,
        observations,
        invalid_rows,
        mut warnings,
    } = raw;
    let first_row = observations.first().map_or(0, |o| o.row);
    let cleaned = match clean_within(observations, opts, meter) {
        Ok(c) => Some(c),
        Err(CleanError::OverBudget) => return Err(OverBudget),
        Err(CleanError::NoDates) => None,
        Err(CleanError::TooLong(span)) => {
            warnings.push(InputWarning {
                row: first_row,
                column: "date".into(),
                message: format!(
                    "series '{category}' spans {span} periods, more than the {} allowed; skipped (check the dates or force a coarser --frequency)",
                    super::clean::MAX_PERIODS
                ),
            });
            None
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
            None
        }
    };
    Ok(Prepared {
        category,
        rows_read,
        invalid_rows,
        warnings,
        cleaned,
    })
}

/// The report of a prepared series (none when it was skipped), with its warnings.
fn report_of(p: Prepared, opts: &AnalysisOptions, light: bool) -> Analysed {
    let Some(cleaned) = p.cleaned else {
        return (None, p.warnings);
    };
    let mut report = build_report(p.category, cleaned, opts, light);
    report.quality.rows_read = p.rows_read;
    report.quality.invalid_rows = p.invalid_rows;
    (Some(report), p.warnings)
}

/// The report of one cleaned series; `light`: its forecast is chosen among
/// [`Method::LIGHT`] only (the input did not pay for the whole search).
fn build_report(
    category: String,
    s: CleanSeries,
    opts: &AnalysisOptions,
    light: bool,
) -> SeriesReport {
    let values = &s.values;
    let n = values.len();
    let period = s.frequency.season_length();
    let constant = values.iter().all(|v| *v == values[0]);
    // More than half the grid filled by interpolation: the data would mostly be invented.
    let sparse = s.quality.filled.saturating_mul(2) > n;
    let status = if n < MIN_POINTS {
        SeriesStatus::TooShort
    } else if sparse {
        SeriesStatus::Sparse
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
        SeriesStatus::Sparse => {
            notes.push(format!(
                "series '{category}' has data in {} of its {n} periods: more than half would be invented by interpolation, so it is not forecast (a coarser --frequency sums the data into fewer, fuller periods)",
                n - s.quality.filled
            ));
            None
        }
        SeriesStatus::Constant => {
            notes.push("all values are equal: the forecast is flat".into());
            Some(flat_forecast(values[0], &future))
        }
        SeriesStatus::Ok if light => {
            notes.push(format!(
                "forecast chosen among the light methods only (seasonal naive, naive, drift, theta): an input pays for the whole model search (with exponential smoothing) on its first {FREE_SEARCH_PERIODS} periods and one more per {BYTES_PER_SEARCH_PERIOD} bytes, and this series came after them"
            ));
            forecast_report(values, period, h, &future, &Method::LIGHT)
        }
        SeriesStatus::Ok => forecast_report(values, period, h, &future, &Method::POOL),
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
        seasonality: if period > 1 && status != SeriesStatus::Sparse {
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

/// The forecast of a series fit to forecast, its method chosen among `pool`.
fn forecast_report(
    values: &[f64],
    period: usize,
    h: usize,
    future: &[chrono::NaiveDate],
    pool: &[Method],
) -> Option<Forecast> {
    auto_forecast_among(values, period, h, pool).map(|f| {
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
    })
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
