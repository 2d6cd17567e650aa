//! The one error type of the CLI, and its exit codes (documented in `cli::EXIT_CODES`).

use thiserror::Error;

/// What went wrong, grouped by who can fix it.
#[derive(Debug, Error)]
pub enum CliError {
    /// The input file or its data is at fault (exit 3).
    #[error(transparent)]
    Input(#[from] pintar_core::AnalyticsError),
    /// A file to send could not be read, or is not what was expected (exit 3).
    #[error("{0}")]
    BadInput(String),
    /// The output could not be written (exit 4).
    #[error("cannot write {target}: {source}")]
    Output {
        /// Where we tried to write.
        target: String,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The command was used wrongly (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The server, or the way to it, refused or failed (exit by cause).
    #[error("{}", describe(.0))]
    Api(#[from] pintar_sdk::Error),
    /// What the command names does not exist (exit 7).
    #[error("{0}")]
    NotFound(String),
    /// Credentials are needed and there are none (exit 5).
    #[error("{0}")]
    NotSignedIn(String),
    /// The config file or a setting is wrong (exit 2).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Credentials could not be stored, read or removed (exit 5).
    #[error(transparent)]
    Store(#[from] crate::credentials::StoreError),
    /// Anything else: a bug (exit 1).
    #[error("{0}")]
    Internal(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Input(_) | CliError::BadInput(_) => 3,
            CliError::Output { .. } => 4,
            CliError::Usage(_) => 2,
            CliError::NotSignedIn(_) => 5,
            CliError::NotFound(_) => 7,
            CliError::Api(e) => api_exit_code(e),
            CliError::Config(_) => 2,
            CliError::Store(_) => 5,
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

/// Exit codes of SDK errors: one per thing the user can do about it.
fn api_exit_code(e: &pintar_sdk::Error) -> u8 {
    use pintar_sdk::Error as E;
    match e {
        E::Unauthenticated(_) => 5,
        E::Transport(_) | E::Timeout(_) => 9,
        E::Io { .. } => 3,
        E::Config(_) => 2,
        E::Api(a) => match a.status {
            401 => 5,
            403 => 6,
            404 => 7,
            429 => 8,
            409 => 10,
            502..=504 => 9,
            400..=499 => 3,
            _ => 1,
        },
        _ => 1,
    }
}

/// The SDK error as a user should read it: the server's words, the fields at fault, and
/// what to do next.
fn describe(e: &pintar_sdk::Error) -> String {
    let Some(api) = e.api() else {
        return match e {
            pintar_sdk::Error::Unauthenticated(m) => {
                format!("{m} (run `pintar auth login`, or set PINTAR_API_KEY)")
            }
            other => other.to_string(),
        };
    };
    let mut text = api.detail.clone();
    for f in &api.errors {
        text.push_str(&format!("\n  {}: {}", f.field, f.message));
    }
    match api.status {
        401 => text.push_str("\n(sign in with `pintar auth login`)"),
        429 | 503 => {
            if let Some(after) = api.retry_after {
                text.push_str(&format!("\n(try again in {} s)", after.as_secs().max(1)));
            }
        }
        _ => {}
    }
    if let Some(id) = &api.request_id
        && api.status >= 500
    {
        text.push_str(&format!("\n(request id {id})"));
    }
    text
}
