//! Analyse a CSV or JSON file with the engine and print each series' forecast model and next
//! value: `cargo run --release --example analyze_file -- ../shared/data/classic_monthly.csv`.

use pintar_core::analytics::analyze_file;
use pintar_core::options::AnalysisOptions;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: analyze_file FILE")?;
    let report = analyze_file(path.as_ref(), &AnalysisOptions::default())?;
    for s in &report.series {
        match &s.forecast {
            Some(f) => {
                let next = f.points.first().map_or(f64::NAN, |p| p.value);
                println!("{:<24} {:<48} next {next:.2}", s.category, f.model);
            }
            None => println!("{:<24} no forecast ({:?})", s.category, s.status),
        }
    }
    Ok(())
}
