//! Every report the engine produces decodes again, however dirty the input: statistics that
//! cannot be computed (NaN, infinity) are written as `null` and read back. The engine must
//! produce one whenever a series has a readable row, so refusing good input fails too.

use chrono::NaiveDate;
use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::options::{AnalysisOptions, DuplicatePolicy};
use pintar_core::report::AnalysisReport;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn round_trip(report: &AnalysisReport) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(report).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: AnalysisReport =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e} in {text}")))?;
    // Decoding is lossless apart from NaN/inf becoming NaN: encoding again gives the same text.
    prop_assert_eq!(serde_json::to_string(&back).expect("encodes"), text);
    Ok(())
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (-1000i64..1000).prop_map(|v| v.to_string()),
        1 => Just(String::new()),
        1 => prop_oneof![Just("abc"), Just("NA"), Just("1,2,3"), Just("--"), Just("1e999")]
            .prop_map(str::to_string),
        1 => prop_oneof![Just("0"), Just("-0"), Just("1.7e308"), Just("-1.7e308"), Just("1e-300"), Just("5")]
            .prop_map(str::to_string),
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0u32..40).prop_map(|m| format!("{}-{:02}-01", 2020 + m / 12, m % 12 + 1)),
        1 => Just(String::new()),
        1 => Just("someday".to_string()),
    ]
}

/// The series a report must have: each category with at least one row whose date is an ISO
/// date and whose value is a plain integer (the engine reads more than that; this is what it
/// must read), and the clean series when it was added. Rows with a blank category belong to
/// no series.
fn readable_categories(
    rows: &[(String, String, String)],
    constant: Option<u32>,
) -> BTreeSet<String> {
    let mut categories: BTreeSet<String> = rows
        .iter()
        .filter(|(d, c, v)| {
            !c.is_empty()
                && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
                && v.parse::<i64>().is_ok()
        })
        .map(|(_, c, _)| c.clone())
        .collect();
    if constant.is_some() {
        categories.extend(["flat".to_string(), "tiny".to_string()]);
    }
    categories
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_report_decodes(
        rows in proptest::collection::vec((date(), "[a-c]?", cell()), 1..120),
        constant in proptest::option::of(1u32..30),
        policy in prop_oneof![
            Just(DuplicatePolicy::Sum),
            Just(DuplicatePolicy::Mean),
            Just(DuplicatePolicy::First),
            Just(DuplicatePolicy::Last),
        ],
        horizon in proptest::option::of(1usize..30),
    ) {
        let _timing = crate::timing::shared();
        let mut text = String::from("date,category,value\n");
        for (d, c, v) in &rows {
            text.push_str(&format!("{d},{c},\"{v}\"\n"));
        }
        // Sometimes add a constant series and a tiny one.
        if let Some(n) = constant {
            for m in 0..n {
                text.push_str(&format!("{}-{:02}-01,flat,7\n", 2020 + m / 12, m % 12 + 1));
            }
            text.push_str("2020-01-01,tiny,3\n");
        }
        let opts = AnalysisOptions {
            duplicates: policy,
            horizon,
            include_history: true,
            ..AnalysisOptions::default()
        };
        let must_report = readable_categories(&rows, constant);
        match analyze_bytes(text.as_bytes(), InputFormat::Csv, &opts) {
            Ok(report) => {
                let reported: BTreeSet<&str> =
                    report.series.iter().map(|s| s.category.as_str()).collect();
                for category in &must_report {
                    prop_assert!(
                        reported.contains(category.as_str()),
                        "series '{}' has a readable row but no report (got {:?})\n{}",
                        category,
                        reported,
                        text
                    );
                }
                round_trip(&report)?;
            }
            // Refusing is right only when no series has a single readable row.
            Err(e) => prop_assert!(
                must_report.is_empty(),
                "refused although {:?} have readable rows: {}\n{}",
                must_report,
                e,
                text
            ),
        }
    }
}

#[test]
fn overflowing_values_give_a_report_that_decodes() {
    let _timing = crate::timing::shared();
    // Two rows of the same month summed overflow to infinity: its statistics are not finite.
    let mut csv = String::from("date,value\n");
    for m in 0..24 {
        csv.push_str(&format!("2020-{:02}-01,1.7e308\n", m % 12 + 1));
    }
    let report = analyze_bytes(
        csv.as_bytes(),
        InputFormat::Csv,
        &AnalysisOptions::default(),
    )
    .expect("analyses");
    assert!(!report.series[0].stats.mean.is_finite());
    let text = serde_json::to_string(&report).expect("encodes");
    assert!(text.contains("\"mean\":null"), "{text}");
    let back: AnalysisReport = serde_json::from_str(&text).expect("decodes");
    assert!(back.series[0].stats.mean.is_nan());
}
