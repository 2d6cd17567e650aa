//! Terminal charts of history and forecast with the 95% band (textplots).

use super::num;
use pintar_core::report::SeriesReport;
use rgb::RGB8;
use std::fmt::Write as _;
use textplots::{Chart, ColorPlot, Plot, Shape};

/// History shown at most, in periods, so the forecast stays readable.
const MAX_HISTORY: usize = 120;

/// Draws one series: cleaned history, then forecast and its 95% band.
pub fn chart(series: &SeriesReport, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({}):", series.category, series.frequency);
    let history: Vec<f64> = if series.history.is_empty() {
        Vec::new()
    } else {
        series.history.iter().map(|p| p.cleaned).collect()
    };
    let skip = history.len().saturating_sub(MAX_HISTORY);
    let hist: Vec<(f32, f32)> = history[skip..]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as f32, *v as f32))
        .collect();
    let start = hist.len() as f32;
    let points = series
        .forecast
        .as_ref()
        .map(|f| f.points.as_slice())
        .unwrap_or(&[]);
    // The forecast line starts at the last observed point so the two join up.
    let join = hist.last().copied();
    let line = |pick: fn(&pintar_core::report::ForecastPoint) -> f64| -> Vec<(f32, f32)> {
        join.into_iter()
            .chain(
                points
                    .iter()
                    .enumerate()
                    .map(|(k, p)| (start + k as f32, pick(p) as f32)),
            )
            .collect()
    };
    let forecast = line(|p| p.value);
    let lower = line(|p| p.lower_95);
    let upper = line(|p| p.upper_95);
    let xmax = (start + points.len() as f32 - 1.0).max(1.0);
    if hist.len() + points.len() < 2 {
        let _ = writeln!(out, "  (too few points to draw)");
        return out;
    }
    let drawable = |xs: &[(f32, f32)]| xs.iter().all(|(_, y)| y.is_finite());
    if ![&hist, &forecast, &lower, &upper]
        .iter()
        .all(|xs| drawable(xs))
    {
        let _ = writeln!(out, "  (values too large to draw)");
        return out;
    }
    let mut c = Chart::new(160, 48, 0.0, xmax);
    let (h, f, lo, hi) = (
        Shape::Lines(&hist),
        Shape::Lines(&forecast),
        Shape::Lines(&lower),
        Shape::Lines(&upper),
    );
    let drawn = if color {
        c.linecolorplot(&h, RGB8::new(90, 160, 255))
            .linecolorplot(&lo, RGB8::new(120, 120, 120))
            .linecolorplot(&hi, RGB8::new(120, 120, 120))
            .linecolorplot(&f, RGB8::new(255, 170, 0))
    } else {
        c.lineplot(&h).lineplot(&lo).lineplot(&hi).lineplot(&f)
    };
    drawn.axis();
    drawn.figures();
    let _ = writeln!(out, "{drawn}");
    let first = series
        .history
        .get(skip)
        .map(|p| p.date.to_string())
        .unwrap_or_default();
    let last_hist = series.end.to_string();
    match series
        .forecast
        .as_ref()
        .and_then(|f| f.points.last().map(|p| (f, p)))
    {
        Some((f, p)) => {
            let _ = writeln!(
                out,
                "  x: {first} … {last_hist} history, then {} periods to {} forecast by {} (95% band: outer lines); last forecast {} [{} … {}]",
                f.points.len(),
                p.date,
                f.model,
                num(p.value),
                num(p.lower_95),
                num(p.upper_95)
            );
        }
        None => {
            let _ = writeln!(out, "  x: {first} … {last_hist} history (no forecast)");
        }
    }
    out
}
