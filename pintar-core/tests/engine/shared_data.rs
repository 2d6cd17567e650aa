//! The headline accuracy figures, checked against the real series in `../shared/data` (beside
//! the checkout; `../../shared/data` from this package).
//!
//! Like the reference table in `shared/data/README.md`, models see the data as observed
//! (`--outliers keep`), hold out the last 12 months and are scored on them. The bounds are the
//! statsforecast AutoETS reference MASE and the 0.93–0.97 band for 95% interval coverage.

use pintar_core::analytics::InputFormat;
use pintar_core::analytics::backtest::backtest_bytes;
use pintar_core::options::{AnalysisOptions, OutlierPolicy};
use std::path::PathBuf;

fn shared(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data")
        .join(file);
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{} is needed for this test: {e}", path.display()))
}

fn check(file: &str, autoets_mase: f64) {
    let _timing = crate::timing::shared();
    let opts = AnalysisOptions {
        outliers: OutlierPolicy::Keep,
        ..AnalysisOptions::default()
    };
    let report = backtest_bytes(&shared(file), InputFormat::Csv, 12, &opts).expect("backtest runs");
    let auto = report
        .models
        .iter()
        .find(|m| m.model == "auto")
        .expect("auto is scored");
    assert_eq!(report.skipped, 0, "{file}: every series is long enough");
    assert!(
        auto.mase < autoets_mase,
        "{file}: MASE {} not below AutoETS {autoets_mase}",
        auto.mase
    );
    assert!(
        (0.93..=0.97).contains(&auto.coverage_95),
        "{file}: 95% coverage {} outside 0.93–0.97",
        auto.coverage_95
    );
}

#[test]
fn m1_monthly_beats_autoets() {
    check("m1_monthly.csv", 0.906);
}

#[test]
fn us_employment_beats_autoets() {
    check("us_employment_monthly.csv", 0.405);
}

#[test]
fn classic_monthly_beats_autoets() {
    check("classic_monthly.csv", 0.982);
}
