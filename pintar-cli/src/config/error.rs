//! What can go wrong with the config file, in words a user can act on.

use std::path::PathBuf;
use thiserror::Error;

/// An error reading, validating or writing `config.toml`.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// Neither `PINTAR_CONFIG_DIR`, `XDG_CONFIG_HOME` nor a home directory is known.
    #[error("cannot find a config directory: set PINTAR_CONFIG_DIR or HOME")]
    NoConfigDir,
    /// The file (or its directory) exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or a known key has the wrong type.
    #[error("{}, line {line}, column {column}: {message} (fix or remove that line)", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A key that `pintar config` does not know.
    #[error("unknown config key `{key}`; known keys: {known}")]
    UnknownKey {
        /// The key as given.
        key: String,
        /// The known keys, comma-separated.
        known: String,
    },
    /// A value that does not fit its key.
    #[error("invalid {key} {value:?} ({origin}): {reason}")]
    InvalidValue {
        /// The key.
        key: &'static str,
        /// The value as given.
        value: String,
        /// Where the value came from (`--server`, `env PINTAR_SERVER`, a file and profile, ...).
        origin: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },
    /// A key the CLI maintains itself.
    #[error("`{key}` is managed by `pintar auth login` and `pintar auth logout`, not set by hand")]
    ReadOnly {
        /// The key.
        key: &'static str,
    },
    /// A profile name that cannot be used.
    #[error("invalid profile name {name:?}: use 1 to 64 letters, digits, '-', '_' or '.'")]
    InvalidProfileName {
        /// The name as given.
        name: String,
    },
}
