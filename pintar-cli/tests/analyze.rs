//! The `pintar` binary, run as a user or a script would.

use assert_cmd::Command;
use predicates::prelude::*;
use std::io::Write;
use tempfile::NamedTempFile;

fn pintar() -> Command {
    let mut cmd = Command::cargo_bin("pintar").expect("binary builds");
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Two monthly series over five years, shuffled, with a duplicate and a missing value.
fn exports_csv() -> NamedTempFile {
    let mut rows = Vec::new();
    for (c, base) in [("coffee:USA", 800.0), ("tea:JPN", 300.0)] {
        for i in 0..60 {
            let season = 1.0 + 0.25 * (i as f64 * std::f64::consts::TAU / 12.0).sin();
            let v = (base + 5.0 * i as f64) * season + ((i * 7919 % 13) as f64 - 6.0);
            rows.push(format!("{}-{:02}-01,{c},{v:.2}", 2019 + i / 12, i % 12 + 1));
        }
    }
    rows.push("2021-05-01,tea:JPN,".into());
    rows.reverse();
    let mut f = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    writeln!(f, "date,category,value\n{}", rows.join("\n")).expect("write");
    f
}

#[test]
fn human_output_has_a_table_and_a_chart() {
    let f = exports_csv();
    pintar()
        .args(["analyze", f.path().to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("coffee:USA"))
        .stdout(predicate::str::contains("next"))
        .stdout(predicate::str::contains("⠀")) // braille chart canvas
        .stdout(predicate::str::contains("forecast by"));
}

/// The sample shipped with the repository.
fn sample_file() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/data/exports_sample.csv")
}

/// `pintar analyze` on the sample with `COLUMNS=width`, run from the sample's folder so the
/// file name is short.
fn analyze_sample(width: usize) -> String {
    let file = sample_file();
    let out = pintar()
        .current_dir(file.parent().expect("a folder"))
        .env("COLUMNS", width.to_string())
        .args(["analyze", "exports_sample.csv", "-c"])
        .arg(CATEGORIES.join(","))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The series in `examples/data/exports_sample.csv`.
const CATEGORIES: [&str; 6] = [
    "coal:USA",
    "cocoa:USA",
    "coffee:USA",
    "nickel:USA",
    "palm_oil:USA",
    "rubber:USA",
];

#[test]
fn output_fits_the_columns_without_breaking_words() {
    for width in [60, 80, 100] {
        let text = analyze_sample(width);
        for line in text.lines() {
            assert!(
                line.chars().count() <= width,
                "{width}: a line of {} chars: {line}\n{text}",
                line.chars().count()
            );
        }
        // Each series has one table row, its name whole in the first column.
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("│ ")).collect();
        assert_eq!(
            rows.len(),
            1 + CATEGORIES.len(),
            "{width}: header and rows\n{text}"
        );
        for c in CATEGORIES {
            assert!(
                rows.iter().any(|r| r.starts_with(&format!("│ {c} "))),
                "{width}: {c}\n{text}"
            );
        }
        for header in ["series", "last", "next"] {
            assert!(rows[0].contains(header), "{width}: {header}\n{text}");
        }
        // Numbers are whole: every cell of a row is a single token, or an arrow and a slope.
        for row in &rows[1..] {
            for cell in row
                .split(['│', '┆'])
                .map(str::trim)
                .filter(|c| !c.is_empty())
            {
                assert!(
                    cell.split(' ').count() <= 3,
                    "{width}: cell '{cell}' looks split\n{text}"
                );
            }
        }
        // The chart's x axis is labelled with months, not indices.
        let month = |w: &str| {
            w.len() == 7 && w.as_bytes()[4] == b'-' && w.replace('-', "").parse::<u32>().is_ok()
        };
        let axes: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(' ') && l.split_whitespace().next().is_some_and(month))
            .collect();
        assert_eq!(axes.len(), CATEGORIES.len(), "one chart each\n{text}");
        for axis in axes {
            let labels: Vec<&str> = axis.split_whitespace().collect();
            assert!(
                labels.len() >= 2 && labels.iter().all(|l| month(l)),
                "{axis}"
            );
        }
    }
}

#[test]
fn json_output_is_the_report() {
    let f = exports_csv();
    let out = pintar()
        .args([
            "analyze",
            f.path().to_str().expect("utf-8 path"),
            "--json",
            "-H",
            "6",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let report: pintar_core::report::AnalysisReport =
        serde_json::from_slice(&out.stdout).expect("report JSON");
    assert_eq!(report.series.len(), 2);
    assert_eq!(report.series[0].category, "coffee:USA");
    let f0 = report.series[0].forecast.as_ref().expect("forecast");
    assert_eq!(f0.points.len(), 6);
    assert_eq!(f0.points[0].date.to_string(), "2024-01-01");
    // The empty row shares its month with a valued row: a duplicate date, not a gap.
    assert_eq!(report.series[1].quality.duplicate_dates, 1);
    assert_eq!(report.series[1].quality.missing_values, 0);
}

#[test]
fn csv_output_lists_history_then_forecast() {
    let f = exports_csv();
    let out = pintar()
        .args([
            "analyze",
            f.path().to_str().expect("utf-8 path"),
            "--csv",
            "-c",
            "tea:JPN",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "date,category,value,cleaned,ma_3,ma_season,forecast,lower_80,upper_80,lower_95,upper_95"
    );
    assert_eq!(lines.len(), 1 + 60 + 12);
    assert!(lines[1].starts_with("2019-01-01,tea:JPN,"));
    assert!(
        lines[3].split(',').nth(4).is_some_and(|ma| !ma.is_empty()),
        "3-period MA from the third row"
    );
    let forecast: Vec<&str> = lines[61].split(',').collect();
    assert_eq!(forecast[0], "2024-01-01");
    assert!(forecast[2].is_empty() && !forecast[6].is_empty());
}

#[test]
fn output_file_is_written_whole() {
    let f = exports_csv();
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("report.json");
    pintar()
        .args([
            "analyze",
            f.path().to_str().expect("utf-8 path"),
            "--json",
            "-o",
        ])
        .arg(&target)
        .assert()
        .success()
        .stdout(predicate::str::is_empty());
    let text = std::fs::read_to_string(&target).expect("written");
    assert!(text.contains("\"series\""));
}

#[test]
fn bad_input_exits_3_with_a_readable_message() {
    pintar()
        .args(["analyze", "/no/such/file.csv"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot read /no/such/file.csv"));
    let mut f = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    writeln!(f, "when,amount\nyesterday,5").expect("write");
    pintar()
        .args(["analyze", f.path().to_str().expect("utf-8 path")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no date column"))
        .stdout(predicate::str::is_empty());
    let mut g = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    writeln!(g, "date,value\nsoon,5\nlater,6").expect("write");
    pintar()
        .args(["analyze", g.path().to_str().expect("utf-8 path")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("row 1, column 'date'"));
}

#[test]
fn unknown_category_lists_the_real_ones() {
    let f = exports_csv();
    pintar()
        .args([
            "analyze",
            f.path().to_str().expect("utf-8 path"),
            "-c",
            "cofee",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("available: coffee:USA, tea:JPN"));
}

#[test]
fn usage_errors_exit_2() {
    pintar().args(["analyze"]).assert().code(2);
    pintar()
        .args(["analyze", "x.csv", "--outliers", "sometimes"])
        .assert()
        .code(2);
    pintar()
        .args(["analyze", "x.csv", "--frequency", "hourly"])
        .assert()
        .code(2);
}

#[test]
fn backtest_reports_every_model() {
    let f = exports_csv();
    let out = pintar()
        .args([
            "backtest",
            f.path().to_str().expect("utf-8 path"),
            "-H",
            "12",
            "--json",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["series"], 2);
    let names: Vec<&str> = v["models"]
        .as_array()
        .expect("models")
        .iter()
        .filter_map(|m| m["model"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "auto",
            "seasonal_naive",
            "naive",
            "drift",
            "ets",
            "theta",
            "combination"
        ]
    );
    for m in v["models"].as_array().expect("models") {
        let cov = m["coverage_95"].as_f64().expect("coverage");
        assert!((0.0..=1.0).contains(&cov));
    }
    pintar()
        .args(["backtest", f.path().to_str().expect("utf-8 path")])
        .assert()
        .success()
        .stdout(predicate::str::contains("95% coverage"))
        .stdout(predicate::str::contains("ms per series"));
}

#[test]
fn completions_are_printed() {
    pintar()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_pintar"));
}

#[test]
fn help_documents_exit_codes() {
    pintar()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("3  input error"));
}

/// `columns` series of three rows: two consecutive days and one 999 days later.
fn far_apart(columns: usize) -> NamedTempFile {
    let mut f = tempfile::Builder::new()
        .suffix(".csv")
        .tempfile()
        .expect("temp file");
    let header: Vec<String> = (0..columns).map(|c| format!("s{c}")).collect();
    writeln!(f, "date,{}", header.join(",")).expect("write");
    for date in ["2020-01-01", "2020-01-02", "2022-09-26"] {
        let cells: Vec<String> = (0..columns).map(|c| (c % 7 + 1).to_string()).collect();
        writeln!(f, "{date},{}", cells.join(",")).expect("write");
    }
    f
}

#[test]
fn a_small_file_that_would_lay_a_huge_grid_is_an_input_error_at_once() {
    // 10.9 KB and 119 KB: they took 41 s and more than 300 s before the bound.
    for columns in [1_000, 10_000] {
        let f = far_apart(columns);
        let started = std::time::Instant::now();
        pintar()
            .args(["analyze", f.path().to_str().expect("utf-8 path")])
            .timeout(std::time::Duration::from_secs(60))
            .assert()
            .code(3)
            .stderr(predicate::str::contains("periods"))
            .stderr(predicate::str::contains("coarser frequency"));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{columns} columns: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn credentials_for_plain_http_to_another_machine_come_with_a_warning() {
    let config = tempfile::tempdir().expect("config dir");
    let login = |extra: &[&str]| {
        let mut cmd = pintar();
        cmd.env("PINTAR_CONFIG_DIR", config.path())
            .env_remove("PINTAR_ALLOW_HTTP")
            .args(["--server", "http://0.0.0.0:9"])
            .args(extra)
            .args([
                "auth",
                "login",
                "--email",
                "a@example.id",
                "--password-stdin",
            ])
            .write_stdin("kopi-luwak-2024\n")
            .timeout(std::time::Duration::from_secs(60));
        cmd.output().expect("runs")
    };
    let out = login(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(9),
        "nothing listens there: {stderr}"
    );
    let warning = stderr
        .find("unencrypted")
        .expect("warned before sending the password");
    let failure = stderr.find("error:").expect("then the failure");
    assert!(warning < failure, "{stderr}");
    assert!(stderr.contains("--allow-http"), "{stderr}");
    let out = login(&["--allow-http"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("unencrypted"));
}
