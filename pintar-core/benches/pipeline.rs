//! Whole-pipeline benchmark: `cargo bench -p pintar-core --bench pipeline [-- FILE…]`.
//!
//! For each file (default: every CSV in `../shared/data`), runs the full analysis (ingest,
//! cleaning, statistics, trend tests, seasonality, model choice and forecast) as `pintar
//! analyze` does, three times, and prints wall time, process CPU time per series and peak RSS.
//! CPU time and RSS come from `/proc/self` (Linux).

use pintar_core::analytics::{analyze_bytes, read_input};
use pintar_core::options::AnalysisOptions;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[path = "support/proc_stats.rs"]
mod proc_stats;

use proc_stats::{cpu_seconds, peak_rss_mib};

fn bench(path: &Path) {
    let Ok((bytes, format)) = read_input(path) else {
        println!("{}: cannot read", path.display());
        return;
    };
    let opts = AnalysisOptions::default();
    let mut best: Option<(f64, f64, usize)> = None;
    for _ in 0..3 {
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        let report = match analyze_bytes(&bytes, format, &opts) {
            Ok(r) => r,
            Err(e) => {
                println!("{}: {e}", path.display());
                return;
            }
        };
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        let n = report.series.len();
        if best.is_none_or(|(w, _, _)| wall < w) {
            best = Some((wall, cpu, n));
        }
    }
    if let Some((wall, cpu, n)) = best {
        println!(
            "{:<32} {:>6} series  wall {:>7.3} s  cpu {:>7.3} s  cpu/series {:>6.3} ms  peak RSS {:>6.0} MiB",
            path.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
            n,
            wall,
            cpu,
            cpu * 1e3 / n.max(1) as f64,
            peak_rss_mib()
        );
    }
}

fn main() {
    let files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let files = if files.is_empty() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        found.retain(|p| p.extension().is_some_and(|e| e == "csv"));
        found.sort();
        found
    } else {
        files
    };
    println!("threads: {}", rayon::current_num_threads());
    for f in &files {
        bench(f);
    }
}
