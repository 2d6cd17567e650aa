//! The one error type of the CLI, and its exit codes.

use thiserror::Error;

/// What went wrong, grouped by who can fix it.
#[derive(Debug, Error)]
pub enum CliError {
    /// The input file or its data is at fault (exit 3).
    #[error(transparent)]
    Input(#[from] pintar_core::AnalyticsError),
    /// The output could not be written (exit 4).
    #[error("cannot write {target}: {source}")]
    Output {
        /// Where we tried to write.
        target: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// Anything else: a bug (exit 1).
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) => 3,
            CliError::Output { .. } => 4,
            CliError::Internal(_) => 1,
        }
    }

    /// Wraps an I/O error on the output.
    pub fn output(target: &str, source: std::io::Error) -> Self {
        CliError::Output {
            target: target.to_string(),
            source,
        }
    }
}
