//! The fallback store: `credentials.json` beside the config, owner-only (0600).

use super::{Credentials, StoreError};
use crate::config::atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The fallback file's name inside the config directory.
pub const CREDENTIALS_FILE: &str = "credentials.json";

/// The file's layout: `{"profiles": {"NAME": {...credentials...}}}`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct FileContents {
    #[serde(default)]
    profiles: BTreeMap<String, Credentials>,
}

/// `credentials.json` in one directory.
#[derive(Debug, Clone)]
pub(super) struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// The store in `dir` (the config directory).
    pub fn in_dir(dir: &Path) -> Self {
        FileStore {
            path: dir.join(CREDENTIALS_FILE),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The credentials of `profile`, and a warning if the file is readable by others.
    pub fn get(&self, profile: &str) -> Result<(Option<Credentials>, Option<String>), StoreError> {
        let (mut contents, warning) = self.read()?;
        Ok((contents.profiles.remove(profile), warning))
    }

    /// Stores `creds` for `profile`, keeping the other profiles.
    pub fn put(&self, profile: &str, creds: &Credentials) -> Result<(), StoreError> {
        let (mut contents, _) = self.read()?;
        contents.profiles.insert(profile.to_string(), creds.clone());
        self.write(&contents)
    }

    /// Removes `profile`; returns whether it was there. The file goes when it empties.
    pub fn remove(&self, profile: &str) -> Result<bool, StoreError> {
        let (mut contents, _) = self.read()?;
        if contents.profiles.remove(profile).is_none() {
            return Ok(false);
        }
        if contents.profiles.is_empty() {
            std::fs::remove_file(&self.path).map_err(|source| StoreError::FileWrite {
                path: self.path.clone(),
                source,
            })?;
        } else {
            self.write(&contents)?;
        }
        Ok(true)
    }

    fn read(&self) -> Result<(FileContents, Option<String>), StoreError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((FileContents::default(), None));
            }
            Err(source) => {
                return Err(StoreError::FileRead {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let contents = serde_json::from_str(&text).map_err(|e| StoreError::CorruptFile {
            path: self.path.clone(),
            line: e.line(),
            column: e.column(),
            // serde_json appends " at line L column C"; the error shows those itself.
            message: e
                .to_string()
                .rsplit_once(" at line ")
                .map_or_else(|| e.to_string(), |(m, _)| m.to_string()),
        })?;
        Ok((contents, self.permission_warning()))
    }

    fn write(&self, contents: &FileContents) -> Result<(), StoreError> {
        let mut json = serde_json::to_vec_pretty(contents).map_err(|e| StoreError::FileWrite {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        json.push(b'\n');
        atomic::write_private(&self.path, &json).map_err(|source| StoreError::FileWrite {
            path: self.path.clone(),
            source,
        })
    }

    #[cfg(unix)]
    fn permission_warning(&self) -> Option<String> {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "{} is readable by other users (mode {mode:o}); run `chmod 600 {}`",
                self.path.display(),
                self.path.display()
            )
        })
    }

    #[cfg(not(unix))]
    fn permission_warning(&self) -> Option<String> {
        None
    }
}
