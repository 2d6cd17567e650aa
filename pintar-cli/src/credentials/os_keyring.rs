//! The OS keyring through the `keyring` crate: Keychain on macOS, Credential
//! Manager on Windows, the Secret Service (GNOME Keyring, KWallet) over D-Bus on Linux.

use super::backend::{BackendError, SecretBackend};
use keyring::{CredentialBuilder, Entry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The keyring service name under which every profile's entry is filed.
pub const KEYRING_SERVICE: &str = "pintar-ekspor";

/// A [`SecretBackend`] over the `keyring` crate; the account is the profile name.
pub struct OsKeyring {
    service: String,
    builder: Option<Box<CredentialBuilder>>,
    // One `Entry` per account, reused: stores that keep state in the entry object
    // (keyring's mock) then behave like a real store across calls.
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

impl OsKeyring {
    /// The platform's default keyring, entries filed under `service`.
    pub fn new(service: &str) -> Self {
        OsKeyring {
            service: service.to_string(),
            builder: None,
            entries: Mutex::default(),
        }
    }

    /// Entries built by `builder` instead of the platform default
    /// (e.g. `keyring::mock::default_credential_builder()` in tests), without
    /// touching keyring's process-wide default.
    pub fn with_builder(service: &str, builder: Box<CredentialBuilder>) -> Self {
        OsKeyring {
            builder: Some(builder),
            ..OsKeyring::new(service)
        }
    }

    fn entry(&self, account: &str) -> Result<Arc<Entry>, BackendError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get(account) {
            return Ok(Arc::clone(entry));
        }
        let entry = match &self.builder {
            Some(b) => Entry::new_with_credential(
                b.build(None, &self.service, account).map_err(map_error)?,
            ),
            None => Entry::new(&self.service, account).map_err(map_error)?,
        };
        let entry = Arc::new(entry);
        entries.insert(account.to_string(), Arc::clone(&entry));
        Ok(entry)
    }
}

impl SecretBackend for OsKeyring {
    fn get(&self, account: &str) -> Result<Option<String>, BackendError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), BackendError> {
        self.entry(account)?.set_password(secret).map_err(map_error)
    }

    fn delete(&self, account: &str) -> Result<(), BackendError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Storage-level failures make the keyring unusable; the rest are about one entry.
fn map_error(e: keyring::Error) -> BackendError {
    match e {
        keyring::Error::NoStorageAccess(inner) => {
            BackendError::Unavailable(format!("keyring not accessible: {inner}"))
        }
        keyring::Error::PlatformFailure(inner) => {
            BackendError::Unavailable(format!("keyring failure: {inner}"))
        }
        other => BackendError::Failed(other.to_string()),
    }
}
