//! What an input costs: `cargo bench -p pintar-core --bench cost [-- FILE…]`.
//!
//! Runs the whole analysis, as `pintar analyze` and the server do (default budget), over
//! inputs built to be expensive for their size — the engine's fuzz shapes, its scaling
//! shapes, wide and long tables, series just dense enough to forecast, the far-apart files
//! of issue 17 — plus every CSV in `../shared/data` and any FILE given. For each it prints
//! the size, the process CPU seconds (every thread), CPU seconds per MB, and the cost
//! against the goal `1 s + 2 s per MB` (a ratio above 1 misses it). The last line names
//! the worst input.

#[path = "support/proc_stats.rs"]
mod proc_stats;

use pintar_core::analytics::{InputFormat, analyze_bytes, read_input};
use pintar_core::options::AnalysisOptions;
use proc_stats::{cpu_seconds, peak_rss_mib};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn day(i: usize) -> String {
    (chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid") + chrono::Days::new(i as u64))
        .to_string()
}

fn month(i: usize) -> String {
    format!("{}-{:02}", 1990 + i / 12, i % 12 + 1)
}

fn noisy(i: usize, s: usize) -> usize {
    100 + (i * 7919 + s * 104_729) % 613 + i / 3
}

/// A wide table: a date column and `columns` series of `rows` periods (`step` periods
/// apart, so `step` 2 leaves half of each grid to interpolate: just dense enough).
fn wide(columns: usize, rows: usize, step: usize, date: fn(usize) -> String) -> String {
    let mut out = String::from("date");
    for c in 0..columns {
        let _ = write!(out, ",s{c}");
    }
    out.push('\n');
    for r in 0..rows {
        out.push_str(&date(r * step));
        for c in 0..columns {
            let _ = write!(out, ",{}", noisy(r, c) % 10);
        }
        out.push('\n');
    }
    out
}

/// A long table: `series` categories of `rows` months.
fn long(series: usize, rows: usize) -> String {
    let mut out = String::from("date,category,value\n");
    for s in 0..series {
        for r in 0..rows {
            let _ = writeln!(out, "{},c{s},{}", month(r), noisy(r, s));
        }
    }
    out
}

/// `columns` series of three rows: two consecutive days, and one 999 days later.
fn far_apart(columns: usize) -> String {
    let mut out = String::from("date");
    for c in 0..columns {
        let _ = write!(out, ",s{c}");
    }
    out.push('\n');
    for date in ["2020-01-01", "2020-01-02", "2022-09-26"] {
        out.push_str(date);
        for c in 0..columns {
            let _ = write!(out, ",{}", c % 7 + 1);
        }
        out.push('\n');
    }
    out
}

/// JSON records with a key of their own each (the scaling test's shape).
fn json_records(n: usize) -> String {
    let records: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"date":"{}","k{i}":{}}}"#, day(i), noisy(i, 0)))
        .collect();
    format!("[{}]", records.join(","))
}

/// `n` inputs drawn from the fuzz test's CSV-like strategy (fixed seed).
fn fuzz_csv(n: usize) -> Vec<String> {
    let rows = proptest::collection::vec(
        (
            proptest::prop_oneof![
                "[0-9]{4}-[0-9]{1,2}(-[0-9]{1,2})?",
                "[0-9]{4}(-?Q[0-9])?",
                "[a-zA-Z0-9 /.:-]{0,12}",
            ],
            "[a-c]{0,2}",
            proptest::prop_oneof![
                "-?[0-9]{1,9}(\\.[0-9]{0,3})?",
                "[0-9,. eE+-]{0,10}",
                "NA|null|inf|NaN"
            ],
        ),
        0..60,
    );
    let mut runner = TestRunner::deterministic();
    (0..n)
        .filter_map(|_| rows.new_tree(&mut runner).ok())
        .map(|tree| {
            let mut text = String::from("date,category,value\n");
            for (d, c, v) in tree.current() {
                let _ = writeln!(text, "{d},{c},{v}");
            }
            text
        })
        .collect()
}

struct Cost {
    name: String,
    bytes: usize,
    cpu: f64,
    outcome: String,
}

impl Cost {
    fn mb(&self) -> f64 {
        self.bytes as f64 / 1e6
    }
    /// CPU time against the goal: above 1 misses it.
    fn ratio(&self) -> f64 {
        self.cpu / (1.0 + 2.0 * self.mb())
    }
}

fn measure(name: &str, bytes: &[u8], format: InputFormat) -> Cost {
    let opts = AnalysisOptions::default();
    let before = cpu_seconds();
    let outcome = match analyze_bytes(bytes, format, &opts) {
        Ok(r) => format!(
            "{} series, {} forecast",
            r.summary.series_count, r.summary.forecasted
        ),
        Err(e) => {
            let text = e.to_string();
            format!("refused: {}", text.chars().take(60).collect::<String>())
        }
    };
    Cost {
        name: name.to_string(),
        bytes: bytes.len(),
        cpu: cpu_seconds() - before,
        outcome,
    }
}

fn print(c: &Cost) {
    println!(
        "{:<34} {:>10} B {:>8.2} s cpu {:>7.2} s/MB  ratio {:>5.2}  {}",
        c.name,
        c.bytes,
        c.cpu,
        c.cpu / c.mb().max(1e-9),
        c.ratio(),
        c.outcome
    );
}

fn files(args: Vec<PathBuf>) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    found.retain(|p| p.extension().is_some_and(|e| e == "csv"));
    found.sort();
    found.extend(args);
    found
}

fn main() {
    let args: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let built: Vec<(String, String, InputFormat)> = vec![
        (
            "far apart, 1,000 columns".into(),
            far_apart(1_000),
            InputFormat::Csv,
        ),
        (
            "far apart, 10,000 columns".into(),
            far_apart(10_000),
            InputFormat::Csv,
        ),
        (
            "wide monthly 5,000 × 36".into(),
            wide(5_000, 36, 1, month),
            InputFormat::Csv,
        ),
        (
            "wide monthly 1,000 × 120".into(),
            wide(1_000, 120, 1, month),
            InputFormat::Csv,
        ),
        (
            "wide daily half-filled 1,000 × 200".into(),
            wide(1_000, 200, 2, day),
            InputFormat::Csv,
        ),
        (
            "wide daily 200 × 2,000".into(),
            wide(200, 2_000, 1, day),
            InputFormat::Csv,
        ),
        (
            "long 20,000 × 24 months".into(),
            long(20_000, 24),
            InputFormat::Csv,
        ),
        (
            "long 2,000 × 120 months".into(),
            long(2_000, 120),
            InputFormat::Csv,
        ),
        (
            "one daily series, 200,000 rows".into(),
            wide(1, 200_000, 1, day),
            InputFormat::Csv,
        ),
        (
            "json, a key per record, 20,000".into(),
            json_records(20_000),
            InputFormat::Json,
        ),
    ];
    let mut costs = Vec::new();
    println!("threads: {}", rayon::current_num_threads());
    for (name, text, format) in &built {
        let c = measure(name, text.as_bytes(), *format);
        print(&c);
        costs.push(c);
    }
    let fuzz = fuzz_csv(300);
    let worst_fuzz = fuzz
        .iter()
        .enumerate()
        .map(|(i, t)| measure(&format!("fuzz csv #{i}"), t.as_bytes(), InputFormat::Csv))
        .max_by(|a, b| a.ratio().total_cmp(&b.ratio()));
    if let Some(c) = worst_fuzz {
        println!("(worst of {} fuzz inputs)", fuzz.len());
        print(&c);
        costs.push(c);
    }
    for path in files(args) {
        match read_input(&path) {
            Ok((bytes, format)) => {
                let name = path
                    .file_name()
                    .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
                let c = measure(&name, &bytes, format);
                print(&c);
                costs.push(c);
            }
            Err(e) => println!("{}: {e}", path.display()),
        }
    }
    if let Some(worst) = costs.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio())) {
        println!(
            "worst against 1 s + 2 s/MB: {} ({:.2} s for {:.3} MB, ratio {:.2})",
            worst.name,
            worst.cpu,
            worst.mb(),
            worst.ratio()
        );
    }
    println!("peak RSS {:.0} MiB", peak_rss_mib());
    let per_mb = costs
        .iter()
        .filter(|c| c.bytes >= 100_000)
        .max_by(|a, b| (a.cpu / a.mb()).total_cmp(&(b.cpu / b.mb())));
    if let Some(w) = per_mb {
        println!(
            "worst s/MB of inputs of 100 KB or more: {} ({:.2} s/MB)",
            w.name,
            w.cpu / w.mb()
        );
    }
}
