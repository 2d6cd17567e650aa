//! Server-rendered SVG charts: history, forecast and its 80/95% prediction bands on dated axes.
//!
//! The output is a self-contained `<svg>` element that uses presentation attributes only
//! (no `style` attributes, no scripts), so it satisfies a strict CSP and looks right standalone.
//! Every input is tolerated: non-finite values are skipped, bounds are repaired, dates are
//! sorted, long series are downsampled so the markup stays small, and no `NaN`/`inf` ever
//! reaches the markup.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use chrono::{Datelike, NaiveDate};

/// One forecast period with its prediction intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastBand {
    /// The period's date.
    pub date: NaiveDate,
    /// The point forecast.
    pub value: f64,
    /// Lower bound of the 80% prediction interval.
    pub lower_80: f64,
    /// Upper bound of the 80% prediction interval.
    pub upper_80: f64,
    /// Lower bound of the 95% prediction interval.
    pub lower_95: f64,
    /// Upper bound of the 95% prediction interval.
    pub upper_95: f64,
}

/// The words a chart shows (already translated by the caller; escaped here).
#[derive(Debug, Clone, Copy)]
pub struct ChartLabels<'a> {
    /// The chart's title (accessible name and visible heading).
    pub title: &'a str,
    /// Legend entry for the observed history line.
    pub history: &'a str,
    /// Legend entry for the forecast line.
    pub forecast: &'a str,
    /// Legend entry for the 80% prediction band.
    pub band_80: &'a str,
    /// Legend entry for the 95% prediction band.
    pub band_95: &'a str,
}

// Geometry of the fixed viewBox.
const W: f64 = 720.0;
const H: f64 = 320.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 696.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 256.0;
const X_LABEL_Y: f64 = 272.0;
const LEGEND_Y: [f64; 2] = [296.0, 314.0];

// Colours (all lines and text ≥ 4.5:1 against white).
const TEXT: &str = "#1f2937";
const MUTED: &str = "#4b5563";
const GRID: &str = "#e5e7eb";
const AXIS: &str = "#6b7280";
const HISTORY: &str = "#1d4ed8";
const FORECAST: &str = "#b45309";
const BAND_80_OPACITY: &str = "0.30";
const BAND_95_OPACITY: &str = "0.14";

/// At most this many points are drawn per series.
const MAX_POINTS: usize = 600;
/// Values are clamped to ±this so that differences of two values stay finite.
const LIMIT: f64 = 1e300;
/// Longest visible title and legend entries, in characters.
const TITLE_CHARS: usize = 76;
const LEGEND_CHARS: usize = 30;

/// The chart as an `<svg>` element (no XML prolog) ready to inline in HTML.
pub fn render(
    history: &[(NaiveDate, f64)],
    forecast: &[ForecastBand],
    labels: &ChartLabels<'_>,
) -> String {
    let id = chart_id(history, forecast, labels);
    let hist = downsample_history(clean_history(history));
    let fc = downsample_forecast(clean_forecast(forecast));

    let mut out = String::with_capacity(8 * 1024);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {H}\" width=\"100%\" \
         preserveAspectRatio=\"xMidYMid meet\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\" font-size=\"13\">"
    );
    let _ = write!(
        out,
        "<title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(labels.title),
        escape(&describe(&hist, &fc, labels))
    );
    let _ = write!(
        out,
        "<text x=\"12\" y=\"20\" font-size=\"15\" font-weight=\"600\" fill=\"{TEXT}\">{}</text>",
        escape(&truncate(labels.title, TITLE_CHARS))
    );

    // The forecast is drawn from the last observation when it follows the history.
    let anchor = match (hist.last(), fc.first()) {
        (Some(&(date, value)), Some(first)) if date < first.date => Some(ForecastBand {
            date,
            value,
            lower_80: value,
            upper_80: value,
            lower_95: value,
            upper_95: value,
        }),
        _ => None,
    };
    let fc_drawn: Vec<ForecastBand> = anchor.into_iter().chain(fc.iter().copied()).collect();

    if let Some(frame) = Frame::new(&hist, &fc) {
        draw_y_axis(&mut out, &frame);
        draw_x_axis(&mut out, &frame);
        draw_axes(&mut out);
        if !fc_drawn.is_empty() {
            draw_band(
                &mut out,
                &frame,
                &fc_drawn,
                |b| (b.lower_95, b.upper_95),
                BAND_95_OPACITY,
            );
            draw_band(
                &mut out,
                &frame,
                &fc_drawn,
                |b| (b.lower_80, b.upper_80),
                BAND_80_OPACITY,
            );
        }
        let hist_pts: Vec<(f64, f64)> = hist
            .iter()
            .map(|&(d, v)| (frame.x(d), frame.y(v)))
            .collect();
        draw_line(&mut out, &hist_pts, HISTORY, None);
        let fc_pts: Vec<(f64, f64)> = fc_drawn
            .iter()
            .map(|b| (frame.x(b.date), frame.y(b.value)))
            .collect();
        draw_line(&mut out, &fc_pts, FORECAST, Some("6 4"));
    } else {
        draw_axes(&mut out);
    }
    draw_legend(&mut out, !hist.is_empty(), !fc.is_empty(), labels);
    out.push_str("</svg>");
    out
}

/// A short id suffix derived from the inputs, so several charts on a page get distinct ids.
fn chart_id(
    history: &[(NaiveDate, f64)],
    forecast: &[ForecastBand],
    labels: &ChartLabels<'_>,
) -> String {
    let mut h = DefaultHasher::new();
    for (d, v) in history {
        d.num_days_from_ce().hash(&mut h);
        v.to_bits().hash(&mut h);
    }
    for b in forecast {
        b.date.num_days_from_ce().hash(&mut h);
        for v in [b.value, b.lower_80, b.upper_80, b.lower_95, b.upper_95] {
            v.to_bits().hash(&mut h);
        }
    }
    for s in [
        labels.title,
        labels.history,
        labels.forecast,
        labels.band_80,
        labels.band_95,
    ] {
        s.hash(&mut h);
    }
    format!("chart-{:010x}", h.finish() & 0xff_ffff_ffff)
}

// ---------------------------------------------------------------------------------------------
// Input cleaning and downsampling
// ---------------------------------------------------------------------------------------------

fn clamp_value(v: f64) -> f64 {
    v.clamp(-LIMIT, LIMIT)
}

/// Finite values only, clamped, sorted by date (stable).
fn clean_history(history: &[(NaiveDate, f64)]) -> Vec<(NaiveDate, f64)> {
    let mut out: Vec<(NaiveDate, f64)> = history
        .iter()
        .filter(|(_, v)| v.is_finite())
        .map(|&(d, v)| (d, clamp_value(v)))
        .collect();
    out.sort_by_key(|p| p.0);
    out
}

/// Periods with a finite point forecast; non-finite bounds fall back to the point forecast,
/// swapped bounds are reordered and the 95% band is widened to contain the 80% band.
fn clean_forecast(forecast: &[ForecastBand]) -> Vec<ForecastBand> {
    let mut out: Vec<ForecastBand> = forecast
        .iter()
        .filter(|b| b.value.is_finite())
        .map(|b| {
            let value = clamp_value(b.value);
            let fix = |x: f64| if x.is_finite() { clamp_value(x) } else { value };
            let (l80, u80) = ordered(fix(b.lower_80), fix(b.upper_80));
            let (l95, u95) = ordered(fix(b.lower_95), fix(b.upper_95));
            ForecastBand {
                date: b.date,
                value,
                lower_80: l80,
                upper_80: u80,
                lower_95: l95.min(l80),
                upper_95: u95.max(u80),
            }
        })
        .collect();
    out.sort_by_key(|b| b.date);
    out
}

fn ordered(a: f64, b: f64) -> (f64, f64) {
    if a <= b { (a, b) } else { (b, a) }
}

/// Number of buckets and their size for a series of `n` points reduced to ~`MAX_POINTS`.
fn bucket_size(n: usize, per_bucket: usize) -> usize {
    let buckets = (MAX_POINTS / per_bucket).max(1);
    n.div_ceil(buckets).max(1)
}

/// Keeps each bucket's minimum and maximum (in date order) plus the first and last point.
fn downsample_history(hist: Vec<(NaiveDate, f64)>) -> Vec<(NaiveDate, f64)> {
    if hist.len() <= MAX_POINTS {
        return hist;
    }
    let size = bucket_size(hist.len(), 2);
    let last = hist.len() - 1;
    let mut out = Vec::with_capacity(MAX_POINTS + 2);
    for (bi, chunk) in hist.chunks(size).enumerate() {
        let base = bi * size;
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in chunk.iter().enumerate() {
            if p.1 < chunk[lo].1 {
                lo = i;
            }
            if p.1 > chunk[hi].1 {
                hi = i;
            }
        }
        let mut keep = vec![base + lo, base + hi];
        if base == 0 {
            keep.push(0);
        }
        if base + chunk.len() == hist.len() {
            keep.push(last);
        }
        keep.sort_unstable();
        keep.dedup();
        out.extend(keep.iter().filter_map(|&i| hist.get(i).copied()));
    }
    out
}

/// One period per bucket (its middle one) with the bucket's widest bounds.
fn downsample_forecast(fc: Vec<ForecastBand>) -> Vec<ForecastBand> {
    if fc.len() <= MAX_POINTS {
        return fc;
    }
    let size = bucket_size(fc.len(), 2);
    fc.chunks(size)
        .filter_map(|chunk| {
            let mid = *chunk.get(chunk.len() / 2)?;
            Some(chunk.iter().fold(mid, |acc, b| ForecastBand {
                lower_80: acc.lower_80.min(b.lower_80),
                upper_80: acc.upper_80.max(b.upper_80),
                lower_95: acc.lower_95.min(b.lower_95),
                upper_95: acc.upper_95.max(b.upper_95),
                ..acc
            }))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------------------------

/// The data-to-viewBox mapping and the chosen ticks.
struct Frame {
    d0: i64,
    d_span: i64,
    x_ticks: Vec<(NaiveDate, String)>,
    y_lo: f64,
    y_hi: f64,
    y_step: f64,
    y_ticks: Vec<f64>,
}

impl Frame {
    fn new(hist: &[(NaiveDate, f64)], fc: &[ForecastBand]) -> Option<Self> {
        let first = match (hist.first(), fc.first()) {
            (Some(h), Some(f)) => h.0.min(f.date),
            (Some(h), None) => h.0,
            (None, Some(f)) => f.date,
            (None, None) => return None,
        };
        let last = match (hist.last(), fc.last()) {
            (Some(h), Some(f)) => h.0.max(f.date),
            (Some(h), None) => h.0,
            (None, Some(f)) => f.date,
            (None, None) => return None,
        };
        let (first, last) = if first == last {
            (
                first.pred_opt().unwrap_or(first),
                last.succ_opt().unwrap_or(last),
            )
        } else {
            (first, last)
        };
        let d0 = days(first);
        let d_span = (days(last) - d0).max(1);

        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let values = hist.iter().map(|p| p.1).chain(
            fc.iter()
                .flat_map(|b| [b.value, b.lower_80, b.upper_80, b.lower_95, b.upper_95]),
        );
        for v in values {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !(lo.is_finite() && hi.is_finite()) {
            return None;
        }
        let (y_lo, y_hi, y_step, y_ticks) = y_scale(lo, hi);
        Some(Frame {
            d0,
            d_span,
            x_ticks: date_ticks(first, last),
            y_lo,
            y_hi,
            y_step,
            y_ticks,
        })
    }

    fn x(&self, d: NaiveDate) -> f64 {
        LEFT + (days(d) - self.d0) as f64 / self.d_span as f64 * (RIGHT - LEFT)
    }

    fn y(&self, v: f64) -> f64 {
        let span = self.y_hi - self.y_lo;
        if !(span > 0.0 && span.is_finite()) {
            return (TOP + BOTTOM) / 2.0;
        }
        BOTTOM - (v - self.y_lo) / span * (BOTTOM - TOP)
    }
}

fn days(d: NaiveDate) -> i64 {
    i64::from(d.num_days_from_ce())
}

/// A "nice" value axis: domain, step and 4–6 ticks (1, 2, 5 × 10^k steps).
fn y_scale(min: f64, max: f64) -> (f64, f64, f64, Vec<f64>) {
    let (mut lo, mut hi) = (min, max);
    let mag = lo.abs().max(hi.abs());
    let span = hi - lo;
    if !(span > mag * 1e-9 && span > 1e-100) {
        // A constant (or numerically constant) series: pad around it.
        let pad = if mag * 0.1 >= 1e-100 { mag * 0.1 } else { 1.0 };
        lo -= pad;
        hi += pad;
    }
    let span = hi - lo;
    let fallback = (lo, hi, span, vec![lo, hi]);
    if !(span > 0.0 && span.is_finite()) {
        return fallback;
    }
    let e = span.log10().floor();
    if !e.is_finite() {
        return fallback;
    }
    let e = e as i32;
    let mut best: Option<(i64, f64, f64, f64)> = None;
    for k in (e - 2)..=(e + 1) {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(k);
            if !(step > 0.0 && step.is_finite()) {
                continue;
            }
            let lo_i = (lo / step + 1e-9).floor();
            let hi_i = (hi / step - 1e-9).ceil();
            let intervals = hi_i - lo_i;
            if !(1.0..=1000.0).contains(&intervals) {
                continue;
            }
            let count = intervals as i64 + 1;
            let score = if (4..=6).contains(&count) {
                (count - 5).abs()
            } else {
                10 + (count - 5).abs()
            };
            if best.is_none_or(|b| score < b.0) {
                best = Some((score, step, lo_i, hi_i));
            }
        }
    }
    let Some((_, step, lo_i, hi_i)) = best else {
        return fallback;
    };
    let ticks: Vec<f64> = (0..=((hi_i - lo_i) as i64))
        .map(|i| (lo_i + i as f64) * step)
        .collect();
    let (y_lo, y_hi) = (lo_i * step, hi_i * step);
    if !(y_hi > y_lo && y_lo.is_finite() && y_hi.is_finite()) {
        return fallback;
    }
    (y_lo, y_hi, step, ticks)
}

/// A date axis step.
#[derive(Clone, Copy)]
enum DateStep {
    Days(i64),
    Months(i32),
    Years(i32),
}

impl DateStep {
    fn approx_days(self) -> f64 {
        match self {
            DateStep::Days(n) => n as f64,
            DateStep::Months(n) => f64::from(n) * 30.44,
            DateStep::Years(n) => f64::from(n) * 365.25,
        }
    }
}

const DATE_STEPS: &[DateStep] = &[
    DateStep::Days(1),
    DateStep::Days(2),
    DateStep::Days(3),
    DateStep::Days(7),
    DateStep::Days(14),
    DateStep::Months(1),
    DateStep::Months(2),
    DateStep::Months(3),
    DateStep::Months(6),
    DateStep::Years(1),
    DateStep::Years(2),
    DateStep::Years(5),
    DateStep::Years(10),
    DateStep::Years(20),
    DateStep::Years(50),
    DateStep::Years(100),
    DateStep::Years(200),
    DateStep::Years(500),
    DateStep::Years(1000),
    DateStep::Years(2000),
    DateStep::Years(5000),
    DateStep::Years(10000),
    DateStep::Years(20000),
    DateStep::Years(50000),
    DateStep::Years(100000),
    DateStep::Years(200000),
];

/// Dated ticks: the step whose tick count is closest to 6 within 4–8 (ISO-style labels:
/// `2024-03-05` for day steps, `2024-03` for month steps, `2024` for year steps).
fn date_ticks(first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, String)> {
    let span = (days(last) - days(first)) as f64;
    let mut best: Option<(i64, Vec<NaiveDate>, DateStep)> = None;
    for &step in DATE_STEPS {
        if span / step.approx_days() > 40.0 {
            continue;
        }
        let ticks = step_ticks(first, last, step);
        let c = ticks.len() as i64;
        let score = if (4..=8).contains(&c) {
            (c - 6).abs()
        } else if c < 4 {
            50 + (4 - c)
        } else {
            1000 + c
        };
        if best.as_ref().is_none_or(|b| score < b.0) {
            best = Some((score, ticks, step));
        }
    }
    let Some((_, ticks, step)) = best else {
        return Vec::new();
    };
    ticks
        .into_iter()
        .map(|d| (d, date_label(d, step)))
        .collect()
}

fn step_ticks(first: NaiveDate, last: NaiveDate, step: DateStep) -> Vec<NaiveDate> {
    const CAP: usize = 64;
    let mut out = Vec::new();
    match step {
        DateStep::Days(n) => {
            let mut d = Some(first);
            while let Some(day) = d {
                if day > last || out.len() >= CAP {
                    break;
                }
                out.push(day);
                d = day.checked_add_days(chrono::Days::new(n.unsigned_abs()));
            }
        }
        DateStep::Months(n) => {
            let n = n.max(1);
            let mut idx = first.year() * 12 + first.month0() as i32;
            if first.day() != 1 {
                idx += 1;
            }
            idx += (n - idx.rem_euclid(n)) % n;
            while out.len() < CAP {
                let Some(day) =
                    NaiveDate::from_ymd_opt(idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1, 1)
                else {
                    break;
                };
                if day > last {
                    break;
                }
                out.push(day);
                idx += n;
            }
        }
        DateStep::Years(n) => {
            let n = n.max(1);
            let mut y = first.year();
            if first.ordinal() != 1 {
                y += 1;
            }
            y += (n - y.rem_euclid(n)) % n;
            while out.len() < CAP {
                let Some(day) = NaiveDate::from_ymd_opt(y, 1, 1) else {
                    break;
                };
                if day > last {
                    break;
                }
                out.push(day);
                y += n;
            }
        }
    }
    out
}

fn date_label(d: NaiveDate, step: DateStep) -> String {
    match step {
        DateStep::Days(_) => d.to_string(),
        DateStep::Months(_) => format!("{:04}-{:02}", d.year(), d.month()),
        DateStep::Years(_) => format!("{:04}", d.year()),
    }
}

// ---------------------------------------------------------------------------------------------
// Number formatting
// ---------------------------------------------------------------------------------------------

/// A coordinate with at most one decimal, never `NaN`/`inf`/`-0`.
fn c(v: f64) -> String {
    if !v.is_finite() || v.abs() < 0.05 {
        return "0".to_owned();
    }
    let s = format!("{v:.1}");
    match s.strip_suffix(".0") {
        Some(t) => t.to_owned(),
        None => s,
    }
}

fn unit_of(abs: f64) -> (f64, &'static str) {
    if abs >= 1e12 {
        (1e12, "T")
    } else if abs >= 1e9 {
        (1e9, "B")
    } else if abs >= 1e6 {
        (1e6, "M")
    } else if abs >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') && !s.contains('e') {
        let t = s.trim_end_matches('0').trim_end_matches('.');
        if t == "-0" {
            "0".to_owned()
        } else {
            t.to_owned()
        }
    } else {
        s
    }
}

/// Decimals needed to show multiples of `step` (in the given unit), capped.
fn decimals_for(step: f64) -> usize {
    let d = (-step.log10()).ceil();
    if d.is_finite() && d > 0.0 {
        (d as usize).min(12)
    } else {
        0
    }
}

/// A compact tick label (1.2k, 3.4M, -500) precise enough to tell ticks `step` apart.
fn tick_label(v: f64, step: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    if v.abs() < step.abs() * 1e-6 {
        return "0".to_owned();
    }
    let abs = v.abs();
    if abs >= 1e15 {
        let digits = decimals_for(step / 10f64.powi(abs.log10().floor() as i32));
        return format!("{v:.digits$e}");
    }
    let (unit, suffix) = unit_of(abs);
    let d = decimals_for(step / unit);
    if unit > 1.0 && d > 2 {
        let d = decimals_for(step);
        return trim_zeros(format!("{v:.d$}"));
    }
    if unit == 1.0 && d > 6 {
        return format!("{v:.2e}");
    }
    format!("{}{suffix}", trim_zeros(format!("{:.d$}", v / unit)))
}

/// A compact value with about three significant digits (for the description).
fn compact(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_owned();
    }
    let abs = v.abs();
    if abs == 0.0 {
        return "0".to_owned();
    }
    if !(1e-6..1e15).contains(&abs) {
        return format!("{v:.2e}");
    }
    let (unit, suffix) = unit_of(abs);
    let scaled = v / unit;
    let mag = scaled.abs().log10().floor();
    let d = if mag.is_finite() {
        (2.0 - mag).clamp(0.0, 8.0) as usize
    } else {
        0
    };
    format!("{}{suffix}", trim_zeros(format!("{scaled:.d$}")))
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/// XML-escapes text for element content and attribute values, dropping characters XML forbids.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c < ' ' || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// A language-neutral summary built from the translated labels: dates, counts and ranges.
fn describe(hist: &[(NaiveDate, f64)], fc: &[ForecastBand], labels: &ChartLabels<'_>) -> String {
    let mut s = String::new();
    match (hist.first(), hist.last()) {
        (Some(first), Some(last)) => {
            let (lo, hi) = hist
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.1), hi.max(p.1))
                });
            let _ = write!(
                s,
                "{}: {} – {} (n = {}; {} – {}).",
                labels.history,
                first.0,
                last.0,
                hist.len(),
                compact(lo),
                compact(hi)
            );
        }
        _ => {
            let _ = write!(s, "{}: n = 0.", labels.history);
        }
    }
    if let (Some(first), Some(last)) = (fc.first(), fc.last()) {
        let _ = write!(
            s,
            " {}: {} – {} (n = {}; {}). {}: {} – {}. {}: {} – {}.",
            labels.forecast,
            first.date,
            last.date,
            fc.len(),
            compact(last.value),
            labels.band_80,
            compact(last.lower_80),
            compact(last.upper_80),
            labels.band_95,
            compact(last.lower_95),
            compact(last.upper_95)
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------------

fn draw_axes(out: &mut String) {
    let _ = write!(
        out,
        "<path d=\"M{l} {t}V{b}H{r}\" fill=\"none\" stroke=\"{AXIS}\" stroke-width=\"1\"/>",
        l = c(LEFT),
        t = c(TOP),
        b = c(BOTTOM),
        r = c(RIGHT)
    );
}

fn draw_y_axis(out: &mut String, f: &Frame) {
    let mut grid = String::new();
    let mut text = String::new();
    for &v in &f.y_ticks {
        let y = f.y(v);
        let _ = write!(grid, "M{} {}H{}", c(LEFT), c(y), c(RIGHT));
        let _ = write!(
            text,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(LEFT - 6.0),
            c(y + 4.0),
            escape(&tick_label(v, f.y_step))
        );
    }
    if !grid.is_empty() {
        let _ = write!(
            out,
            "<path d=\"{grid}\" fill=\"none\" stroke=\"{GRID}\" stroke-width=\"1\"/>"
        );
    }
    let _ = write!(
        out,
        "<g fill=\"{MUTED}\" font-size=\"12\" text-anchor=\"end\">{text}</g>"
    );
}

fn draw_x_axis(out: &mut String, f: &Frame) {
    let mut grid = String::new();
    let mut text = String::new();
    for (d, label) in &f.x_ticks {
        let x = f.x(*d);
        let _ = write!(grid, "M{} {}V{}", c(x), c(TOP), c(BOTTOM + 4.0));
        let lx = x.clamp(37.0, W - 37.0);
        let _ = write!(
            text,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(lx),
            c(X_LABEL_Y),
            escape(label)
        );
    }
    if !grid.is_empty() {
        let _ = write!(
            out,
            "<path d=\"{grid}\" fill=\"none\" stroke=\"{GRID}\" stroke-width=\"1\"/>"
        );
    }
    let _ = write!(
        out,
        "<g fill=\"{MUTED}\" font-size=\"12\" text-anchor=\"middle\">{text}</g>"
    );
}

fn draw_band(
    out: &mut String,
    f: &Frame,
    bands: &[ForecastBand],
    bounds: impl Fn(&ForecastBand) -> (f64, f64),
    opacity: &str,
) {
    if let [only] = bands {
        let (lo, hi) = bounds(only);
        let (x, y_top, y_bottom) = (f.x(only.date), f.y(hi), f.y(lo));
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"{}\" fill=\"{FORECAST}\" fill-opacity=\"{opacity}\"/>",
            c(x - 4.0),
            c(y_top),
            c((y_bottom - y_top).max(1.0))
        );
        return;
    }
    let mut points = String::new();
    for b in bands {
        let _ = write!(points, "{},{} ", c(f.x(b.date)), c(f.y(bounds(b).1)));
    }
    for b in bands.iter().rev() {
        let _ = write!(points, "{},{} ", c(f.x(b.date)), c(f.y(bounds(b).0)));
    }
    let _ = write!(
        out,
        "<polygon points=\"{}\" fill=\"{FORECAST}\" fill-opacity=\"{opacity}\" stroke=\"none\"/>",
        points.trim_end()
    );
}

fn draw_line(out: &mut String, pts: &[(f64, f64)], colour: &str, dash: Option<&str>) {
    match pts {
        [] => {}
        [(x, y)] => {
            let _ = write!(
                out,
                "<circle cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{colour}\"/>",
                c(*x),
                c(*y)
            );
        }
        _ => {
            let mut points = String::with_capacity(pts.len() * 12);
            for (i, (x, y)) in pts.iter().enumerate() {
                if i > 0 {
                    points.push(' ');
                }
                let _ = write!(points, "{},{}", c(*x), c(*y));
            }
            let dash = dash
                .map(|d| format!(" stroke-dasharray=\"{d}\""))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<polyline points=\"{points}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" \
                 stroke-linejoin=\"round\" stroke-linecap=\"round\"{dash}/>"
            );
        }
    }
}

/// The legend: one or two rows under the x axis, entries wrapped by estimated width.
fn draw_legend(out: &mut String, has_history: bool, has_forecast: bool, labels: &ChartLabels<'_>) {
    #[derive(Clone, Copy)]
    enum Swatch {
        Line(&'static str, bool),
        Area(&'static str),
    }
    let mut items: Vec<(Swatch, &str)> = Vec::new();
    if has_history {
        items.push((Swatch::Line(HISTORY, false), labels.history));
    }
    if has_forecast {
        items.push((Swatch::Line(FORECAST, true), labels.forecast));
        items.push((Swatch::Area(BAND_80_OPACITY), labels.band_80));
        items.push((Swatch::Area(BAND_95_OPACITY), labels.band_95));
    }
    if items.is_empty() {
        return;
    }
    let _ = write!(out, "<g font-size=\"13\" fill=\"{TEXT}\">");
    let (mut x, mut row) = (LEFT, 0usize);
    for (swatch, label) in items {
        let label = truncate(label, LEGEND_CHARS);
        let width = 22.0 + label.chars().count() as f64 * 7.2 + 18.0;
        if x > LEFT && x + width > RIGHT && row + 1 < LEGEND_Y.len() {
            row += 1;
            x = LEFT;
        }
        let y = LEGEND_Y.get(row).copied().unwrap_or(H - 4.0);
        match swatch {
            Swatch::Line(colour, dashed) => {
                let dash = if dashed {
                    " stroke-dasharray=\"6 4\""
                } else {
                    ""
                };
                let _ = write!(
                    out,
                    "<path d=\"M{} {}h16\" stroke=\"{colour}\" stroke-width=\"2\"{dash}/>",
                    c(x),
                    c(y - 4.0)
                );
            }
            Swatch::Area(opacity) => {
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"10\" fill=\"{FORECAST}\" fill-opacity=\"{opacity}\"/>",
                    c(x),
                    c(y - 9.0)
                );
            }
        }
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(x + 22.0),
            c(y),
            escape(&label)
        );
        x += width;
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    const LABELS: ChartLabels<'static> = ChartLabels {
        title: "Exports of coffee",
        history: "History",
        forecast: "Forecast",
        band_80: "80% interval",
        band_95: "95% interval",
    };

    fn daily(n: usize, f: impl Fn(usize) -> f64) -> Vec<(NaiveDate, f64)> {
        let start = d(2024, 3, 1);
        (0..n)
            .map(|i| (start + chrono::Days::new(i as u64), f(i)))
            .collect()
    }

    fn band(date: NaiveDate, v: f64) -> ForecastBand {
        ForecastBand {
            date,
            value: v,
            lower_80: v - 1.0,
            upper_80: v + 1.0,
            lower_95: v - 2.0,
            upper_95: v + 2.0,
        }
    }

    fn assert_clean(svg: &str) {
        assert!(svg.starts_with("<svg "), "{svg}");
        assert!(svg.ends_with("</svg>"), "{svg}");
        let lower = svg.to_ascii_lowercase();
        assert!(!svg.contains("NaN"), "NaN in {svg}");
        assert!(!lower.contains("inf"), "inf in {svg}");
        assert!(!lower.contains("style="), "style attribute in {svg}");
        assert!(!lower.contains("<script"), "script in {svg}");
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("</svg>").count(), 1);
    }

    fn x_labels(svg: &str) -> Vec<String> {
        axis_labels(svg, "middle")
    }

    /// The texts of the axis label group anchored `anchor` (x axis: middle, y axis: end).
    fn axis_labels(svg: &str, anchor: &str) -> Vec<String> {
        let start = svg
            .find(&format!("text-anchor=\"{anchor}\">"))
            .expect("axis group");
        let rest = &svg[start..];
        let end = rest.find("</g>").expect("end of x axis group");
        rest[..end]
            .split("<text ")
            .skip(1)
            .filter_map(|t| {
                let a = t.find('>')? + 1;
                let b = t.find("</text>")?;
                Some(t[a..b].to_owned())
            })
            .collect()
    }

    #[test]
    fn hostile_labels_are_escaped() {
        let labels = ChartLabels {
            title: "</svg><script>alert(1)</script>",
            history: "a & b \"quoted\" 'single'",
            forecast: "<b>f</b>",
            band_80: "x\u{0}y",
            band_95: "'><img src=x onerror=alert(1)>",
        };
        let svg = render(
            &daily(10, |i| i as f64),
            &[band(d(2024, 3, 20), 5.0)],
            &labels,
        );
        assert_clean(&svg);
        assert!(svg.contains("&lt;/svg&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("a &amp; b &quot;quoted&quot; &#39;single&#39;"));
        assert!(svg.contains("&lt;b&gt;f&lt;/b&gt;"));
        assert!(svg.contains("&#39;&gt;&lt;img"));
        assert!(!svg.contains("<img"));
        assert!(!svg.contains('\u{0}'));
    }

    #[test]
    fn empty_input_renders_axes_and_title() {
        let svg = render(&[], &[], &LABELS);
        assert_clean(&svg);
        assert!(svg.contains("<title id=\"chart-"));
        assert!(svg.contains(">Exports of coffee</text>"));
        assert!(svg.contains("<path d=\"M60 34V256H696\""));
        assert!(!svg.contains("<polyline"));
        assert!(!svg.contains("<polygon"));
    }

    #[test]
    fn accessible_and_scalable() {
        let svg = render(&daily(5, |i| i as f64), &[], &LABELS);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("width=\"100%\""));
        assert!(svg.contains("viewBox=\"0 0 720 320\""));
        assert!(svg.contains("preserveAspectRatio="));
        let id = svg.split("aria-labelledby=\"").nth(1).expect("labelledby");
        let id = &id[..id.find(' ').expect("two ids")];
        assert!(svg.contains(&format!("<title id=\"{id}\">Exports of coffee</title>")));
        assert!(svg.contains("History: 2024-03-01 – 2024-03-05 (n = 5; 0 – 4)."));
        // Different inputs give different ids, identical inputs the same markup.
        let other = render(&daily(6, |i| i as f64), &[], &LABELS);
        let other_id = other
            .split("aria-labelledby=\"")
            .nth(1)
            .expect("labelledby");
        assert_ne!(id, &other_id[..other_id.find(' ').expect("two ids")]);
        assert_eq!(svg, render(&daily(5, |i| i as f64), &[], &LABELS));
    }

    #[test]
    fn single_point() {
        let svg = render(&[(d(2024, 3, 5), 42.0)], &[], &LABELS);
        assert_clean(&svg);
        assert!(svg.contains("<circle"));
        assert!(x_labels(&svg).contains(&"2024-03-05".to_owned()));
        let svg = render(&[], &[band(d(2024, 3, 5), 42.0)], &LABELS);
        assert_clean(&svg);
        assert!(svg.contains("<rect x="));
    }

    #[test]
    fn constant_series_is_padded() {
        for v in [0.0, 5.0, -3.0, 1e-300, 1e300, f64::MAX] {
            let svg = render(&daily(20, |_| v), &[], &LABELS);
            assert_clean(&svg);
            assert!(svg.contains("<polyline"));
            let y = axis_labels(&svg, "end");
            assert!((3..=7).contains(&y.len()), "{v}: {y:?}");
            let mut unique = y.clone();
            unique.dedup();
            assert_eq!(unique, y, "{v}");
        }
        let (lo, hi, _, ticks) = y_scale(5.0, 5.0);
        assert!(lo < 5.0 && hi > 5.0);
        assert!((3..=7).contains(&ticks.len()), "{ticks:?}");
    }

    #[test]
    fn non_finite_values_are_skipped() {
        let hist = vec![
            (d(2024, 1, 1), 1.0),
            (d(2024, 1, 2), f64::NAN),
            (d(2024, 1, 3), f64::INFINITY),
            (d(2024, 1, 4), f64::NEG_INFINITY),
            (d(2024, 1, 5), 3.0),
        ];
        let fc = vec![
            ForecastBand {
                date: d(2024, 1, 6),
                value: 4.0,
                lower_80: f64::NAN,
                upper_80: 6.0,
                lower_95: f64::INFINITY,
                upper_95: f64::NEG_INFINITY,
            },
            ForecastBand {
                value: f64::NAN,
                ..band(d(2024, 1, 7), 0.0)
            },
            band(d(2024, 1, 8), 5.0),
        ];
        let svg = render(&hist, &fc, &LABELS);
        assert_clean(&svg);
        assert!(svg.contains("(n = 2; 1 – 3)"), "{svg}");
        assert!(
            svg.contains("Forecast: 2024-01-06 – 2024-01-08 (n = 2;"),
            "{svg}"
        );
        // Only NaN / inf everywhere: nothing to draw, still valid.
        let svg = render(&[(d(2024, 1, 1), f64::NAN)], &[], &LABELS);
        assert_clean(&svg);
        assert!(!svg.contains("<polyline"));
    }

    #[test]
    fn no_nan_or_inf_for_awkward_inputs() {
        let extreme = vec![
            (d(2024, 1, 1), f64::MAX),
            (d(2024, 1, 2), f64::MIN),
            (d(2024, 1, 3), 0.0),
        ];
        let tiny = vec![(d(2024, 1, 1), 1e-310), (d(2024, 1, 2), 2e-310)];
        let far = vec![(NaiveDate::MIN, 1.0), (NaiveDate::MAX, 2.0)];
        let dup = vec![(d(2024, 1, 1), 1.0), (d(2024, 1, 1), 2.0)];
        let unordered = vec![
            (d(2024, 5, 1), 1.0),
            (d(2023, 1, 1), 2.0),
            (d(2024, 1, 1), 3.0),
        ];
        let swapped = ForecastBand {
            date: d(2024, 1, 2),
            value: 1.0,
            lower_80: 5.0,
            upper_80: -5.0,
            lower_95: 2.0,
            upper_95: -2.0,
        };
        let overlapping = [band(d(2023, 6, 1), 2.0), swapped, band(d(2024, 2, 1), 1e12)];
        for hist in [&extreme, &tiny, &far, &dup, &unordered] {
            for fc in [&[][..], &overlapping[..], &[swapped][..]] {
                let svg = render(hist, fc, &LABELS);
                assert_clean(&svg);
            }
        }
        let cleaned = clean_forecast(&[swapped]);
        let b = cleaned.first().expect("one band");
        assert!(b.lower_95 <= b.lower_80 && b.lower_80 <= b.upper_80 && b.upper_80 <= b.upper_95);
        // Points in date order regardless of input order.
        let svg = render(&unordered, &[], &LABELS);
        assert!(svg.contains("2023-01-01 – 2024-05-01"));
    }

    #[test]
    fn hundred_thousand_points_stay_small() {
        let hist = daily(100_000, |i| {
            ((i as f64) / 50.0).sin() * 1000.0 + if i == 54_321 { 1e5 } else { 0.0 }
        });
        let fc: Vec<ForecastBand> = (0..100_000u64)
            .map(|i| band(d(2300, 1, 1) + chrono::Days::new(i), i as f64))
            .collect();
        let svg = render(&hist, &[], &LABELS);
        assert_clean(&svg);
        assert!(svg.len() < 60_000, "history only: {} bytes", svg.len());
        // The spike survives downsampling: the y axis reaches 100k.
        assert!(svg.contains(">100k</text>"), "{svg}");
        eprintln!("100k history: {} bytes", svg.len());
        let svg = render(&hist, &fc, &LABELS);
        assert_clean(&svg);
        assert!(svg.len() < 60_000, "with forecast: {} bytes", svg.len());
        eprintln!("100k history + 100k forecast: {} bytes", svg.len());
        let points = svg.split("points=\"").nth(1).expect("polyline/polygon");
        let points = &points[..points.find('"').expect("end")];
        assert!(points.split(' ').count() <= 2 * (MAX_POINTS + 2));
        // At most one decimal in any coordinate.
        for coord in points.split([' ', ',']) {
            if let Some((_, frac)) = coord.split_once('.') {
                assert_eq!(frac.len(), 1, "{coord}");
            }
        }
    }

    #[test]
    fn daily_span_ticks() {
        let svg = render(&daily(30, |i| i as f64), &[], &LABELS);
        let labels = x_labels(&svg);
        assert!((4..=8).contains(&labels.len()), "{labels:?}");
        assert_eq!(labels.first().map(String::as_str), Some("2024-03-01"));
        assert!(
            labels
                .iter()
                .all(|l| l.len() == 10 && l.starts_with("2024-03-")),
            "{labels:?}"
        );
    }

    #[test]
    fn monthly_span_ticks() {
        let hist: Vec<(NaiveDate, f64)> = (0..24)
            .map(|i| (d(2023 + i / 12, (i % 12) as u32 + 1, 1), 1.0 + i as f64))
            .collect();
        let svg = render(&hist, &[], &LABELS);
        let labels = x_labels(&svg);
        assert!((4..=8).contains(&labels.len()), "{labels:?}");
        assert!(labels.iter().all(|l| l.len() == 7), "{labels:?}");
        assert_eq!(labels.first().map(String::as_str), Some("2023-01"));
    }

    #[test]
    fn multi_year_span_ticks() {
        let hist: Vec<(NaiveDate, f64)> = (0..12)
            .map(|i| (d(2014 + i, 6, 30), 1000.0 * i as f64))
            .collect();
        let fc: Vec<ForecastBand> = (0..3).map(|i| band(d(2026 + i, 6, 30), 12_000.0)).collect();
        let svg = render(&hist, &fc, &LABELS);
        let labels = x_labels(&svg);
        assert!((4..=8).contains(&labels.len()), "{labels:?}");
        assert!(labels.iter().all(|l| l.len() == 4), "{labels:?}");
        assert!(labels.contains(&"2020".to_owned()), "{labels:?}");
    }

    #[test]
    fn bands_present_with_forecast() {
        let hist = daily(30, |i| 100.0 + i as f64);
        let fc: Vec<ForecastBand> = (0..10)
            .map(|i| band(d(2024, 4, 1) + chrono::Days::new(i), 130.0))
            .collect();
        let svg = render(&hist, &fc, &LABELS);
        assert_clean(&svg);
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert!(svg.contains(&format!(
            "fill-opacity=\"{BAND_95_OPACITY}\" stroke=\"none\""
        )));
        assert!(svg.contains(&format!(
            "fill-opacity=\"{BAND_80_OPACITY}\" stroke=\"none\""
        )));
        assert!(svg.contains("stroke-dasharray=\"6 4\""));
        for word in ["History", "Forecast", "80% interval", "95% interval"] {
            assert!(svg.contains(&format!(">{word}</text>")), "{word}");
        }
        // No forecast: no bands and no forecast legend.
        let svg = render(&hist, &[], &LABELS);
        assert!(!svg.contains("<polygon"));
        assert!(!svg.contains(">Forecast</text>"));
    }

    #[test]
    fn y_ticks_are_nice_and_compact() {
        for (lo, hi) in [
            (0.0, 1.0),
            (3.0, 97.0),
            (-1234.0, 5678.0),
            (1.2e6, 3.4e6),
            (0.001, 0.0042),
            (-5e9, -1e9),
        ] {
            let (a, b, step, ticks) = y_scale(lo, hi);
            assert!(a <= lo && b >= hi, "{lo} {hi}: {a} {b}");
            assert!((4..=6).contains(&ticks.len()), "{lo} {hi}: {ticks:?}");
            let m = step / 10f64.powi(step.log10().floor() as i32);
            assert!(
                [1.0, 2.0, 5.0].iter().any(|n| (m - n).abs() < 1e-9),
                "step {step}"
            );
            let labels: Vec<String> = ticks.iter().map(|&t| tick_label(t, step)).collect();
            let mut unique = labels.clone();
            unique.dedup();
            assert_eq!(unique.len(), labels.len(), "{labels:?}");
        }
        assert_eq!(tick_label(1200.0, 200.0), "1.2k");
        assert_eq!(tick_label(3_400_000.0, 200_000.0), "3.4M");
        assert_eq!(tick_label(-500.0, 100.0), "-500");
        assert_eq!(tick_label(0.0, 0.5), "0");
        assert_eq!(tick_label(2e9, 1e9), "2B");
        assert_eq!(compact(1234.0), "1.23k");
        assert_eq!(compact(-0.00456), "-0.00456");
    }
}
