//! Command-line arguments (clap). Command logic lives in `commands/`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use pintar_core::Frequency;
use pintar_core::options::{DuplicatePolicy, OutlierPolicy};
use std::path::PathBuf;

/// Exit codes, documented in `pintar --help` and the README.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  unexpected failure (a bug: please report it)
  2  usage error (unknown flag, bad option value)
  3  input error (unreadable file, no usable rows, bad data)
  4  output error (cannot write the output file)";

/// Pintar Ekspor: learn export trade, and analyse and forecast export data.
#[derive(Debug, Parser)]
#[command(name = "pintar", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Print nothing but the requested data (no progress, no notes).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Clean, analyse and forecast a CSV or JSON file of time series, locally.
    Analyze(AnalyzeArgs),
    /// Score the forecasting models on the last H points of every series.
    Backtest(BacktestArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Options shared by `analyze` and `backtest` that steer reading and cleaning.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The data file: CSV or JSON, long (date,category,value) or wide layout.
    pub file: PathBuf,
    /// Force the frequency instead of detecting it.
    #[arg(long, value_parser = parse_frequency)]
    pub frequency: Option<Frequency>,
    /// How to merge several values for the same period.
    #[arg(long, value_enum, default_value_t = Duplicates::Sum)]
    pub duplicates: Duplicates,
    /// What to do with outliers (IQR rule).
    #[arg(long, value_enum, default_value_t = Outliers::Cap)]
    pub outliers: Outliers,
    /// IQR multiplier for the outlier fences.
    #[arg(long, default_value_t = 1.5)]
    pub iqr: f64,
    /// Date format for unusual dates, strftime style (e.g. "%d/%m/%Y").
    #[arg(long)]
    pub date_format: Option<String>,
    /// Only these series (repeat the flag or separate with commas).
    #[arg(long = "category", short = 'c', value_delimiter = ',')]
    pub categories: Vec<String>,
}

/// `pintar analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Input selection and cleaning.
    #[command(flatten)]
    pub input: InputArgs,
    /// Forecast horizon in periods (default: one season; 5 for yearly data).
    #[arg(long, short = 'H')]
    pub horizon: Option<usize>,
    /// Print the full report as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print the per-period table as CSV (history and forecast).
    #[arg(long)]
    pub csv: bool,
    /// Write the output to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Do not draw charts.
    #[arg(long)]
    pub no_chart: bool,
    /// Rows shown in the summary table.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `pintar backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Input selection and cleaning.
    #[command(flatten)]
    pub input: InputArgs,
    /// Points held out at the end of every series.
    #[arg(long, short = 'H', default_value_t = 12)]
    pub horizon: usize,
    /// Print the results as JSON (with per-series detail).
    #[arg(long)]
    pub json: bool,
}

/// Duplicate-date policy on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Duplicates {
    /// Add them up.
    Sum,
    /// Average them.
    Mean,
    /// Keep the first in file order.
    First,
    /// Keep the last in file order.
    Last,
}

impl From<Duplicates> for DuplicatePolicy {
    fn from(d: Duplicates) -> Self {
        match d {
            Duplicates::Sum => DuplicatePolicy::Sum,
            Duplicates::Mean => DuplicatePolicy::Mean,
            Duplicates::First => DuplicatePolicy::First,
            Duplicates::Last => DuplicatePolicy::Last,
        }
    }
}

/// Outlier policy on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Outliers {
    /// Pull them back to the fence.
    Cap,
    /// Report them, change nothing.
    Keep,
    /// Drop and interpolate them.
    Remove,
}

impl From<Outliers> for OutlierPolicy {
    fn from(o: Outliers) -> Self {
        match o {
            Outliers::Cap => OutlierPolicy::Cap,
            Outliers::Keep => OutlierPolicy::Keep,
            Outliers::Remove => OutlierPolicy::Remove,
        }
    }
}

fn parse_frequency(s: &str) -> Result<Frequency, String> {
    s.parse()
}
