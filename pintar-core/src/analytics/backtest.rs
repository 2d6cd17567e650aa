//! Scoring the forecasting pool on held-out data: for every series, hold out the last `h`
//! periods, forecast them from the rest with each model and with the automatic choice, and
//! average sMAPE, MASE and interval coverage over series. The cut is made on the raw rows
//! before any cleaning, so the training part is filled and treated without the held-out
//! values, as a live forecast would be; held-out periods without a value are not scored.

use super::clean::{CleanSeries, clean, merge, treat_outliers};
use super::dates::{detect_frequency, period_index};
use super::engine::{select_series, validate};
use super::forecast::{
    Context, MIN_POINTS, Method, Prediction, Z80, Z95, at_least, auto_forecast, floor_for, mase,
    mase_scale, smape,
};
use super::ingest::{InputFormat, RawObservation, ingest};
use crate::options::{AnalysisOptions, OutlierPolicy};
use crate::{AnalyticsError, Frequency};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::time::Instant;

/// Accuracy of one model averaged over series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAccuracy {
    /// Model name (`auto` for the automatic choice).
    pub model: String,
    /// Mean sMAPE (0–200).
    pub smape: f64,
    /// Mean MASE over the series where it is defined.
    pub mase: f64,
    /// Series whose MASE is undefined (constant training data), left out of `mase`.
    #[serde(default)]
    pub mase_undefined: usize,
    /// Share of held-out points inside the 80% interval.
    pub coverage_80: f64,
    /// Share of held-out points inside the 95% interval.
    pub coverage_95: f64,
    /// Series scored.
    pub series: usize,
}

/// Scores of one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesBacktest {
    /// Series name.
    pub category: String,
    /// Points available before the hold-out.
    pub train_length: usize,
    /// Model the automatic choice picked.
    pub chosen: String,
    /// Wall time of the automatic choice and forecast (single-threaded), in milliseconds.
    pub auto_ms: f64,
    /// Accuracy per model, `auto` first.
    pub models: Vec<ModelAccuracy>,
}

/// The whole backtest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BacktestReport {
    /// Points held out per series.
    pub horizon: usize,
    /// Series scored.
    pub series: usize,
    /// Series too short to hold out `horizon` points and keep enough to fit.
    pub skipped: usize,
    /// Accuracy per model over all scored series, `auto` first.
    pub models: Vec<ModelAccuracy>,
    /// How often the automatic choice picked each model.
    pub chosen: Vec<(String, usize)>,
    /// Mean time per series of the automatic choice, in milliseconds.
    pub auto_ms_per_series: f64,
    /// Per-series detail.
    pub per_series: Vec<SeriesBacktest>,
}

fn score(
    name: &str,
    held: &HeldOut,
    p: &Prediction,
    scale: f64,
    floor: Option<f64>,
) -> ModelAccuracy {
    // Forecast steps that fall on a held-out period with a value.
    let scored: Vec<(f64, usize)> = held
        .actual
        .iter()
        .enumerate()
        .filter_map(|(k, a)| a.map(|a| (a, held.offset + k)))
        .collect();
    let actual: Vec<f64> = scored.iter().map(|(a, _)| *a).collect();
    let point: Vec<f64> = scored
        .iter()
        .map(|&(_, step)| at_least(p.point[step], floor))
        .collect();
    let inside = |z: f64| {
        let (lo, hi) = p.bounds_at_least(z, floor);
        scored
            .iter()
            .filter(|&&(a, step)| a >= lo[step] && a <= hi[step])
            .count() as f64
            / scored.len() as f64
    };
    ModelAccuracy {
        model: name.to_string(),
        smape: smape(&actual, &point),
        mase: mase(&actual, &point, scale),
        coverage_80: inside(Z80),
        coverage_95: inside(Z95),
        series: 1,
        mase_undefined: 0,
    }
}

/// The held-out window of a series: the last `h` periods its dates span.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldOut {
    /// Forecast steps between the last training period and the window (periods at the end
    /// of the training part without any row).
    pub offset: usize,
    /// Each held-out period's value as observed, duplicates merged; `None` where it has none
    /// (such periods are not scored).
    pub actual: Vec<Option<f64>>,
}

/// A series split for a backtest: cut first, on the raw rows by period, then the training
/// part alone is cleaned — so gap filling and outlier fences never see held-out values.
#[derive(Debug, Clone)]
pub struct Split {
    /// The training part, cleaned with outliers kept (they are treated by the caller).
    pub train: CleanSeries,
    /// What the forecast is scored against.
    pub held: HeldOut,
}

/// Splits raw observations into a cleaned training part and the held-out last `h` periods.
/// `None` when nothing is left to train on or no held-out period has a value.
pub fn split_at_horizon(
    mut observations: Vec<RawObservation>,
    h: usize,
    opts: &AnalysisOptions,
) -> Option<Split> {
    // Dates only (never values) fix the frequency and where the cut falls.
    observations.sort_by_key(|o| o.date);
    let anchor = observations.first()?.date;
    let frequency = opts.frequency.unwrap_or_else(|| {
        let mut distinct: Vec<_> = observations.iter().map(|o| o.date).collect();
        distinct.dedup();
        detect_frequency(&distinct).unwrap_or(Frequency::Month)
    });
    let period = |o: &RawObservation| period_index(o.date, frequency, anchor);
    let last = period(observations.last()?);
    let cut = last - i64::try_from(h).ok()?;
    let first_held = observations.partition_point(|o| period(o) <= cut);
    let held_rows = observations.split_off(first_held);

    // Rows are in date then file order, as cleaning sees them; exact repeats are dropped.
    let mut groups: Vec<Vec<f64>> = vec![Vec::new(); h];
    let mut seen = HashSet::new();
    for o in &held_rows {
        let k = usize::try_from(period(o) - cut - 1).ok()?;
        if let Some(v) = o.value
            && seen.insert((o.date, v.to_bits()))
        {
            groups.get_mut(k)?.push(v);
        }
    }
    let actual: Vec<Option<f64>> = groups
        .iter()
        .map(|g| (!g.is_empty()).then(|| merge(g, opts.duplicates)))
        .collect();
    if actual.iter().all(Option::is_none) {
        return None;
    }
    let keep = AnalysisOptions {
        outliers: OutlierPolicy::Keep,
        frequency: Some(frequency),
        ..opts.clone()
    };
    let train = clean(observations, &keep).ok()?;
    let offset = usize::try_from(cut - train.last_index).ok()?;
    Some(Split {
        train,
        held: HeldOut { offset, actual },
    })
}

/// Backtests one series: holds out its last `h` periods, cleans and forecasts the rest, and
/// scores every model on the held-out values.
pub fn backtest_series(
    category: &str,
    observations: Vec<RawObservation>,
    h: usize,
    opts: &AnalysisOptions,
) -> Option<SeriesBacktest> {
    if h == 0 {
        return None;
    }
    let Split { train, held } = split_at_horizon(observations, h, opts)?;
    let period = train.frequency.season_length();
    let n = train.values.len();
    // The training part needs enough points to fit, and to validate on up to two seasons.
    let min_train = MIN_POINTS.max(2 * h.min(period.max(2)));
    if n < min_train {
        return None;
    }
    // The metric's scale comes from the data as observed, whatever the cleaning did.
    let scale = mase_scale(&train.values, period);
    let mut values = train.values;
    treat_outliers(&mut values, period, opts);
    let floor = floor_for(&values);
    let steps = held.offset + h;
    let started = Instant::now();
    let auto = auto_forecast(&values, period, steps)?;
    let auto_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut models = vec![score("auto", &held, &auto.prediction, scale, floor)];
    models.extend(
        Context::new(&values, period)
            .predict_all(&Method::POOL, steps)
            .iter()
            .map(|(m, p)| score(m.name(), &held, p, scale, floor)),
    );
    Some(SeriesBacktest {
        category: category.to_string(),
        train_length: n,
        chosen: auto.method.name().to_string(),
        auto_ms,
        models,
    })
}

/// Backtests every series of an upload, holding out the last `h` points of each.
pub fn backtest_bytes(
    bytes: &[u8],
    format: InputFormat,
    h: usize,
    opts: &AnalysisOptions,
) -> Result<BacktestReport, AnalyticsError> {
    validate(opts)?;
    if h == 0 {
        return Err(AnalyticsError::InvalidOption(
            "horizon must be at least 1".into(),
        ));
    }
    let mut ingested = ingest(bytes, format, opts)?;
    select_series(&mut ingested, opts)?;
    let total = ingested.series.len();
    let mut per_series: Vec<SeriesBacktest> = ingested
        .series
        .into_par_iter()
        .filter_map(|raw| backtest_series(&raw.category, raw.observations, h, opts))
        .collect();
    per_series.sort_by(|a, b| a.category.cmp(&b.category));
    let scored = per_series.len();
    let mut models: Vec<ModelAccuracy> = Vec::new();
    for s in &per_series {
        for m in &s.models {
            let acc = match models.iter_mut().position(|x| x.model == m.model) {
                Some(i) => &mut models[i],
                None => {
                    models.push(ModelAccuracy {
                        model: m.model.clone(),
                        smape: 0.0,
                        mase: 0.0,
                        coverage_80: 0.0,
                        coverage_95: 0.0,
                        series: 0,
                        mase_undefined: 0,
                    });
                    models.last_mut().expect("just pushed")
                }
            };
            acc.smape += m.smape;
            if m.mase.is_nan() {
                acc.mase_undefined += 1;
            } else {
                acc.mase += m.mase;
            }
            acc.coverage_80 += m.coverage_80;
            acc.coverage_95 += m.coverage_95;
            acc.series += 1;
        }
    }
    for m in &mut models {
        let k = m.series as f64;
        m.smape /= k;
        m.mase /= (m.series - m.mase_undefined).max(1) as f64;
        m.coverage_80 /= k;
        m.coverage_95 /= k;
    }
    let mut chosen: Vec<(String, usize)> = Vec::new();
    for s in &per_series {
        match chosen.iter_mut().find(|(name, _)| *name == s.chosen) {
            Some((_, c)) => *c += 1,
            None => chosen.push((s.chosen.clone(), 1)),
        }
    }
    chosen.sort_by_key(|c| std::cmp::Reverse(c.1));
    let auto_ms_per_series =
        per_series.iter().map(|s| s.auto_ms).sum::<f64>() / scored.max(1) as f64;
    Ok(BacktestReport {
        horizon: h,
        series: scored,
        skipped: total - scored,
        models,
        chosen,
        auto_ms_per_series,
        per_series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// 48 months of a seasonal line; months in `absent` have no row; months after the cut
    /// (the last 6) are multiplied by `held_scale`.
    fn rows(absent: &[usize], held_scale: f64) -> Vec<RawObservation> {
        (0..48)
            .filter(|i| !absent.contains(i))
            .map(|i| {
                let date = NaiveDate::from_ymd_opt(2015 + (i / 12) as i32, (i % 12) as u32 + 1, 1)
                    .expect("valid date");
                let base = 100.0 + 2.0 * i as f64 + 10.0 * ((i % 12) as f64 - 5.5).abs();
                let scale = if i >= 42 { held_scale } else { 1.0 };
                RawObservation {
                    row: i + 1,
                    date,
                    value: Some(base * scale),
                }
            })
            .collect()
    }

    #[test]
    fn training_data_never_sees_held_out_values() {
        // Months 39–41 (the end of training) and 42 (the first held-out month) have no row:
        // filling them from both sides would pull month 43 into the training data.
        let absent = [39, 40, 41, 42];
        let opts = AnalysisOptions::default();
        let a = split_at_horizon(rows(&absent, 1.0), 6, &opts).expect("splits");
        let b = split_at_horizon(rows(&absent, 10.0), 6, &opts).expect("splits");
        assert_eq!(a.train.values, b.train.values);
        assert_eq!(a.train.values.len(), 39);
        let clean_alone = clean(
            rows(&absent, 1.0)
                .into_iter()
                .filter(|o| o.row <= 39)
                .collect(),
            &AnalysisOptions {
                outliers: OutlierPolicy::Keep,
                ..AnalysisOptions::default()
            },
        )
        .expect("cleans");
        assert_eq!(a.train.values, clean_alone.values);
        // The forecast reaches the held-out months past the three empty training months.
        assert_eq!(a.held.offset, 3);
        assert_eq!(a.held.actual[0], None);
        assert!(a.held.actual[1..].iter().all(Option::is_some));
        assert_ne!(a.held.actual, b.held.actual);

        let sa = backtest_series("a", rows(&absent, 1.0), 6, &opts).expect("scored");
        let sb = backtest_series("b", rows(&absent, 10.0), 6, &opts).expect("scored");
        assert_eq!((sa.train_length, &sa.chosen), (sb.train_length, &sb.chosen));
        // Only the five held-out months with a value are scored, and scores are defined.
        assert!(
            sa.models
                .iter()
                .all(|m| m.smape.is_finite() && m.mase.is_finite())
        );
        assert!(sb.models[0].smape > sa.models[0].smape);
    }

    #[test]
    fn a_window_without_values_is_not_scored() {
        let all_held = [42, 43, 44, 45, 46];
        let mut obs = rows(&all_held, 1.0);
        obs.last_mut().expect("rows").value = None;
        assert!(split_at_horizon(obs, 6, &AnalysisOptions::default()).is_none());
    }
}
