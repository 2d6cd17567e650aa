//! The one error type of `pintar-core`.

use thiserror::Error;

/// Why an analysis could not run. Every variant reading input names where the problem is.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AnalyticsError {
    /// The input is empty or has no data rows.
    #[error("the input has no data rows")]
    Empty,
    /// The CSV could not be read.
    #[error("CSV could not be read: {0}")]
    Csv(String),
    /// The JSON could not be read.
    #[error("JSON could not be read: {0}")]
    Json(String),
    /// A required column is missing.
    #[error("no {what} column found (columns are: {found}); {hint}")]
    MissingColumn {
        /// Which role the column plays (date, value).
        what: &'static str,
        /// The columns that were present.
        found: String,
        /// What names are accepted.
        hint: &'static str,
    },
    /// A cell could not be understood and no usable rows remain.
    #[error("row {row}, column '{column}': {message}")]
    Cell {
        /// 1-based data row number (the header is row 0 for CSV; the first record is row 1).
        row: usize,
        /// Column name as written in the file.
        column: String,
        /// What is wrong with it.
        message: String,
    },
    /// A wide input has more series columns than allowed.
    #[error(
        "the input has {columns} series columns, more than the {limit} a wide file may have; use the long layout (date, category, value) for more series"
    )]
    TooManyColumns {
        /// Series columns found.
        columns: usize,
        /// The most allowed.
        limit: usize,
    },
    /// An option is out of range.
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// None of the requested categories exist in the input.
    #[error("no series matches the requested categories ({requested}); available: {available}")]
    NoSuchCategory {
        /// The requested names.
        requested: String,
        /// Some of the names present.
        available: String,
    },
    /// The series would lay more periods on their grids than the analysis may.
    #[error(
        "this input would lay more than {allowed} periods on its series' grids ({per_value} per value read, at least {free}, at most {ceiling}): check the dates, or choose a coarser frequency"
    )]
    TooManyPoints {
        /// Periods this input may lay.
        allowed: usize,
        /// Periods allowed per value read.
        per_value: usize,
        /// Periods any input may lay.
        free: usize,
        /// The ceiling.
        ceiling: usize,
    },
    /// The analysis passed its deadline.
    #[error(
        "the analysis did not finish within {seconds} s (it stopped after {done} of {total} series); send fewer or shorter series"
    )]
    DeadlineExceeded {
        /// The time allowed.
        seconds: u64,
        /// Series analysed before it stopped.
        done: usize,
        /// Series in the input.
        total: usize,
    },
    /// A series name is longer than allowed.
    #[error(
        "row {row}: the series name is {length} characters long, more than the {limit} allowed"
    )]
    NameTooLong {
        /// The first row naming it.
        row: usize,
        /// Its length in characters.
        length: usize,
        /// The most allowed.
        limit: usize,
    },
    /// Writing an output (the per-period table) failed.
    #[error("cannot write the output: {0}")]
    Write(String),
    /// Reading a file failed.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file path.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
