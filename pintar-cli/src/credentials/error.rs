//! What can go wrong storing credentials, in words a user can act on.

use crate::config::ConfigError;
use std::path::PathBuf;
use thiserror::Error;

/// An error saving, loading or deleting credentials.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The keyring cannot be used and the file fallback is switched off.
    #[error(
        "the OS keyring is unavailable ({reason}) and --no-file-fallback forbids storing credentials in {file}; \
         unlock or start a keyring (Secret Service), or drop --no-file-fallback"
    )]
    KeyringUnavailable {
        /// Why the keyring is unusable.
        reason: String,
        /// The fallback file that was not used.
        file: String,
    },
    /// The profile's credentials are in the keyring, which cannot be read now.
    #[error(
        "the credentials of profile `{profile}` are in the OS keyring, which cannot be read now ({reason}); \
         unlock the keyring, or log in again with `pintar auth login`"
    )]
    KeyringRead {
        /// The profile.
        profile: String,
        /// Why.
        reason: String,
    },
    /// The keyring entry could not be deleted.
    #[error(
        "could not remove the credentials of profile `{profile}` from the OS keyring ({reason}); \
         try again, or delete the `pintar-ekspor` entry with your keyring tool"
    )]
    KeyringDelete {
        /// The profile.
        profile: String,
        /// Why.
        reason: String,
    },
    /// The keyring entry is not credentials this CLI wrote.
    #[error(
        "the keyring entry of profile `{profile}` is damaged ({message}); log in again with `pintar auth login`"
    )]
    CorruptEntry {
        /// The profile.
        profile: String,
        /// What the JSON parser said.
        message: String,
    },
    /// The credentials file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    FileRead {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The credentials file could not be written or removed.
    #[error("cannot write {}: {source}", path.display())]
    FileWrite {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The credentials file is not valid.
    #[error("{}, line {line}, column {column}: {message}; remove the file and log in again", path.display())]
    CorruptFile {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// Recording the store in `config.toml` failed.
    #[error(transparent)]
    Config(#[from] ConfigError),
}
