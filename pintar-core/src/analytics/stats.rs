//! Descriptive statistics, trend tests and growth measures of a cleaned series.

use super::pairwise::{mann_kendall, sen_slope};
use crate::Frequency;
use crate::report::{Direction, Growth, MovingAverage, Stats, Trend};
use distrs::Normal;

/// Median of a slice (reorders it). NaN for an empty slice.
pub fn median(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        upper
    } else {
        let lower = values[..n / 2]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        (lower + upper) / 2.0
    }
}

/// Linear-interpolated quantile of sorted values (type 7, as in R and numpy).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Mean of a slice (NaN when empty).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Count, mean, median, sample std, min, max, last and sum.
pub fn describe(values: &[f64]) -> Stats {
    let n = values.len();
    let mean = mean(values);
    let var = if n > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
    } else {
        0.0
    };
    let mut scratch = values.to_vec();
    Stats {
        count: n,
        mean,
        median: median(&mut scratch),
        std: var.sqrt(),
        min: values.iter().copied().fold(f64::INFINITY, f64::min),
        max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        last: values.last().copied().unwrap_or(f64::NAN),
        sum: values.iter().sum(),
    }
}

/// Ordinary least squares of `values` on 0, 1, 2, …: (slope, intercept, R²).
pub fn ols(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len() as f64;
    let tbar = (n - 1.0) / 2.0;
    let ybar = mean(values);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (t, &y) in values.iter().enumerate() {
        let dt = t as f64 - tbar;
        let dy = y - ybar;
        sxy += dt * dy;
        sxx += dt * dt;
        syy += dy * dy;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    let r2 = if syy > 0.0 && sxx > 0.0 {
        (sxy * sxy) / (sxx * syy)
    } else {
        0.0
    };
    (slope, ybar - slope * tbar, r2)
}

/// OLS, Mann–Kendall (tie-corrected, two-sided) and Sen's slope. Needs at least 3 points.
/// O(n log n) time and O(n) memory (see [`super::pairwise`]).
pub fn trend(values: &[f64]) -> Option<Trend> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let (slope, intercept, r_squared) = ols(values);
    let (s, tie_term) = mann_kendall(values);
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
    let s_f = s as f64;
    let z = if var_s <= 0.0 {
        0.0
    } else if s > 0 {
        (s_f - 1.0) / var_s.sqrt()
    } else if s < 0 {
        (s_f + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    let p_value = (2.0 * (1.0 - Normal::cdf(z.abs(), 0.0, 1.0))).clamp(0.0, 1.0);
    let pairs = nf * (nf - 1.0) / 2.0;
    let kendall_tau = s_f / pairs;

    let sen_slope = sen_slope(values);
    let significant = p_value < 0.05;
    let direction = match (significant, s.signum()) {
        (true, 1) => Direction::Increasing,
        (true, -1) => Direction::Decreasing,
        _ => Direction::Stable,
    };
    Some(Trend {
        slope,
        intercept,
        r_squared,
        sen_slope,
        mann_kendall_s: s_f,
        kendall_tau,
        p_value,
        significant,
        direction,
    })
}

fn pct(from: f64, to: f64) -> Option<f64> {
    (from > 0.0 && to.is_finite()).then(|| (to / from - 1.0) * 100.0)
}

/// Moving averages of `window` periods, aligned to the window's last period (`None` before).
pub fn moving_average(values: &[f64], window: usize) -> Vec<Option<f64>> {
    let mut out = vec![None; values.len()];
    if window == 0 || window > values.len() {
        return out;
    }
    let mut sum: f64 = values[..window].iter().sum();
    out[window - 1] = Some(sum / window as f64);
    for i in window..values.len() {
        sum += values[i] - values[i - window];
        out[i] = Some(sum / window as f64);
    }
    out
}

/// Windows reported as moving averages: 3 periods and one season.
pub fn moving_average_windows(frequency: Frequency) -> Vec<usize> {
    let season = frequency.season_length();
    if season > 3 { vec![3, season] } else { vec![3] }
}

/// Total, last-period, year-over-year and compound annual growth, mean change and moving
/// averages. Growth from a non-positive base is undefined (`None`).
pub fn growth(values: &[f64], frequency: Frequency) -> Growth {
    let n = values.len();
    let first = values.first().copied().unwrap_or(f64::NAN);
    let last = values.last().copied().unwrap_or(f64::NAN);
    let season = frequency.season_length();
    let total_pct = if n > 1 { pct(first, last) } else { None };
    let last_period_pct = if n > 1 {
        pct(values[n - 2], last)
    } else {
        None
    };
    let year_over_year_pct = if n > season {
        pct(values[n - 1 - season], last)
    } else {
        None
    };
    let years = (n as f64 - 1.0) / frequency.periods_per_year();
    let cagr_pct = (n > 1 && first > 0.0 && last > 0.0 && years > 0.0)
        .then(|| ((last / first).powf(1.0 / years) - 1.0) * 100.0);
    let changes: Vec<f64> = values.windows(2).filter_map(|w| pct(w[0], w[1])).collect();
    let mean_period_pct = (!changes.is_empty()).then(|| mean(&changes));
    let moving_averages = moving_average_windows(frequency)
        .into_iter()
        .filter(|&w| w <= n)
        .map(|window| MovingAverage {
            window,
            value: mean(&values[n - window..]),
        })
        .collect();
    Growth {
        total_pct,
        last_period_pct,
        year_over_year_pct,
        cagr_pct,
        mean_period_pct,
        moving_averages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes() {
        let s = describe(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            (s.count, s.mean, s.median, s.min, s.max, s.last, s.sum),
            (4, 2.5, 2.5, 1.0, 4.0, 4.0, 10.0)
        );
        assert!((s.std - 1.290_994_448_7).abs() < 1e-9);
    }

    #[test]
    fn trend_of_a_rising_line_is_significant() {
        let v: Vec<f64> = (0..30)
            .map(|i| 2.0 * i as f64 + if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let t = trend(&v).expect("long enough");
        assert!((t.slope - 2.0).abs() < 0.05, "{}", t.slope);
        assert!((t.sen_slope - 2.0).abs() < 0.2, "{}", t.sen_slope);
        assert!(t.r_squared > 0.99);
        assert_eq!(t.direction, Direction::Increasing);
        assert!(t.p_value < 1e-6);
    }

    #[test]
    fn flat_noise_is_stable() {
        let v = [5.0, 6.0, 5.0, 6.0, 5.0, 6.0, 5.0, 6.0, 5.0];
        let t = trend(&v).expect("long enough");
        assert_eq!(t.direction, Direction::Stable);
        assert!(trend(&[1.0, 2.0]).is_none());
    }

    #[test]
    fn mann_kendall_matches_a_hand_count() {
        // Pairs: (1,3)+ (1,2)+ (1,4)+ (3,2)- (3,4)+ (2,4)+  => S = 4; Var = 4*3*13/18.
        let t = trend(&[1.0, 3.0, 2.0, 4.0]).expect("4 points");
        assert_eq!(t.mann_kendall_s, 4.0);
        let z = 3.0 / (4.0f64 * 3.0 * 13.0 / 18.0).sqrt();
        let p = 2.0 * (1.0 - Normal::cdf(z, 0.0, 1.0));
        assert!((t.p_value - p).abs() < 1e-12);
    }

    #[test]
    fn growth_measures() {
        let v: Vec<f64> = (0..25).map(|i| 100.0 * 1.01f64.powi(i)).collect();
        let g = growth(&v, Frequency::Month);
        assert!((g.last_period_pct.expect("defined") - 1.0).abs() < 1e-9);
        assert!(
            (g.year_over_year_pct.expect("defined") - (1.01f64.powi(12) - 1.0) * 100.0).abs()
                < 1e-9
        );
        assert!((g.cagr_pct.expect("defined") - (1.01f64.powi(12) - 1.0) * 100.0).abs() < 1e-9);
        assert_eq!(g.moving_averages.len(), 2);
        assert!(growth(&[0.0, 5.0], Frequency::Month).total_pct.is_none());
    }

    #[test]
    fn moving_average_aligns_to_the_window_end() {
        assert_eq!(
            moving_average(&[1.0, 2.0, 3.0, 4.0], 2),
            vec![None, Some(1.5), Some(2.5), Some(3.5)]
        );
    }
}
