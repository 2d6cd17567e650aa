//! Every step of the pipeline is O(n log n) or better in the input size: an input four times
//! larger must cost nowhere near the 16× a quadratic step would. Each size runs three times
//! and the fastest run counts; the bound (10×, against about 4.5× expected) leaves room for a
//! loaded machine.

use pintar_core::analytics::stats::trend;
use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::options::AnalysisOptions;
use std::time::{Duration, Instant};

const BOUND: f64 = 10.0;

fn fastest(run: &dyn Fn()) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed()
        })
        .min()
        .expect("three runs")
}

fn assert_scales(what: &str, n: usize, run: impl Fn(usize)) {
    // One measurement at a time, with no other test of the binary running beside it.
    let _alone = crate::timing::alone();
    run(n); // warm up allocator and thread pool
    let small = fastest(&|| run(n));
    let large = fastest(&|| run(4 * n));
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    eprintln!("{what}: n={n} {small:?}, 4n {large:?}, ratio {ratio:.1}");
    assert!(
        ratio < BOUND,
        "{what}: 4× the input took {ratio:.1}× the time ({small:?} → {large:?})"
    );
}

fn analyze(text: &str, format: InputFormat) {
    analyze_bytes(text.as_bytes(), format, &AnalysisOptions::default()).expect("analyses");
}

fn day(i: usize) -> String {
    (chrono::NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid") + chrono::Days::new(i as u64))
        .to_string()
}

fn noisy(i: usize) -> f64 {
    (1000 + (i * 7919) % 613 + i / 10) as f64
}

#[test]
fn trend_tests_scale() {
    assert_scales("Mann–Kendall and Sen's slope", 50_000, |n| {
        let values: Vec<f64> = (0..n).map(noisy).collect();
        assert!(trend(&values).is_some());
    });
}

#[test]
fn json_with_a_key_per_record_scales() {
    assert_scales("JSON records with one unique key each", 5_000, |n| {
        let records: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"date":"{}","category":"c{}","value":{},"id_{i}":{i}}}"#,
                    day(i / 4),
                    i % 4,
                    noisy(i)
                )
            })
            .collect();
        analyze(&format!("[{}]", records.join(",")), InputFormat::Json);
    });
}

#[test]
fn many_categories_scale() {
    assert_scales("long CSV with many categories", 3_000, |n| {
        let mut csv = String::from("date,category,value\n");
        for c in 0..n {
            for m in 0..3 {
                csv.push_str(&format!("2024-{:02}-01,cat{c},{}\n", m + 1, noisy(c + m)));
            }
        }
        analyze(&csv, InputFormat::Csv);
    });
}

#[test]
fn one_long_series_scales() {
    assert_scales("one daily series", 25_000, |n| {
        let mut csv = String::from("date,value\n");
        for i in 0..n {
            csv.push_str(&format!("{},{}\n", day(i), noisy(i)));
        }
        analyze(&csv, InputFormat::Csv);
    });
}

/// The figure quoted in `bench/README.md`: `cargo test --release -p pintar-core --test engine
/// scaling:: -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark figure, about a second in release"]
fn trend_of_a_million_points() {
    let values: Vec<f64> = (0..1_000_000).map(noisy).collect();
    let started = Instant::now();
    let t = trend(&values).expect("long enough");
    let elapsed = started.elapsed();
    eprintln!(
        "trend of a million points: {elapsed:?} (Sen's slope {})",
        t.sen_slope
    );
    assert!(t.sen_slope.is_finite() && elapsed < Duration::from_secs(60));
}
