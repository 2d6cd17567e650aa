//! Turning raw observations into a regular, gap-free, outlier-treated series.
//!
//! Order of work: drop exact repeated rows; sort by date (stable, so "first" and "last" keep
//! file order); detect the frequency; merge observations in the same period with the duplicate
//! policy; lay the periods on a regular grid; interpolate missing values; find outliers with
//! the IQR rule on the residuals of a robust level-plus-season fit, and treat them.

use super::dates::{detect_frequency, period_index, period_start};
use super::ingest::RawObservation;
use super::stats::quantile_sorted;
use crate::Frequency;
use crate::options::{AnalysisOptions, DuplicatePolicy, OutlierPolicy};
use crate::report::{Outlier, Quality};
use chrono::NaiveDate;
use std::collections::HashSet;

/// The longest grid a series may span; beyond it the dates are almost surely wrong.
pub const MAX_PERIODS: i64 = 200_000;

/// A grid may always span this many periods, however few have data.
pub const MIN_SPARSE_SPAN: i64 = 1_000;

/// Beyond [`MIN_SPARSE_SPAN`], periods of grid allowed per period with data: more would be
/// mostly invented by interpolation (four days of data and a date 500 years on made a
/// 182,618-point grid that took seconds and hundreds of MB).
pub const MAX_FILL_RATIO: i64 = 20;

/// A regular series ready for analysis.
#[derive(Debug, Clone)]
pub struct CleanSeries {
    /// Frequency used for the grid.
    pub frequency: Frequency,
    /// First day of each period.
    pub dates: Vec<NaiveDate>,
    /// Value after merging duplicates, `None` where missing.
    pub observed: Vec<Option<f64>>,
    /// Value after filling and outlier treatment.
    pub values: Vec<f64>,
    /// Whether each period was flagged as an outlier.
    pub outlier: Vec<bool>,
    /// Anchor for week numbering (first date).
    pub anchor: NaiveDate,
    /// Index of the last period (to continue the grid into the forecast).
    pub last_index: i64,
    /// Cleaning counts.
    pub quality: Quality,
}

impl CleanSeries {
    /// Dates of the `h` periods after the last one.
    pub fn future_dates(&self, h: usize) -> Vec<NaiveDate> {
        (1..=h as i64)
            .filter_map(|k| period_start(self.last_index + k, self.frequency, self.anchor))
            .collect()
    }
}

/// Why a series could not be laid on a grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CleanError {
    /// No observation had a readable date.
    NoDates,
    /// The dates span more periods than [`MAX_PERIODS`].
    TooLong(i64),
    /// The dates span far more periods than have data (see [`MAX_FILL_RATIO`]).
    TooSparse {
        /// Periods the dates span.
        span: i64,
        /// Periods with at least one row.
        with_data: i64,
        /// Input rows of the earliest and the latest date.
        rows: (usize, usize),
    },
    /// Laying this grid would pass the analysis's allowance of periods.
    OverBudget,
}

/// Cleans one series.
pub fn clean(obs: Vec<RawObservation>, opts: &AnalysisOptions) -> Result<CleanSeries, CleanError> {
    clean_within(obs, opts, None)
}

/// Cleans one series, taking its grid's periods from `meter` (the analysis's allowance)
/// before laying it.
pub fn clean_within(
    mut obs: Vec<RawObservation>,
    opts: &AnalysisOptions,
    meter: Option<&super::budget::PointsMeter>,
) -> Result<CleanSeries, CleanError> {
    let mut quality = Quality {
        rows_read: obs.len(),
        ..Quality::default()
    };
    // Exact repeats of a row (same date and value) are upload artefacts, not shipments.
    let mut seen = HashSet::with_capacity(obs.len());
    obs.retain(|o| seen.insert((o.date, o.value.map(f64::to_bits))));
    quality.duplicate_rows = quality.rows_read - obs.len();
    obs.sort_by_key(|o| o.date);
    let anchor = obs.first().ok_or(CleanError::NoDates)?.date;

    let frequency = opts.frequency.unwrap_or_else(|| {
        let mut distinct: Vec<NaiveDate> = obs.iter().map(|o| o.date).collect();
        distinct.dedup();
        detect_frequency(&distinct).unwrap_or(Frequency::Month)
    });
    let first = period_index(anchor, frequency, anchor);
    let last = period_index(
        obs.last().ok_or(CleanError::NoDates)?.date,
        frequency,
        anchor,
    );
    let span = last - first + 1;
    if span > MAX_PERIODS {
        return Err(CleanError::TooLong(span));
    }
    // Observations are sorted, so periods with data are counted in one pass.
    let mut with_data = 0i64;
    let mut previous = None;
    for o in &obs {
        let p = period_index(o.date, frequency, anchor);
        if previous != Some(p) {
            with_data += 1;
            previous = Some(p);
        }
    }
    if span > MIN_SPARSE_SPAN.max(with_data.saturating_mul(MAX_FILL_RATIO)) {
        let rows = (
            obs.first().map_or(0, |o| o.row),
            obs.last().map_or(0, |o| o.row),
        );
        return Err(CleanError::TooSparse {
            span,
            with_data,
            rows,
        });
    }
    let len = usize::try_from(span).map_err(|_| CleanError::TooLong(span))?;
    if meter.is_some_and(|m| !m.take(len)) {
        return Err(CleanError::OverBudget);
    }
    let mut observed: Vec<Option<f64>> = vec![None; len];
    let mut present = vec![false; len];
    let mut i = 0;
    let mut group: Vec<f64> = Vec::new();
    while i < obs.len() {
        let p = period_index(obs[i].date, frequency, anchor);
        group.clear();
        let mut rows = 0;
        while i < obs.len() && period_index(obs[i].date, frequency, anchor) == p {
            if let Some(v) = obs[i].value {
                group.push(v);
            }
            rows += 1;
            i += 1;
        }
        let slot = usize::try_from(p - first).unwrap_or(0);
        present[slot] = true;
        // Every row after the first in a period is a duplicate date, with or without a value.
        quality.duplicate_dates += rows - 1;
        if !group.is_empty() {
            quality.rows_used += group.len();
            observed[slot] = Some(merge(&group, opts.duplicates));
        }
    }
    quality.missing_values = observed
        .iter()
        .zip(&present)
        .filter(|(v, p)| v.is_none() && **p)
        .count();
    quality.missing_periods = present.iter().filter(|p| !**p).count();

    let mut values = interpolate(&observed);
    quality.filled = observed.iter().filter(|v| v.is_none()).count();
    let dates: Vec<NaiveDate> = (first..=last)
        .map(|k| period_start(k, frequency, anchor).unwrap_or(anchor))
        .collect();

    let treated = treat_outliers(&mut values, frequency.season_length(), opts);
    let mut outlier = vec![false; len];
    for &(idx, _) in &treated {
        outlier[idx] = true;
    }
    quality.outliers = treated
        .into_iter()
        .map(|(idx, value)| Outlier {
            date: dates[idx],
            value,
            replaced_with: values[idx],
        })
        .collect();
    Ok(CleanSeries {
        frequency,
        dates,
        observed,
        values,
        outlier,
        anchor,
        last_index: last,
        quality,
    })
}

/// Finds outliers in `values` and treats them in place as `opts` says. Returns each flagged
/// index with its original value.
pub fn treat_outliers(
    values: &mut Vec<f64>,
    season: usize,
    opts: &AnalysisOptions,
) -> Vec<(usize, f64)> {
    let flagged = find_outliers(values, season, opts.iqr_multiplier);
    let originals: Vec<(usize, f64)> = flagged.iter().map(|&(idx, _)| (idx, values[idx])).collect();
    match opts.outliers {
        OutlierPolicy::Keep => {}
        OutlierPolicy::Cap => {
            for &(idx, fence) in &flagged {
                values[idx] = fence;
            }
        }
        OutlierPolicy::Remove => {
            let mut holes: Vec<Option<f64>> = values.iter().copied().map(Some).collect();
            for &(idx, _) in &flagged {
                holes[idx] = None;
            }
            *values = interpolate(&holes);
        }
    }
    originals
}

/// Merges the values of one period with the duplicate policy (`group` is not empty).
pub fn merge(group: &[f64], policy: DuplicatePolicy) -> f64 {
    match policy {
        DuplicatePolicy::Sum => group.iter().sum(),
        DuplicatePolicy::Mean => group.iter().sum::<f64>() / group.len() as f64,
        DuplicatePolicy::First => group[0],
        DuplicatePolicy::Last => group[group.len() - 1],
    }
}

/// Linear interpolation between known neighbours; the ends take the nearest known value.
/// An all-missing input becomes zeros.
pub fn interpolate(values: &[Option<f64>]) -> Vec<f64> {
    let known: Vec<usize> = (0..values.len()).filter(|&i| values[i].is_some()).collect();
    let (Some(&first), Some(&last)) = (known.first(), known.last()) else {
        return vec![0.0; values.len()];
    };
    let mut out = vec![0.0; values.len()];
    let at = |i: usize| values[i].unwrap_or(0.0);
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = if i <= first {
            at(first)
        } else if i >= last {
            at(last)
        } else {
            values[i].unwrap_or(f64::NAN)
        };
    }
    for pair in known.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (va, vb) = (at(a), at(b));
        for (k, slot) in out.iter_mut().enumerate().take(b).skip(a + 1) {
            *slot = va + (vb - va) * (k - a) as f64 / (b - a) as f64;
        }
    }
    out
}

/// Flags values outside the IQR fences of their neighbourhood: a centred window of two seasons
/// (at least 11 periods), shifted inward at the ends. Local fences follow trend and season, so
/// only values that stand out from their surroundings are flagged. Returns each flagged index
/// with the value of the fence it crossed.
pub fn find_outliers(values: &[f64], season: usize, k: f64) -> Vec<(usize, f64)> {
    let n = values.len();
    if n < 8 {
        return Vec::new();
    }
    let window = (2 * season + 1).max(11).min(n);
    let half = window / 2;
    let mut buf = Vec::with_capacity(window);
    let mut flagged = Vec::new();
    for (i, &v) in values.iter().enumerate() {
        let lo = i.saturating_sub(half).min(n - window);
        buf.clear();
        buf.extend_from_slice(&values[lo..lo + window]);
        buf.sort_by(f64::total_cmp);
        let q1 = quantile_sorted(&buf, 0.25);
        let q3 = quantile_sorted(&buf, 0.75);
        let iqr = q3 - q1;
        // A flat neighbourhood (IQR 0, or NaN) gives no fences.
        if iqr.is_nan() || iqr <= 0.0 {
            continue;
        }
        let (low, high) = (q1 - k * iqr, q3 + k * iqr);
        if v < low {
            flagged.push((i, low));
        } else if v > high {
            flagged.push((i, high));
        }
    }
    flagged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(date: &str, value: Option<f64>, row: usize) -> RawObservation {
        RawObservation {
            row,
            date: super::super::dates::parse_date(date, None).expect("test date"),
            value,
        }
    }

    #[test]
    fn sorts_merges_fills_and_counts() {
        let raw = vec![
            obs("2024-03", Some(30.0), 1),
            obs("2024-01", Some(10.0), 2),
            obs("2024-01", Some(10.0), 3), // exact repeat: dropped
            obs("2024-01", Some(5.0), 4),  // same month, other value: summed
            obs("2024-05", None, 5),       // missing value
            obs("2024-06", Some(60.0), 6),
        ];
        let s = clean(raw, &AnalysisOptions::default()).expect("cleans");
        assert_eq!(s.frequency, Frequency::Month);
        assert_eq!(s.values.len(), 6);
        assert_eq!(s.values[0], 15.0);
        assert_eq!(s.observed[1], None); // February never appeared
        assert_eq!(s.values[1], 22.5);
        assert_eq!(s.quality.duplicate_rows, 1);
        assert_eq!(s.quality.duplicate_dates, 1);
        assert_eq!(s.quality.missing_periods, 2); // Feb, Apr
        assert_eq!(s.quality.missing_values, 1); // May
        assert_eq!(s.quality.filled, 3);
    }

    #[test]
    fn duplicate_policies() {
        let raw = || vec![obs("2024-01", Some(1.0), 1), obs("2024-01", Some(3.0), 2)];
        let with = |p| AnalysisOptions {
            duplicates: p,
            ..AnalysisOptions::default()
        };
        let v = |p| clean(raw(), &with(p)).expect("cleans").values[0];
        assert_eq!(v(DuplicatePolicy::Sum), 4.0);
        assert_eq!(v(DuplicatePolicy::Mean), 2.0);
        assert_eq!(v(DuplicatePolicy::First), 1.0);
        assert_eq!(v(DuplicatePolicy::Last), 3.0);
    }

    #[test]
    fn caps_a_spike_and_reports_it() {
        let mut values: Vec<f64> = (0..48)
            .map(|i| 100.0 + (i % 12) as f64 + i as f64)
            .collect();
        values[30] = 5_000.0;
        let flagged = find_outliers(&values, 12, 1.5);
        assert!(flagged.iter().any(|(i, _)| *i == 30), "{flagged:?}");
        let capped = flagged.iter().find(|(i, _)| *i == 30).expect("spike").1;
        assert!(capped < 500.0, "capped to {capped}");
    }

    #[test]
    fn refuses_a_grid_that_would_be_mostly_invented() {
        let raw = vec![
            obs("2024-01-01", Some(1.0), 1),
            obs("2024-01-02", Some(2.0), 2),
            obs("2024-01-03", Some(3.0), 3),
            obs("2524-01-03", Some(4.0), 4),
        ];
        let started = std::time::Instant::now();
        let err = clean(raw, &AnalysisOptions::default()).expect_err("too sparse");
        assert!(
            matches!(err, CleanError::TooSparse { with_data: 4, rows: (1, 4), span } if span > 100_000),
            "{err:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
        // A monthly series with a two-year hole is still laid out and filled.
        let gappy: Vec<_> = ["2020-01-01", "2020-02-01", "2022-03-01", "2022-04-01"]
            .iter()
            .enumerate()
            .map(|(i, d)| obs(d, Some(i as f64), i + 1))
            .collect();
        assert_eq!(
            clean(gappy, &AnalysisOptions::default())
                .expect("cleans")
                .values
                .len(),
            28
        );
    }

    #[test]
    fn interpolates_inside_and_extends_ends() {
        let v = interpolate(&[None, Some(1.0), None, Some(3.0), None]);
        assert_eq!(v, vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        assert_eq!(interpolate(&[None, None]), vec![0.0, 0.0]);
    }
}
