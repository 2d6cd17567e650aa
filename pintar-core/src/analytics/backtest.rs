//! Scoring the forecasting pool on held-out data: for every series, hold out the last `h`
//! points, forecast them from the rest with each model and with the automatic choice, and
//! average sMAPE, MASE and interval coverage over series.

use super::clean::{clean, treat_outliers};
use super::engine::{select_series, validate};
use super::forecast::{
    Context, MIN_POINTS, Method, Prediction, Z80, Z95, auto_forecast, mase, mase_scale, smape,
};
use super::ingest::{InputFormat, ingest};
use crate::AnalyticsError;
use crate::options::{AnalysisOptions, OutlierPolicy};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
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

fn score(name: &str, actual: &[f64], p: &Prediction, scale: f64) -> ModelAccuracy {
    let inside = |z: f64| {
        let (lo, hi) = p.bounds(z);
        actual
            .iter()
            .zip(lo.iter().zip(&hi))
            .filter(|(a, (l, h))| *a >= *l && *a <= *h)
            .count() as f64
            / actual.len() as f64
    };
    ModelAccuracy {
        model: name.to_string(),
        smape: smape(actual, &p.point),
        mase: mase(actual, &p.point, scale),
        coverage_80: inside(Z80),
        coverage_95: inside(Z95),
        series: 1,
        mase_undefined: 0,
    }
}

/// Backtests one cleaned series (`values` on a regular grid, outliers not yet treated).
pub fn backtest_values(
    category: &str,
    values: &[f64],
    period: usize,
    h: usize,
    opts: &AnalysisOptions,
) -> Option<SeriesBacktest> {
    let n = values.len();
    // The training part needs enough points to fit, and to validate on up to two seasons.
    let min_train = MIN_POINTS.max(2 * h.min(period.max(2)));
    if h == 0 || n < h + min_train {
        return None;
    }
    let raw_train = &values[..n - h];
    // The metric's scale comes from the data as observed, whatever the cleaning did.
    let scale = mase_scale(raw_train, period);
    let mut train = raw_train.to_vec();
    treat_outliers(&mut train, period, opts);
    let actual = &values[n - h..];
    let started = Instant::now();
    let auto = auto_forecast(&train, period, h)?;
    let auto_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut models = vec![score("auto", actual, &auto.prediction, scale)];
    models.extend(
        Context::new(&train, period)
            .predict_all(&Method::POOL, h)
            .iter()
            .map(|(m, p)| score(m.name(), actual, p, scale)),
    );
    Some(SeriesBacktest {
        category: category.to_string(),
        train_length: train.len(),
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
    // Clean without outlier treatment: only the training part may be treated.
    let keep = AnalysisOptions {
        outliers: OutlierPolicy::Keep,
        ..opts.clone()
    };
    let mut per_series: Vec<SeriesBacktest> = ingested
        .series
        .into_par_iter()
        .filter_map(|raw| {
            let s = clean(raw.observations, &keep).ok()?;
            backtest_values(
                &raw.category,
                &s.values,
                s.frequency.season_length(),
                h,
                opts,
            )
        })
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
