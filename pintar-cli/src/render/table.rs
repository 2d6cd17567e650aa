//! Summary tables (comfy-table).

use super::{num, pct};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use pintar_core::analytics::backtest::BacktestReport;
use pintar_core::report::{AnalysisReport, Direction};
use std::fmt::Write as _;
use std::time::Duration;

fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.iter().map(Cell::new));
    t
}

fn right_align(t: &mut Table, from: usize) {
    let n = t.column_count();
    for i in from..n {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// The analysis summary: totals, then one row per series (at most `limit`).
pub fn summary(report: &AnalysisReport, source: &str, limit: usize) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{source}: {} layout, {} rows read, {} used, {} invalid; {} series, {} forecast",
        s.layout, s.rows_read, s.rows_used, s.invalid_rows, s.series_count, s.forecasted
    );
    let mut t = table(&[
        "series",
        "freq",
        "n",
        "last",
        "trend",
        "YoY",
        "CAGR",
        "season",
        "outliers",
        "model",
        "MASE",
        "next (95% band)",
    ]);
    for r in report.series.iter().take(limit) {
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
        let (model, mase, next) = match &r.forecast {
            Some(f) => (
                f.model.clone(),
                num(f.backtest.mase),
                f.points.first().map_or_else(
                    || "–".to_string(),
                    |p| {
                        format!(
                            "{} [{} … {}]",
                            num(p.value),
                            num(p.lower_95),
                            num(p.upper_95)
                        )
                    },
                ),
            ),
            None => ("–".into(), "–".into(), "–".into()),
        };
        t.add_row(vec![
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
        ]);
    }
    right_align(&mut t, 2);
    let _ = writeln!(out, "{t}");
    if report.series.len() > limit {
        let _ = writeln!(
            out,
            "… {} more series (raise --limit, or use --json / --csv for everything)",
            report.series.len() - limit
        );
    }
    out
}

/// The backtest table: one row per model, `auto` first.
pub fn backtest(report: &BacktestReport, wall: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "hold-out {} points; {} series scored, {} too short",
        report.horizon, report.series, report.skipped
    );
    let mut t = table(&["model", "sMAPE", "MASE", "80% coverage", "95% coverage"]);
    for m in &report.models {
        t.add_row(vec![
            m.model.clone(),
            format!("{:.2}", m.smape),
            format!("{:.3}", m.mase),
            format!("{:.3}", m.coverage_80),
            format!("{:.3}", m.coverage_95),
        ]);
    }
    right_align(&mut t, 1);
    let _ = writeln!(out, "{t}");
    if let Some(m) = report.models.iter().find(|m| m.mase_undefined > 0) {
        let _ = writeln!(
            out,
            "MASE is undefined for {} series (constant training data) and left out of its mean",
            m.mase_undefined
        );
    }
    let chosen: Vec<String> = report
        .chosen
        .iter()
        .map(|(m, c)| format!("{m} {c}"))
        .collect();
    let _ = writeln!(out, "auto chose: {}", chosen.join(", "));
    let _ = writeln!(
        out,
        "auto: {:.2} ms per series (choice + forecast, one thread); whole backtest {:.2} s",
        report.auto_ms_per_series,
        wall.as_secs_f64()
    );
    out
}
