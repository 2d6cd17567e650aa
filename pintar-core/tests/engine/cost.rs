//! What an analysis may cost: grids bounded by what was read, mostly invented series not
//! forecast, a deadline between series, bounded series names. The two files of the
//! report that cost 41 s and more than 300 s are answered at once.

use crate::timing;
use pintar_core::AnalyticsError;
use pintar_core::analytics::budget::{Budget, FREE_POINTS, POINTS_PER_VALUE};
use pintar_core::analytics::{InputFormat, analyze_budgeted, analyze_bytes};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::SeriesStatus;
use std::time::{Duration, Instant};

/// `columns` series of three rows: two consecutive days, and one 999 days later (every
/// series spans 1,000 days of which 997 would be invented).
pub fn far_apart(columns: usize) -> String {
    let mut out = String::from("date");
    for c in 0..columns {
        out.push_str(&format!(",s{c}"));
    }
    out.push('\n');
    for date in ["2020-01-01", "2020-01-02", "2022-09-26"] {
        out.push_str(date);
        for c in 0..columns {
            out.push_str(&format!(",{}", c % 7 + 1));
        }
        out.push('\n');
    }
    out
}

fn none(_: usize, _: usize) {}

#[test]
fn a_few_rows_far_apart_cannot_lay_a_huge_grid() {
    let _shared = timing::shared();
    for columns in [1_000, 10_000] {
        let csv = far_apart(columns);
        let started = Instant::now();
        let err = analyze_budgeted(
            csv.as_bytes(),
            InputFormat::Csv,
            &AnalysisOptions::default(),
            &Budget::default(),
            &none,
        )
        .expect_err("refused");
        assert!(
            matches!(err, AnalyticsError::TooManyPoints { allowed, .. }
                if allowed == FREE_POINTS.max(columns * 3 * POINTS_PER_VALUE)),
            "{err}"
        );
        let message = err.to_string();
        assert!(
            message.contains("100000") || message.contains("100,000"),
            "{message}"
        );
        // The report measured 41 s (1,000 columns) and more than 300 s (10,000).
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{columns} columns took {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn a_mostly_invented_series_is_reported_but_not_forecast() {
    let _shared = timing::shared();
    let csv = far_apart(1);
    let report = analyze_bytes(
        csv.as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions::default(),
    )
    .expect("one such series fits the allowance");
    let s = &report.series[0];
    assert_eq!(s.status, SeriesStatus::Sparse);
    assert!(s.forecast.is_none());
    assert!(s.seasonality.is_none());
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("'s0'") && n.contains("not forecast")),
        "{:?}",
        s.notes
    );
}

#[test]
fn the_deadline_stops_the_analysis_between_series() {
    let _shared = timing::shared();
    let csv = far_apart(3);
    let err = analyze_budgeted(
        csv.as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions::default(),
        &Budget::within(Duration::ZERO),
        &none,
    )
    .expect_err("past the deadline");
    assert!(
        matches!(
            err,
            AnalyticsError::DeadlineExceeded {
                done: 0,
                total: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn series_names_are_bounded_and_the_error_names_the_row() {
    let _shared = timing::shared();
    let long = "x".repeat(201);
    let csv = format!("date,category,value\n2024-01-01,ok,1\n2024-02-01,{long},2\n");
    let err = analyze_bytes(
        csv.as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions::default(),
    )
    .expect_err("too long");
    assert!(
        matches!(
            err,
            // Rows count from the first record after the header (docs/report.md).
            AnalyticsError::NameTooLong {
                row: 2,
                length: 201,
                limit: 200
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("row 2"), "{err}");
    // A wide file's column names are series names too.
    let csv = format!("date,{long}\n2024-01-01,1\n");
    let err = analyze_bytes(
        csv.as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions::default(),
    )
    .expect_err("too long");
    assert!(matches!(err, AnalyticsError::NameTooLong { .. }), "{err}");
}

/// A wide table of one-digit values: `columns` monthly series of `rows` months.
fn dense_wide(columns: usize, rows: usize) -> String {
    let mut out = String::from("date");
    for c in 0..columns {
        out.push_str(&format!(",s{c}"));
    }
    out.push('\n');
    for r in 0..rows {
        out.push_str(&format!("{}-{:02}", 1990 + r / 12, r % 12 + 1));
        for c in 0..columns {
            out.push_str(&format!(",{}", (r * 7 + c * 3 + r / 5) % 10));
        }
        out.push('\n');
    }
    out
}

#[test]
fn series_the_bytes_do_not_pay_for_get_the_light_methods_alike_every_time() {
    let _alone = timing::alone();
    let csv = dense_wide(2_000, 36);
    let opts = AnalysisOptions::default();
    let first = analyze_bytes(csv.as_bytes(), InputFormat::Csv, &opts).expect("analyses");
    let light = |r: &pintar_core::report::AnalysisReport| -> Vec<String> {
        r.series
            .iter()
            .filter(|s| s.notes.iter().any(|n| n.contains("light methods")))
            .map(|s| s.category.clone())
            .collect()
    };
    let names = light(&first);
    assert_eq!(
        first.summary.forecasted, 2_000,
        "every series is still forecast"
    );
    assert!(
        !names.is_empty() && names.len() < 2_000,
        "some series, not all: {}",
        names.len()
    );
    for s in first.series.iter().filter(|s| names.contains(&s.category)) {
        let f = s.forecast.as_ref().expect("forecast");
        assert!(
            f.candidates.iter().all(|c| c.model != "ets"),
            "{:?}",
            f.candidates
        );
    }
    // Decided in input order before any forecast: the same series every time.
    let second = analyze_bytes(csv.as_bytes(), InputFormat::Csv, &opts).expect("analyses");
    assert_eq!(names, light(&second));
    // Long tables pay for the whole search.
    assert!(
        light(
            &analyze_bytes(
                include_bytes!("../../../examples/data/exports_sample.csv"),
                InputFormat::Csv,
                &opts
            )
            .expect("analyses")
        )
        .is_empty()
    );
}
