//! Upload a CSV with an API key and print each series' forecast: the chosen model and every
//! forecast period with its 80 % and 95 % intervals. A large file may be queued as a job;
//! the SDK then waits for it.
//!
//! ```text
//! PINTAR_API_KEY=pk_… cargo run --example sdk_forecast -- examples/data/exports_sample.csv [HORIZON]
//! ```

use pintar_sdk::{Client, Error};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: sdk_forecast FILE.csv [HORIZON]");
        return ExitCode::from(2);
    };
    let horizon = match args.next().map(|h| h.parse::<usize>()) {
        None => None,
        Some(Ok(h)) => Some(h),
        Some(Err(_)) => {
            eprintln!("HORIZON must be a whole number of periods");
            return ExitCode::from(2);
        }
    };
    let Ok(key) = std::env::var("PINTAR_API_KEY") else {
        eprintln!("set PINTAR_API_KEY to an API key with the `analytics` scope");
        return ExitCode::from(2);
    };
    match run(&path, &key, horizon).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(path: &str, key: &str, horizon: Option<usize>) -> Result<(), Error> {
    let server = std::env::var("PINTAR_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8000".into());
    let client = Client::builder().base_url(server).api_key(key).build()?;

    let mut upload = client
        .analysis()
        .analyze_file(path)
        .await?
        .progress(|sent, total| {
            if let Some(total) = total.filter(|t| *t > 0) {
                eprint!("\ruploading {:>3} %", sent * 100 / total);
            }
        });
    if let Some(h) = horizon {
        upload = upload.horizon(h);
    }
    let report = upload.report().await?;
    eprintln!();

    for s in &report.series {
        let Some(f) = &s.forecast else {
            println!(
                "{}: no forecast ({:?}: {})",
                s.category,
                s.status,
                s.notes.join("; ")
            );
            continue;
        };
        println!(
            "{} ({}, {} periods) — model {}, MASE {:.2}",
            s.category, s.frequency, s.stats.count, f.model, f.backtest.mase
        );
        for p in &f.points {
            println!(
                "  {}  {:>12.2}   80% [{:>10.2}, {:>10.2}]   95% [{:>10.2}, {:>10.2}]",
                p.date, p.value, p.lower_80, p.upper_80, p.lower_95, p.upper_95
            );
        }
    }
    Ok(())
}
