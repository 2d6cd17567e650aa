//! `pintar analyze FILE`: local analysis with tables and charts, JSON or CSV.

use super::options;
use crate::cli::AnalyzeArgs;
use crate::error::CliError;
use crate::printer::Printer;
use crate::render;
use pintar_core::analytics::{analyze_with_progress, read_input};
use pintar_core::report::AnalysisReport;
use std::fmt::Write as _;

/// Inputs at least this large get a progress bar (on a terminal).
const PROGRESS_BYTES: usize = 1 << 20;
/// Charts drawn when no `--category` is given.
const DEFAULT_CHARTS: usize = 3;

/// Runs the analysis locally and prints it in the chosen form.
pub fn run(args: &AnalyzeArgs, printer: &Printer, json: bool) -> Result<(), CliError> {
    let opts = options(&args.input, args.horizon);
    let (bytes, format) = read_input(&args.input.file)?;
    let bar = if bytes.len() >= PROGRESS_BYTES {
        printer.progress(0, "analysing")
    } else {
        indicatif::ProgressBar::hidden()
    };
    let report = analyze_with_progress(&bytes, format, &opts, &|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    drop(bytes);
    present(&report, args, printer, json)
}

/// Prints a report, local or remote alike: JSON, the per-period CSV, or the summary table
/// and charts.
pub fn present(
    report: &AnalysisReport,
    args: &AnalyzeArgs,
    printer: &Printer,
    json: bool,
) -> Result<(), CliError> {
    if json && args.csv {
        return Err(CliError::Usage("choose one of --json and --csv".into()));
    }
    let output = args.output.as_deref();
    let text = if json {
        let json = if output.is_none() && printer.stdout_is_terminal() {
            serde_json::to_string_pretty(report)
        } else {
            serde_json::to_string(report)
        };
        json.map_err(|e| CliError::Internal(format!("cannot encode the report: {e}")))? + "\n"
    } else if args.csv {
        render::periods_csv(report)?
    } else {
        for w in report.summary.warnings.iter().take(5) {
            printer.warn(&format!(
                "row {}, column '{}': {}",
                w.row, w.column, w.message
            ));
        }
        if report.summary.warnings.len() > 5 {
            printer.note(&format!(
                "(first 5 of {} warnings shown; --json lists up to 50)",
                report.summary.warnings.len()
            ));
        }
        let width = render::output_width(output.is_none());
        let mut text = render::summary(
            report,
            &args.input.file.display().to_string(),
            args.limit,
            width,
        );
        if !args.no_chart {
            let chosen: Vec<_> = if args.input.categories.is_empty() {
                report.series.iter().take(DEFAULT_CHARTS).collect()
            } else {
                report.series.iter().collect()
            };
            for s in &chosen {
                let _ = write!(
                    text,
                    "\n{}",
                    render::chart(s, printer.color() && output.is_none(), width)
                );
            }
            if args.input.categories.is_empty() && report.series.len() > DEFAULT_CHARTS {
                printer.note(&format!(
                    "charts shown for the first {DEFAULT_CHARTS} of {} series; pick others with --category",
                    report.series.len()
                ));
            }
        }
        text
    };
    printer.emit(output, &text)
}
