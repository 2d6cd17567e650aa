//! Secrets the server makes for itself when none is configured (development): the JWT
//! signing secret, kept owner-only in the data directory.

use crate::auth::random_token;
use crate::config::Settings;

/// The JWT secret: from settings, else generated once into `data_dir/jwt_secret` (owner-only),
/// so tokens survive restarts and every instance sharing the data dir agrees.
pub fn jwt_secret(settings: &Settings) -> std::io::Result<String> {
    if let Some(s) = &settings.jwt_secret {
        return Ok(s.clone());
    }
    let path = settings.data_dir.join("jwt_secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if !s.trim().is_empty() => {
            // A file from an older version may be readable by others: take that away.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            }
            Ok(s.trim().to_string())
        }
        _ => {
            let secret = random_token(48);
            write_owner_only(&path, &secret)?;
            tracing::info!(path = %path.display(), "generated a JWT secret");
            Ok(secret)
        }
    }
}

/// Writes `contents` to a new file that only its owner can read, from the first byte on.
pub fn write_owner_only(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // An older file keeps its mode on open: tighten it too.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    {
        options.open(path)?.write_all(contents.as_bytes())
    }
}
