//! Where the config lives, and how environment variables are read.

use super::ConfigError;
use std::path::{Path, PathBuf};

/// Names the config directory directly (tests and unusual setups).
pub const ENV_CONFIG_DIR: &str = "PINTAR_CONFIG_DIR";
/// Chooses the profile when `--profile` is not given.
pub const ENV_PROFILE: &str = "PINTAR_PROFILE";
/// Chooses the server when `--server` is not given.
pub const ENV_SERVER: &str = "PINTAR_SERVER";

/// A way to look up environment variables, so callers and tests can inject one
/// (`std::env::set_var` is unsafe in edition 2024, and this crate forbids `unsafe`).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads a variable from the process environment; unset, empty or non-UTF-8 counts as absent.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The config directory: `$PINTAR_CONFIG_DIR`, else `$XDG_CONFIG_HOME/pintar`
/// (when absolute), else `~/.config/pintar`.
pub fn config_dir(env: Env<'_>) -> Result<PathBuf, ConfigError> {
    config_dir_with_home(env, etcetera::home_dir().ok().as_deref())
}

/// [`config_dir`] with the home directory given, for tests.
pub fn config_dir_with_home(env: Env<'_>, home: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(dir) = env(ENV_CONFIG_DIR) {
        return Ok(PathBuf::from(dir));
    }
    // The XDG spec says relative values are invalid and must be ignored.
    if let Some(xdg) = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(xdg.join("pintar"));
    }
    home.map(|h| h.join(".config").join("pintar"))
        .ok_or(ConfigError::NoConfigDir)
}

/// Shows `path` with the home directory abbreviated to `~`, for messages.
pub fn display_path(path: &Path) -> String {
    match etcetera::home_dir() {
        Ok(home) => abbreviate_home(path, &home),
        Err(_) => path.display().to_string(),
    }
}

/// [`display_path`] with the home directory given.
pub fn abbreviate_home(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}
