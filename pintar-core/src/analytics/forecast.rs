//! Forecasting: a pool of models, chosen per series by out-of-sample accuracy.
//!
//! Seasonal series (the 90% autocorrelation test at the seasonal lag) are adjusted by classical
//! decomposition (multiplicative for positive data), forecast by a non-seasonal model, and the
//! seasonal pattern is put back — the approach of the M4 benchmarks. The pool:
//! - `seasonal_naive`, `naive`, `drift`: the textbook benchmarks;
//! - `ets`: automatic exponential smoothing (SES, Holt, damped Holt; additive errors; chosen
//!   by AICc) from the `augurs-ets` crate;
//! - `theta`: the standard Theta method (SES with drift of half the OLS slope);
//! - `combination`: the mean of `ets`, `theta` and `naive`, a combination of the kind that
//!   wins forecasting competitions.
//!
//! Long histories are fitted on their most recent [`FIT_WINDOW`] periods. The model is chosen
//! by MASE on a validation window (the last `h` points, at most a third of the series), then
//! refit on all the data; a benchmark (`seasonal_naive`, `naive`, `drift`) is chosen only when
//! it clearly beats the best of the others ([`BENCHMARK_MARGIN`]), because one short window is
//! a noisy judge. Prediction intervals start from each model's nominal spread, are scaled by
//! how far the chosen model's validation errors strayed from it (shrunk toward 1, with a
//! Student-t quantile because that scale is estimated from few errors), and widen with the
//! horizon measured in seasons against the length of the data (estimation uncertainty, which
//! the models' own formulas leave out and which matters most for short series).
//!
//! These choices were set with `pintar backtest` on the M1, US employment and classic series in
//! `shared/data` (see the README for the figures).

use super::seasonality::{SeasonalIndices, indices, is_seasonal};
use super::stats::ols;
use augurs_core::{Fit, Predict};
use augurs_ets::AutoETS;

/// Standard normal quantile for a two-sided 80% interval.
pub const Z80: f64 = 1.281_551_565_544_600_5;
/// Standard normal quantile for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A forecasting method of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Repeat the last season.
    SeasonalNaive,
    /// Repeat the last (seasonally adjusted) value.
    Naive,
    /// Extend the line from the first to the last (adjusted) value.
    Drift,
    /// Automatic exponential smoothing on the adjusted series.
    Ets,
    /// Standard Theta method on the adjusted series.
    Theta,
    /// Mean of `Ets`, `Theta` and `Naive` (on the adjusted series).
    Combination,
}

impl Method {
    /// Every method, in the order they are reported.
    pub const POOL: [Method; 6] = [
        Method::SeasonalNaive,
        Method::Naive,
        Method::Drift,
        Method::Ets,
        Method::Theta,
        Method::Combination,
    ];

    /// The methods tried when an input does not pay for the whole pool (see
    /// `budget::full_search_periods`): the benchmarks and Theta, without exponential
    /// smoothing's model search, which is most of the cost.
    pub const LIGHT: [Method; 4] = [
        Method::SeasonalNaive,
        Method::Naive,
        Method::Drift,
        Method::Theta,
    ];

    /// Whether this is one of the simple benchmarks (seasonal naive, naive, drift).
    pub fn is_benchmark(self) -> bool {
        matches!(self, Method::SeasonalNaive | Method::Naive | Method::Drift)
    }

    /// Stable name used in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Method::SeasonalNaive => "seasonal_naive",
            Method::Naive => "naive",
            Method::Drift => "drift",
            Method::Ets => "ets",
            Method::Theta => "theta",
            Method::Combination => "combination",
        }
    }
}

/// Point forecasts and their nominal standard deviations per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Point forecast per step.
    pub point: Vec<f64>,
    /// Standard deviation of the forecast error per step.
    pub sd: Vec<f64>,
    /// Model description (e.g. `ets(M,Ad,N)` with a `seasonal×` prefix when adjusted).
    pub label: String,
}

impl Prediction {
    /// Lower and upper bounds at the given normal quantile.
    pub fn bounds(&self, z: f64) -> (Vec<f64>, Vec<f64>) {
        self.point
            .iter()
            .zip(&self.sd)
            .map(|(p, s)| (p - z * s, p + z * s))
            .unzip()
    }
}

/// The lowest value a forecast of `history` may take: 0 when no value is negative (exports,
/// counts), else none.
pub fn floor_for(history: &[f64]) -> Option<f64> {
    history.iter().all(|v| *v >= 0.0).then_some(0.0)
}

/// `x` raised to `floor` when below it (NaN stays NaN).
pub fn at_least(x: f64, floor: Option<f64>) -> f64 {
    match floor {
        Some(f) if x < f => f,
        _ => x,
    }
}

impl Prediction {
    /// [`Prediction::bounds`] with both bounds raised to `floor` where below it.
    pub fn bounds_at_least(&self, z: f64, floor: Option<f64>) -> (Vec<f64>, Vec<f64>) {
        let (mut lo, mut hi) = self.bounds(z);
        for v in lo.iter_mut().chain(hi.iter_mut()) {
            *v = at_least(*v, floor);
        }
        (lo, hi)
    }

    /// The point forecast raised to `floor` where below it.
    pub fn point_at_least(&self, floor: Option<f64>) -> Vec<f64> {
        self.point.iter().map(|&x| at_least(x, floor)).collect()
    }
}

/// Training data prepared once for every method.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    values: &'a [f64],
    period: usize,
    seasonal: Option<SeasonalIndices>,
    adjusted: Vec<f64>,
}

impl<'a> Context<'a> {
    /// Prepares `values` (at least 2 points) with the given season length. Only the last
    /// [`FIT_WINDOW`] values are used.
    pub fn new(values: &'a [f64], period: usize) -> Self {
        let values = &values[values.len().saturating_sub(FIT_WINDOW)..];
        let seasonal = if is_seasonal(values, period) {
            let positive = values.iter().all(|v| *v > 0.0);
            // Indices from the most recent seasons, starting on a cycle boundary.
            let seasons = values.len() / period;
            let skip = seasons.saturating_sub(INDEX_SEASONS) * period;
            indices(&values[skip..], period, positive)
        } else {
            None
        };
        let adjusted = match &seasonal {
            Some(s) => s.adjust(values),
            None => values.to_vec(),
        };
        Self {
            values,
            period,
            seasonal,
            adjusted,
        }
    }

    fn finish(&self, mut p: Prediction) -> Prediction {
        if let Some(s) = &self.seasonal {
            s.restore(&mut p.point, self.values.len());
            s.restore_spread(&mut p.sd, self.values.len());
            p.label = format!("seasonal×{}", p.label);
        }
        p
    }

    /// Forecasts `h` steps with each of `methods`, fitting shared components once.
    pub fn predict_all(&self, methods: &[Method], h: usize) -> Vec<(Method, Prediction)> {
        let needs = |m: Method| {
            methods.iter().any(|x| {
                *x == m || (*x == Method::Combination && matches!(m, Method::Ets | Method::Theta))
            })
        };
        let ets = if needs(Method::Ets) {
            ets(&self.adjusted, h)
        } else {
            None
        };
        let theta = if needs(Method::Theta) {
            theta(&self.adjusted, h)
        } else {
            None
        };
        methods
            .iter()
            .filter_map(|&m| {
                let p = match m {
                    Method::SeasonalNaive => {
                        return Some((m, seasonal_naive(self.values, self.period, h)));
                    }
                    Method::Naive => naive(&self.adjusted, h),
                    Method::Drift => drift(&self.adjusted, h),
                    Method::Ets => ets.clone()?,
                    Method::Theta => theta.clone()?,
                    Method::Combination => {
                        combine(&[ets.as_ref()?, theta.as_ref()?, &naive(&self.adjusted, h)])
                    }
                };
                Some((m, self.finish(p)))
            })
            .collect()
    }
}

fn rms(xs: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = xs.fold((0.0, 0usize), |(s, n), x| (s + x * x, n + 1));
    if n == 0 { 0.0 } else { (sum / n as f64).sqrt() }
}

fn naive(y: &[f64], h: usize) -> Prediction {
    let last = y[y.len() - 1];
    let sigma = rms(y.windows(2).map(|w| w[1] - w[0]));
    Prediction {
        point: vec![last; h],
        sd: (1..=h).map(|k| sigma * (k as f64).sqrt()).collect(),
        label: "naive".into(),
    }
}

fn seasonal_naive(y: &[f64], period: usize, h: usize) -> Prediction {
    let n = y.len();
    if period < 2 || n <= period {
        let mut p = naive(y, h);
        p.label = "seasonal_naive".into();
        return p;
    }
    let sigma = rms((period..n).map(|i| y[i] - y[i - period]));
    Prediction {
        point: (0..h).map(|k| y[n - period + k % period]).collect(),
        sd: (0..h)
            .map(|k| sigma * ((k / period + 1) as f64).sqrt())
            .collect(),
        label: "seasonal_naive".into(),
    }
}

fn drift(y: &[f64], h: usize) -> Prediction {
    let n = y.len();
    let last = y[n - 1];
    let slope = (last - y[0]) / (n - 1) as f64;
    let sigma = rms(y.windows(2).map(|w| w[1] - w[0] - slope));
    let t = (n - 1) as f64;
    Prediction {
        point: (1..=h).map(|k| last + slope * k as f64).collect(),
        sd: (1..=h)
            .map(|k| {
                let k = k as f64;
                sigma * (k * (1.0 + k / t)).sqrt()
            })
            .collect(),
        label: "drift".into(),
    }
}

/// Simple exponential smoothing with the first value as initial level: (level, SSE).
fn ses(y: &[f64], alpha: f64) -> (f64, f64) {
    let mut level = y[0];
    let mut sse = 0.0;
    for &v in &y[1..] {
        let e = v - level;
        sse += e * e;
        level += alpha * e;
    }
    (level, sse)
}

/// Golden-section search for the SES smoothing parameter on [0.01, 0.99].
fn ses_alpha(y: &[f64]) -> f64 {
    let (mut a, mut b) = (0.01f64, 0.99f64);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (ses(y, c).1, ses(y, d).1);
    for _ in 0..40 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = ses(y, c).1;
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = ses(y, d).1;
        }
        if (b - a).abs() < 1e-5 {
            break;
        }
    }
    (a + b) / 2.0
}

/// Standard Theta method (Hyndman & Billah 2003): SES plus half the OLS slope as drift.
fn theta(y: &[f64], h: usize) -> Option<Prediction> {
    let n = y.len();
    if n < 3 {
        return None;
    }
    let alpha = ses_alpha(y);
    let (level, sse) = ses(y, alpha);
    let (slope, _, _) = ols(y);
    let sigma = (sse / (n - 1) as f64).sqrt();
    let decay = (1.0 - (1.0 - alpha).powi(i32::try_from(n).unwrap_or(i32::MAX))) / alpha;
    Some(Prediction {
        point: (1..=h)
            .map(|k| level + slope / 2.0 * (k as f64 - 1.0 + decay))
            .collect(),
        sd: (1..=h)
            .map(|k| sigma * (1.0 + (k as f64 - 1.0) * alpha * alpha).sqrt())
            .collect(),
        label: "theta".into(),
    })
}

/// Non-seasonal ETS from augurs: an AICc search over additive-error forms (additive errors
/// only: as accurate here as the full search, and twice as fast). Its seasonal models are
/// unimplemented (they panic), so only non-seasonal forms are ever asked for; the unwind guard
/// is a second line of defence.
fn ets(y: &[f64], h: usize) -> Option<Prediction> {
    let run = || -> Option<Prediction> {
        let fitted = AutoETS::new(1, "AZN").ok()?.fit(y).ok()?;
        let forecast = fitted.predict(h, 0.95).ok()?;
        let intervals = forecast.intervals?;
        let model = fitted.model();
        let mt = model.model_type();
        let sd: Vec<f64> = intervals
            .upper
            .iter()
            .zip(&intervals.lower)
            .map(|(u, l)| (u - l) / (2.0 * Z95))
            .collect();
        let ok =
            forecast.point.len() == h && forecast.point.iter().chain(&sd).all(|v| v.is_finite());
        ok.then(|| Prediction {
            point: forecast.point,
            sd,
            label: format!(
                "ets({},{}{},N)",
                mt.error,
                mt.trend,
                if model.damped() { "d" } else { "" }
            ),
        })
    };
    std::panic::catch_unwind(run).ok().flatten()
}

fn combine(parts: &[&Prediction]) -> Prediction {
    let k = parts.len() as f64;
    let h = parts[0].point.len();
    let mean_of = |pick: fn(&Prediction) -> &Vec<f64>| -> Vec<f64> {
        (0..h)
            .map(|i| parts.iter().map(|p| pick(p)[i]).sum::<f64>() / k)
            .collect()
    };
    Prediction {
        point: mean_of(|p| &p.point),
        // Averaging spreads assumes the members' errors move together: the cautious choice.
        sd: mean_of(|p| &p.sd),
        label: format!(
            "mean({})",
            parts
                .iter()
                .map(|p| p.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Scale for MASE: mean absolute seasonal-naive error in sample (lag 1 when the series is
/// shorter than a season or the seasonal error is zero).
pub fn mase_scale(y: &[f64], period: usize) -> f64 {
    let mae = |lag: usize| {
        if y.len() <= lag {
            return 0.0;
        }
        (lag..y.len())
            .map(|i| (y[i] - y[i - lag]).abs())
            .sum::<f64>()
            / (y.len() - lag) as f64
    };
    let seasonal = if period > 1 { mae(period) } else { 0.0 };
    if seasonal > 0.0 { seasonal } else { mae(1) }
}

/// sMAPE on the 0–200 scale (pairs that are both zero count as perfect).
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    let terms: Vec<f64> = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| {
            let d = a.abs() + f.abs();
            if d == 0.0 {
                0.0
            } else {
                200.0 * (a - f).abs() / d
            }
        })
        .collect();
    terms.iter().sum::<f64>() / terms.len().max(1) as f64
}

/// MASE of a forecast given the scale from the training data; NaN (undefined) when the
/// training data never changed, so the scale is zero.
pub fn mase(actual: &[f64], forecast: &[f64], scale: f64) -> f64 {
    let mae = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum::<f64>()
        / actual.len().max(1) as f64;
    if scale > 0.0 { mae / scale } else { f64::NAN }
}

/// Accuracy of one method on a validation window.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The method.
    pub method: Method,
    /// Its MASE.
    pub mase: f64,
    /// Its sMAPE.
    pub smape: f64,
    /// RMS of errors divided by nominal spread (1 when intervals are calibrated).
    pub spread_ratio: f64,
}

/// The chosen forecast with what led to it.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoForecast {
    /// Chosen method.
    pub method: Method,
    /// Forecast from all the data, intervals calibrated.
    pub prediction: Prediction,
    /// Points in the validation window.
    pub holdout: usize,
    /// Validation accuracy of every method tried, best first.
    pub validations: Vec<Validation>,
}

/// Validation window: the horizon, but at most a third of the series.
pub fn validation_length(n: usize, h: usize) -> usize {
    h.min(n / 3)
}

/// Fewest points for a forecast.
pub const MIN_POINTS: usize = 4;
/// Most recent periods a model is fitted on (older history rarely helps and costs time).
pub const FIT_WINDOW: usize = 240;
/// Seasons used to estimate seasonal indices (recent ones, so a drifting pattern is followed).
pub const INDEX_SEASONS: usize = 8;
/// A benchmark is chosen only when its validation MASE is below this share of the best model's.
pub const BENCHMARK_MARGIN: f64 = 0.6;

/// Chooses a method by validation MASE, refits it on all of `values` and forecasts `h` steps.
/// `None` when the series has fewer than [`MIN_POINTS`] points or `h` is zero.
pub fn auto_forecast(values: &[f64], period: usize, h: usize) -> Option<AutoForecast> {
    auto_forecast_among(values, period, h, &Method::POOL)
}

/// [`auto_forecast`] choosing among `pool` only.
pub fn auto_forecast_among(
    values: &[f64],
    period: usize,
    h: usize,
    pool: &[Method],
) -> Option<AutoForecast> {
    let n = values.len();
    if n < MIN_POINTS || h == 0 {
        return None;
    }
    let v = validation_length(n, h);
    let train = &values[..n - v];
    let actual = &values[n - v..];
    let scale = mase_scale(train, period);
    let mut validations: Vec<Validation> = Context::new(train, period)
        .predict_all(pool, v)
        .into_iter()
        .map(|(method, p)| Validation {
            method,
            mase: mase(actual, &p.point, scale),
            smape: smape(actual, &p.point),
            spread_ratio: rms(actual.iter().zip(&p.point).zip(&p.sd).map(|((a, f), s)| {
                if *s > 0.0 {
                    (a - f) / s
                } else if a == f {
                    0.0
                } else {
                    10.0
                }
            })),
        })
        .collect();
    // NaN (undefined MASE) sorts last; ties on MASE fall back to sMAPE.
    validations.sort_by(|a, b| {
        let key = |x: &Validation| {
            if x.mase.is_nan() {
                f64::INFINITY
            } else {
                x.mase
            }
        };
        key(a).total_cmp(&key(b)).then(a.smape.total_cmp(&b.smape))
    });
    let best_model = validations.iter().find(|v| !v.method.is_benchmark());
    let best_benchmark = validations.iter().find(|v| v.method.is_benchmark());
    let best = match (best_model, best_benchmark) {
        (Some(m), Some(b)) if b.mase < BENCHMARK_MARGIN * m.mase => b,
        (Some(m), _) => m,
        (None, b) => b?,
    }
    .clone();
    // A fresh search on all the data. (Refitting the form chosen on the training part is 15%
    // faster but measurably worse calibrated on the classic series, so it is not done.)
    let (_, mut prediction) = Context::new(values, period)
        .predict_all(&[best.method], h)
        .into_iter()
        .next()?;
    let calibration = ((1.0 + best.spread_ratio.powi(2)) / 2.0).sqrt()
        * distrs::StudentsT::ppf(0.975, v as f64)
        / Z95;
    let fitted = n.min(FIT_WINDOW) as f64;
    for (k, s) in prediction.sd.iter_mut().enumerate() {
        let seasons_ahead = (k + 1) as f64 * period.max(1) as f64;
        *s *= calibration * (1.0 + seasons_ahead / (2.0 * fitted)).sqrt();
    }
    Some(AutoForecast {
        method: best.method,
        prediction,
        holdout: v,
        validations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seasonal_trend(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let noise = ((i * 7919 % 17) as f64 - 8.0) * 0.5;
                (200.0 + 2.0 * i as f64)
                    * (1.0 + 0.25 * (i as f64 * std::f64::consts::TAU / 12.0).cos())
                    + noise
            })
            .collect()
    }

    #[test]
    fn every_method_forecasts_the_horizon() {
        let y = seasonal_trend(96);
        let ctx = Context::new(&y, 12);
        let all = ctx.predict_all(&Method::POOL, 12);
        assert_eq!(all.len(), Method::POOL.len());
        for (m, p) in all {
            assert_eq!(p.point.len(), 12, "{m:?}");
            assert!(p.sd.iter().all(|s| *s >= 0.0 && s.is_finite()), "{m:?}");
        }
    }

    #[test]
    fn auto_forecast_tracks_a_seasonal_trend() {
        let y = seasonal_trend(108);
        let (train, test) = y.split_at(96);
        let f = auto_forecast(train, 12, 12).expect("long enough");
        let err = mase(test, &f.prediction.point, mase_scale(train, 12));
        assert!(err < 0.6, "MASE {err} with {:?}", f.method);
        let (lo, hi) = f.prediction.bounds(Z95);
        let inside = test
            .iter()
            .zip(lo.iter().zip(&hi))
            .filter(|(a, (l, h))| *a >= *l && *a <= *h)
            .count();
        assert!(inside >= 10, "{inside}/12 inside the 95% band");
    }

    #[test]
    fn theta_on_a_line_extends_it() {
        let y: Vec<f64> = (0..40).map(|i| 10.0 + i as f64).collect();
        let p = theta(&y, 3).expect("long enough");
        assert!(
            p.point[0] > 49.0 && p.point[2] > p.point[0],
            "{:?}",
            p.point
        );
    }

    #[test]
    fn metrics() {
        assert_eq!(smape(&[100.0], &[100.0]), 0.0);
        assert!((smape(&[100.0], &[50.0]) - 200.0 * 50.0 / 150.0).abs() < 1e-12);
        assert_eq!(mase(&[2.0], &[1.0], 0.5), 2.0);
        assert_eq!(mase_scale(&[1.0, 2.0, 4.0], 12), 1.5);
    }

    #[test]
    fn too_short_is_none() {
        assert!(auto_forecast(&[1.0, 2.0, 3.0], 12, 12).is_none());
    }
}
