//! Summary and backtest tables, fitted to the output width (see [`super::fit`]).

use super::fit::{Column, Priority, Table, wrap};
use super::{num, pct, width::output_width};
use pintar_core::analytics::backtest::BacktestReport;
use pintar_core::report::{AnalysisReport, Direction, SeriesReport};
use std::fmt::Write as _;
use std::time::Duration;

/// The analysis summary, fitted to `width`: totals, then one row per series (at most `limit`).
/// Columns that do not fit are left out, least useful first (see [`super::fit`]).
pub fn summary(report: &AnalysisReport, source: &str, limit: usize, width: usize) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let totals = format!(
        "{source}: {} layout, {} rows read, {} used, {} invalid; {} series, {} forecast",
        s.layout, s.rows_read, s.rows_used, s.invalid_rows, s.series_count, s.forecasted
    );
    let _ = writeln!(out, "{}", wrap(&totals, width, ""));
    let table = report
        .series
        .iter()
        .take(limit)
        .fold(summary_columns(width), |t, r| t.row(summary_row(r)));
    let _ = writeln!(out, "{}", table.render());
    if report.series.len() > limit {
        let more = format!(
            "… {} more series (raise --limit, or use --json / --csv for everything)",
            report.series.len() - limit
        );
        let _ = writeln!(out, "{}", wrap(&more, width, ""));
    }
    out
}

/// The summary's columns, by how much they tell: series, last value and next forecast always.
fn summary_columns(width: usize) -> Table {
    use Priority::{Must, Optional};
    Table::new(width)
        .column(Column::text("series", Must).truncate(10, 32))
        .column(Column::text("freq", Optional(8)))
        .column(Column::number("n", Optional(5)))
        .column(Column::number("last", Must))
        .column(Column::number("trend", Optional(1)))
        .column(Column::number("YoY", Optional(3)))
        .column(Column::number("CAGR", Optional(7)))
        .column(Column::number("season", Optional(9)))
        .column(Column::number("outliers", Optional(10)).short("out"))
        .column(Column::text("model", Optional(2)).truncate(14, 24))
        .column(Column::number("MASE", Optional(6)))
        .column(Column::number("next", Must))
        .column(Column::number("95% band", Optional(4)))
}

/// One series' cells, in the order of [`summary_columns`].
fn summary_row(r: &SeriesReport) -> [String; 13] {
    let trend = r.trend.as_ref().map_or_else(
        || "–".to_string(),
        |t| {
            let arrow = match t.direction {
                Direction::Increasing => "↑",
                Direction::Decreasing => "↓",
                Direction::Stable => "→",
            };
            format!("{arrow} {}/p", num(t.sen_slope))
        },
    );
    let season = r.seasonality.as_ref().map_or_else(
        || "–".to_string(),
        |s| format!("{:.2}{}", s.strength, if s.detected { "" } else { "?" }),
    );
    let (model, mase, next, band) = match &r.forecast {
        Some(f) => {
            let (next, band) = f.points.first().map_or_else(
                || ("–".to_string(), "–".to_string()),
                |p| {
                    (
                        num(p.value),
                        format!("{} … {}", num(p.lower_95), num(p.upper_95)),
                    )
                },
            );
            (f.model.clone(), num(f.backtest.mase), next, band)
        }
        None => ("–".into(), "–".into(), "–".into(), "–".into()),
    };
    [
        r.category.clone(),
        r.frequency.to_string(),
        r.stats.count.to_string(),
        num(r.stats.last),
        trend,
        pct(r.growth.year_over_year_pct),
        pct(r.growth.cagr_pct),
        season,
        r.quality.outliers.len().to_string(),
        model,
        mase,
        next,
        band,
    ]
}

/// The backtest table: one row per model, `auto` first, fitted to the output's width.
pub fn backtest(report: &BacktestReport, wall: Duration) -> String {
    let width = output_width(true);
    let prose = |out: &mut String, text: String| {
        let _ = writeln!(out, "{}", wrap(&text, width, ""));
    };
    let mut out = String::new();
    prose(
        &mut out,
        format!(
            "hold-out {} points; {} series scored, {} too short",
            report.horizon, report.series, report.skipped
        ),
    );
    let t = report.models.iter().fold(
        Table::new(width)
            .column(Column::text("model", Priority::Must))
            .column(Column::number("sMAPE", Priority::Must))
            .column(Column::number("MASE", Priority::Must))
            .column(Column::number("80% coverage", Priority::Optional(2)).short("80% cov"))
            .column(Column::number("95% coverage", Priority::Optional(1)).short("95% cov")),
        |t, m| {
            t.row([
                m.model.clone(),
                format!("{:.2}", m.smape),
                format!("{:.3}", m.mase),
                format!("{:.3}", m.coverage_80),
                format!("{:.3}", m.coverage_95),
            ])
        },
    );
    let _ = writeln!(out, "{}", t.render());
    if let Some(m) = report.models.iter().find(|m| m.mase_undefined > 0) {
        prose(
            &mut out,
            format!(
                "MASE is undefined for {} series (constant training data) and left out of its mean",
                m.mase_undefined
            ),
        );
    }
    let chosen: Vec<String> = report
        .chosen
        .iter()
        .map(|(m, c)| format!("{m} {c}"))
        .collect();
    prose(&mut out, format!("auto chose: {}", chosen.join(", ")));
    prose(
        &mut out,
        format!(
            "auto: {:.2} ms per series (choice + forecast, one thread); whole backtest {:.2} s",
            report.auto_ms_per_series,
            wall.as_secs_f64()
        ),
    );
    out
}
