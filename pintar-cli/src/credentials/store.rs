//! Saving, loading and deleting a profile's credentials: the OS keyring when a
//! probe shows it works, else (if allowed) the owner-only file, with one warning.
//! `config.toml` records which store holds each profile (`credentials_store`), so
//! `load` looks in the right place without touching a keyring it never used.

use super::backend::{BackendError, SecretBackend, timed};
use super::file_store::FileStore;
use super::os_keyring::{KEYRING_SERVICE, OsKeyring};
use super::{Credentials, StoreError};
use crate::config::{Config, display_path, validate_profile_name};
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The time limit on each keyring call (a probe counts as one call).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
/// The profile key in `config.toml` that records the store.
pub const STORE_KEY: &str = "credentials_store";

/// Which store holds a profile's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    /// The OS keyring.
    Keyring,
    /// `credentials.json` in the config directory.
    File,
}

impl StoreKind {
    /// The value written to `credentials_store`.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::Keyring => "keyring",
            StoreKind::File => "file",
        }
    }

    /// Reads a `credentials_store` value; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "keyring" => Some(StoreKind::Keyring),
            "file" => Some(StoreKind::File),
            _ => None,
        }
    }
}

/// Where credentials were found or put; displays as `keyring` or `file PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The OS keyring.
    Keyring,
    /// The fallback file.
    File(PathBuf),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Keyring => f.write_str("keyring"),
            Location::File(path) => write!(f, "file {}", display_path(path)),
        }
    }
}

/// How the store behaves.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Fall back to the owner-only file when the keyring is unusable
    /// (`--no-file-fallback` sets this to false: then that is an error).
    pub allow_file_fallback: bool,
    /// The time limit on each keyring call.
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            allow_file_fallback: true,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// The result of [`CredentialStore::save`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Where the credentials went.
    pub location: Location,
    /// One line for stderr when the file fallback was used (print as `warning: ...`).
    pub warning: Option<String>,
}

/// The result of [`CredentialStore::load`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The credentials.
    pub credentials: Credentials,
    /// Where they were found.
    pub location: Location,
    /// One line for stderr, e.g. the file is readable by others.
    pub warning: Option<String>,
}

/// The result of [`CredentialStore::delete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// The stores that held credentials of the profile (empty: nothing to delete).
    pub removed_from: Vec<Location>,
}

/// Keeps each profile's [`Credentials`] in the OS keyring or the fallback file.
///
/// All methods are synchronous and bounded in time; from async code call them
/// inside `tokio::task::spawn_blocking`.
///
/// ```ignore
/// let store = CredentialStore::new(StoreOptions { allow_file_fallback: !args.no_file_fallback, ..Default::default() });
/// let saved = store.save(&mut config, "default", &creds)?;        // login
/// if let Some(w) = &saved.warning { eprintln!("warning: {w}"); }
/// let loaded = store.load(&config, "default")?;                   // any remote command
/// let deleted = store.delete(&mut config, "default")?;            // logout
/// ```
#[derive(Clone)]
pub struct CredentialStore {
    keyring: Arc<dyn SecretBackend>,
    options: StoreOptions,
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialStore")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl CredentialStore {
    /// A store over the platform's OS keyring.
    pub fn new(options: StoreOptions) -> Self {
        Self::with_backend(Arc::new(OsKeyring::new(KEYRING_SERVICE)), options)
    }

    /// A store over another keyring backend (tests: keyring's mock, fakes).
    pub fn with_backend(keyring: Arc<dyn SecretBackend>, options: StoreOptions) -> Self {
        CredentialStore { keyring, options }
    }

    /// Checks that the keyring really keeps secrets: writes a probe entry, reads it
    /// back and deletes it, within the time limit. Any failure, a time-out, or a
    /// read-back that differs from what was written means "unusable".
    pub fn probe(&self) -> Result<(), BackendError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // ':' cannot occur in a profile name, so this never hits a real entry.
        let account = format!("probe:{}:{n}", std::process::id());
        let value = format!("pintar keyring probe {n}");
        timed(&self.keyring, self.options.timeout, move |b| {
            b.set(&account, &value)?;
            let back = b.get(&account);
            let deleted = b.delete(&account);
            match back? {
                Some(v) if v == value => deleted,
                Some(_) => Err(BackendError::Unavailable(
                    "the keyring returned something else than the probe written".into(),
                )),
                None => Err(BackendError::Unavailable(
                    "a probe written to the keyring could not be read back".into(),
                )),
            }
        })
    }

    /// Stores `creds` for `profile`: in the keyring if the probe passes, else in
    /// the owner-only file (with a warning) or, with file fallback off, an error.
    /// Records the store in `config` and saves the config file.
    pub fn save(
        &self,
        config: &mut Config,
        profile: &str,
        creds: &Credentials,
    ) -> Result<Saved, StoreError> {
        validate_profile_name(profile)?;
        let file = FileStore::in_dir(config.dir());
        let json = serde_json::to_string(creds).map_err(|e| StoreError::CorruptEntry {
            profile: profile.to_string(),
            message: e.to_string(),
        })?;
        let account = profile.to_string();
        let in_keyring = self.probe().and_then(|()| {
            timed(&self.keyring, self.options.timeout, move |b| {
                b.set(&account, &json)
            })
        });
        match in_keyring {
            Ok(()) => {
                file.remove(profile)?; // no stale plain-text copy
                record(config, profile, Some(StoreKind::Keyring))?;
                Ok(Saved {
                    location: Location::Keyring,
                    warning: None,
                })
            }
            Err(reason) => {
                let reason = one_line(&reason.to_string());
                if !self.options.allow_file_fallback {
                    return Err(StoreError::KeyringUnavailable {
                        reason,
                        file: display_path(file.path()),
                    });
                }
                file.put(profile, creds)?;
                record(config, profile, Some(StoreKind::File))?;
                let warning = format!(
                    "OS keyring unavailable ({reason}); credentials stored in {} (readable by you only)",
                    display_path(file.path())
                );
                Ok(Saved {
                    location: Location::File(file.path().to_path_buf()),
                    warning: Some(warning),
                })
            }
        }
    }

    /// The credentials of `profile`, from the store recorded in `config`; with no
    /// record only the file is checked (the keyring is not touched). `None` when
    /// nothing is stored.
    pub fn load(&self, config: &Config, profile: &str) -> Result<Option<Loaded>, StoreError> {
        if recorded(config, profile) == Some(StoreKind::Keyring) {
            let account = profile.to_string();
            let json = timed(&self.keyring, self.options.timeout, move |b| {
                b.get(&account)
            })
            .map_err(|e| StoreError::KeyringRead {
                profile: profile.to_string(),
                reason: one_line(&e.to_string()),
            })?;
            let Some(json) = json else { return Ok(None) };
            let credentials =
                serde_json::from_str(&json).map_err(|e| StoreError::CorruptEntry {
                    profile: profile.to_string(),
                    message: e.to_string(),
                })?;
            return Ok(Some(Loaded {
                credentials,
                location: Location::Keyring,
                warning: None,
            }));
        }
        let file = FileStore::in_dir(config.dir());
        let (credentials, warning) = file.get(profile)?;
        Ok(credentials.map(|credentials| Loaded {
            credentials,
            location: Location::File(file.path().to_path_buf()),
            warning,
        }))
    }

    /// Deletes the credentials of `profile` from the file and the keyring, and
    /// clears the record. A keyring failure is an error only when the record says
    /// the credentials are there (the record is then kept, so logout can be retried).
    pub fn delete(&self, config: &mut Config, profile: &str) -> Result<Deleted, StoreError> {
        validate_profile_name(profile)?;
        let mut removed_from = Vec::new();
        let file = FileStore::in_dir(config.dir());
        if file.remove(profile)? {
            removed_from.push(Location::File(file.path().to_path_buf()));
        }
        let account = profile.to_string();
        let in_keyring = timed(&self.keyring, self.options.timeout, move |b| {
            let existed = b.get(&account)?.is_some();
            if existed {
                b.delete(&account)?;
            }
            Ok(existed)
        });
        match in_keyring {
            Ok(true) => removed_from.push(Location::Keyring),
            Ok(false) => {}
            Err(e) if recorded(config, profile) == Some(StoreKind::Keyring) => {
                return Err(StoreError::KeyringDelete {
                    profile: profile.to_string(),
                    reason: one_line(&e.to_string()),
                });
            }
            Err(_) => {} // nothing of ours is recorded there, and we cannot look
        }
        record(config, profile, None)?;
        Ok(Deleted { removed_from })
    }
}

/// The store `config` records for `profile`.
fn recorded(config: &Config, profile: &str) -> Option<StoreKind> {
    config
        .profile_value(profile, STORE_KEY)
        .and_then(StoreKind::parse)
}

/// Records (or clears) the store for `profile`, saving the config only on change.
fn record(config: &mut Config, profile: &str, kind: Option<StoreKind>) -> Result<(), StoreError> {
    let new = kind.map(StoreKind::as_str);
    if config.profile_value(profile, STORE_KEY) != new {
        config.set_profile_value(profile, STORE_KEY, new)?;
        config.save()?;
    }
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
