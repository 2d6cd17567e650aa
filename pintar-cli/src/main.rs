//! `pintar`: the Pintar Ekspor command line.

mod cli;
mod commands;
// The API behind `pintar config` and `pintar auth`; the commands wiring it come next.
#[allow(dead_code, unused_imports)]
mod config;
#[allow(dead_code, unused_imports)]
mod credentials;
mod error;
mod printer;
mod render;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let printer = printer::Printer::new(args.quiet);
    let result = match args.command {
        cli::Command::Analyze(a) => commands::analyze::run(&a, &printer),
        cli::Command::Backtest(b) => commands::backtest::run(&b, &printer),
        cli::Command::Completions { shell } => commands::completions::run(shell),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
