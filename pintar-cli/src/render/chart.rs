//! Terminal charts of history and forecast with the 95% band (textplots): dated x axis,
//! fitted to the output width.

use super::fit::{text_width, wrap};
use super::num;
use chrono::{Datelike, NaiveDate};
use pintar_core::Frequency;
use pintar_core::report::{ForecastPoint, SeriesReport};
use rgb::RGB8;
use std::fmt::Write as _;
use textplots::{Chart, ColorPlot, LabelBuilder, LabelFormat, Plot, Shape};

/// History shown at most, in periods, so the forecast stays readable.
const MAX_HISTORY: usize = 120;
/// Canvas height in braille dots (four to a text row).
const HEIGHT: u32 = 48;
/// Narrowest canvas textplots draws, in braille dots (two to a text column).
const MIN_DOTS: u32 = 32;
/// Widest canvas drawn, however wide the terminal.
const MAX_DOTS: u32 = 200;
/// Spaces kept between x-axis labels.
const LABEL_GAP: usize = 2;

/// Draws one series in at most `width` columns (textplots' narrowest canvas is 17, so below
/// about 30 the chart is wider): cleaned history, then the forecast and its 95% band, with
/// period dates under the x axis.
pub fn chart(series: &SeriesReport, color: bool, width: usize) -> String {
    let mut out = String::new();
    let title = format!("{} ({}):", series.category, series.frequency);
    let _ = writeln!(out, "{}", wrap(&title, width, ""));
    let skip = series.history.len().saturating_sub(MAX_HISTORY);
    let shown = &series.history[skip..];
    let hist: Vec<(f32, f32)> = shown
        .iter()
        .enumerate()
        .map(|(i, p)| (i as f32, p.cleaned as f32))
        .collect();
    let start = hist.len() as f32;
    let points = series
        .forecast
        .as_ref()
        .map(|f| f.points.as_slice())
        .unwrap_or(&[]);
    // The forecast line starts at the last observed point so the two join up.
    let join = hist.last().copied();
    let line = |pick: fn(&ForecastPoint) -> f64| -> Vec<(f32, f32)> {
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
    if hist.len() + points.len() < 2 {
        let _ = writeln!(out, "  (too few points to draw)");
        return out;
    }
    let lines = [&hist, &forecast, &lower, &upper];
    if !lines.iter().all(|xs| xs.iter().all(|(_, y)| y.is_finite())) {
        let _ = writeln!(out, "  (values too large to draw)");
        return out;
    }
    let xmax = (start + points.len() as f32 - 1.0).max(1.0);
    let (ymin, ymax) = y_range(&lines);
    let labels: Vec<String> = shown
        .iter()
        .map(|p| p.date)
        .chain(points.iter().map(|p| p.date))
        .map(|d| period_label(d, series.frequency))
        .collect();
    let y_label_width = text_width(&num(f64::from(ymin))).max(text_width(&num(f64::from(ymax))));
    let dots = canvas_dots(width, y_label_width);

    let mut c = Chart::new_with_y_range(dots, HEIGHT, 0.0, xmax, ymin, ymax);
    let x_labels = labels.clone();
    let labelled = c
        .x_label_format(LabelFormat::Custom(Box::new(move |x| {
            label_at(&x_labels, x)
        })))
        .y_label_format(LabelFormat::Custom(Box::new(|y| num(f64::from(y)))));
    let (h, f, lo, hi) = (
        Shape::Lines(&hist),
        Shape::Lines(&forecast),
        Shape::Lines(&lower),
        Shape::Lines(&upper),
    );
    let drawn = if color {
        labelled
            .linecolorplot(&h, RGB8::new(90, 160, 255))
            .linecolorplot(&lo, RGB8::new(120, 120, 120))
            .linecolorplot(&hi, RGB8::new(120, 120, 120))
            .linecolorplot(&f, RGB8::new(255, 170, 0))
    } else {
        labelled
            .lineplot(&h)
            .lineplot(&lo)
            .lineplot(&hi)
            .lineplot(&f)
    };
    drawn.axis();
    drawn.figures();
    let canvas = drawn.to_string();
    // textplots labels both ends of the x axis; add the last observed period, or the middle.
    let (body, axis) = canvas
        .trim_end_matches('\n')
        .rsplit_once('\n')
        .unwrap_or(("", canvas.trim_end_matches('\n')));
    let last = labels.len().saturating_sub(1);
    let observed_end = if points.is_empty() {
        None
    } else {
        hist.len().checked_sub(1)
    };
    let axis = observed_end
        .into_iter()
        .chain([last / 2])
        .filter(|&i| i > 0 && i < last)
        .find_map(|i| place_label(axis, &labels[i], dot_column(i as f32, xmax, dots)))
        .unwrap_or_else(|| axis.to_string());
    let _ = writeln!(out, "{body}\n{axis}");

    let first = labels.first().map_or("", String::as_str);
    let last_hist = period_label(series.end, series.frequency);
    let caption = match series
        .forecast
        .as_ref()
        .and_then(|f| f.points.last().map(|p| (f, p)))
    {
        Some((f, p)) => format!(
            "{first} … {last_hist} history, then {} periods to {} forecast by {} (95% band: outer lines); last forecast {} [{} … {}]",
            f.points.len(),
            period_label(p.date, series.frequency),
            f.model,
            num(p.value),
            num(p.lower_95),
            num(p.upper_95)
        ),
        None => format!("{first} … {last_hist} history (no forecast)"),
    };
    let _ = writeln!(out, "{}", wrap(&caption, width, "  "));
    out
}

/// The lowest and highest value drawn, a little apart when they are equal.
fn y_range(lines: &[&Vec<(f32, f32)>]) -> (f32, f32) {
    let ys = || lines.iter().flat_map(|xs| xs.iter().map(|(_, y)| *y));
    let lo = ys().fold(f32::INFINITY, f32::min);
    let hi = ys().fold(f32::NEG_INFINITY, f32::max);
    if hi > lo {
        (lo, hi)
    } else {
        let pad = (lo.abs() * 0.05).max(1.0);
        (lo - pad, hi + pad)
    }
}

/// Canvas width in braille dots for `width` columns: the canvas takes `dots / 2 + 1` columns,
/// and its first and last rows are followed by a space and a y label.
fn canvas_dots(width: usize, y_label_width: usize) -> u32 {
    let columns = width.saturating_sub(2 + y_label_width);
    let dots = u32::try_from(columns.saturating_mul(2)).unwrap_or(MAX_DOTS);
    dots.clamp(MIN_DOTS, MAX_DOTS)
}

/// The text column under x position `x` on a canvas `dots` wide spanning 0 ..= `xmax`.
fn dot_column(x: f32, xmax: f32, dots: u32) -> usize {
    ((x / xmax * dots as f32).round() as usize) / 2
}

/// The label of the period nearest to x position `x`.
fn label_at(labels: &[String], x: f32) -> String {
    let i = (x.max(0.0).round() as usize).min(labels.len().saturating_sub(1));
    labels.get(i).cloned().unwrap_or_default()
}

/// A period as people name it: `2024` for a year, `2024-Q3`, `2024-07` for a month, the day
/// itself for days and weeks.
fn period_label(date: NaiveDate, frequency: Frequency) -> String {
    match frequency {
        Frequency::Year => date.year().to_string(),
        Frequency::Quarter => format!("{}-Q{}", date.year(), date.month0() / 3 + 1),
        Frequency::Month => date.format("%Y-%m").to_string(),
        Frequency::Week | Frequency::Day => date.to_string(),
    }
}

/// `axis` with `label` centred on `column`, if it lands on blank space clear of the labels
/// already there.
fn place_label(axis: &str, label: &str, column: usize) -> Option<String> {
    let mut chars: Vec<char> = axis.chars().collect();
    let len = label.chars().count();
    let start = column.saturating_sub(len / 2);
    let from = start.checked_sub(LABEL_GAP)?;
    let to = start + len + LABEL_GAP;
    if to > chars.len() || chars[from..to].iter().any(|c| *c != ' ') {
        return None;
    }
    chars.splice(start..start + len, label.chars());
    Some(chars.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pintar_core::analytics::{InputFormat, analyze_bytes};
    use pintar_core::options::AnalysisOptions;

    /// Five years of monthly data from January 2019, forecast 12 months ahead.
    fn monthly() -> SeriesReport {
        let mut csv = String::from("date,category,value\n");
        for i in 0..60 {
            let v = 100.0 + i as f64 + 10.0 * (i as f64 * 0.52).sin();
            let _ = writeln!(
                csv,
                "{}-{:02}-01,coffee:USA,{v:.2}",
                2019 + i / 12,
                i % 12 + 1
            );
        }
        let opts = AnalysisOptions {
            horizon: Some(12),
            ..AnalysisOptions::default()
        };
        let report = analyze_bytes(csv.as_bytes(), InputFormat::Csv, &opts).expect("analyses");
        report.series.into_iter().next().expect("one series")
    }

    /// The line under the canvas (the last line with braille on it).
    fn axis_line(chart: &str) -> &str {
        let lines: Vec<&str> = chart.lines().collect();
        let canvas_end = lines
            .iter()
            .rposition(|l| l.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c)))
            .expect("a canvas");
        lines[canvas_end + 1]
    }

    #[test]
    fn x_axis_shows_period_dates() {
        let out = chart(&monthly(), false, 80);
        let axis = axis_line(&out);
        assert!(axis.starts_with("2019-01"), "{out}");
        assert!(axis.trim_end().ends_with("2024-12"), "{out}");
        let inner: Vec<&str> = axis.split_whitespace().collect();
        assert_eq!(inner.len(), 3, "a middle label too: {axis}");
        assert!(inner[1].starts_with("20") && inner[1].len() == 7, "{axis}");
        assert!(!axis.contains(".0"), "no indices: {axis}");
    }

    #[test]
    fn chart_fits_the_width() {
        let s = monthly();
        for width in [40, 60, 80, 100, 200] {
            let out = chart(&s, false, width);
            for line in out.lines() {
                assert!(
                    text_width(line) <= width,
                    "{width}: {} columns: {line}\n{out}",
                    text_width(line)
                );
            }
        }
    }

    #[test]
    fn labels_name_periods() {
        let d = NaiveDate::from_ymd_opt(2024, 8, 1).expect("date");
        assert_eq!(period_label(d, Frequency::Year), "2024");
        assert_eq!(period_label(d, Frequency::Quarter), "2024-Q3");
        assert_eq!(period_label(d, Frequency::Month), "2024-08");
        assert_eq!(period_label(d, Frequency::Day), "2024-08-01");
        let labels: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(label_at(&labels, 0.0), "a");
        assert_eq!(label_at(&labels, 1.4), "b");
        assert_eq!(label_at(&labels, 9.0), "c");
        assert_eq!(label_at(&labels, -1.0), "a");
    }

    #[test]
    fn middle_label_only_on_free_space() {
        let axis = format!("{:<30}{}", "2019-01", "2024-12");
        let placed = place_label(&axis, "2022-06", 18).expect("room");
        assert_eq!(placed.split_whitespace().count(), 3);
        assert_eq!(placed.chars().count(), axis.chars().count());
        assert!(place_label(&axis, "2022-06", 4).is_none());
        assert!(place_label(&axis, "2022-06", 33).is_none());
    }
}
