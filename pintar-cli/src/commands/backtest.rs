//! `pintar backtest FILE --horizon H`: accuracy and coverage of every model in the pool.

use super::options;
use crate::cli::BacktestArgs;
use crate::error::CliError;
use crate::printer::Printer;
use crate::render;
use pintar_core::analytics::backtest::backtest_bytes;
use pintar_core::analytics::read_input;

/// Runs the backtest and prints the table (or JSON).
pub fn run(args: &BacktestArgs, printer: &Printer, json: bool) -> Result<(), CliError> {
    let opts = options(&args.input, Some(args.horizon));
    let (bytes, format) = read_input(&args.input.file)?;
    let bar = printer.progress(0, "backtesting");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let report = backtest_bytes(&bytes, format, args.horizon, &opts)?;
    let wall = started.elapsed();
    bar.finish_and_clear();
    let text = if json {
        serde_json::to_string_pretty(&report)
            .map_err(|e| CliError::Internal(format!("cannot encode the backtest: {e}")))?
            + "\n"
    } else {
        render::backtest(&report, wall)
    };
    if report.series == 0 {
        printer.warn(&format!(
            "no series is long enough to hold out {} points; try a smaller --horizon",
            args.horizon
        ));
    }
    printer.emit(None, &text)
}
