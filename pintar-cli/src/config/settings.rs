//! Settings resolution for the remote commands: flag > environment > profile > default.

use super::dir::{ENV_PROFILE, ENV_SERVER, Env, display_path};
use super::keys::{
    DEFAULT_PROFILE, DEFAULT_SERVER, key_info, normalize, parse_server, validate_profile_name,
};
use super::{Config, ConfigError};
use std::fmt;
use url::Url;

/// Where a setting's value came from (for `pintar config list` and `auth status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, e.g. `--server`.
    Flag(&'static str),
    /// An environment variable, e.g. `PINTAR_SERVER`.
    Env(&'static str),
    /// The config file: the top level or `[profiles.NAME]`.
    File(String),
    /// The built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(flag) => write!(f, "{flag}"),
            Source::Env(var) => write!(f, "env {var}"),
            Source::File(place) => write!(f, "{place}"),
            Source::Default => write!(f, "default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<T> {
    /// The value in force.
    pub value: T,
    /// Where it came from.
    pub source: Source,
}

/// Values given on the command line, which beat everything else. Leave a field
/// `None` when the flag was not given (clap's `env = ...` may fill it; that is fine).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--profile NAME`.
    pub profile: Option<String>,
    /// `--server URL`.
    pub server: Option<String>,
}

/// What a remote command runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The active profile.
    pub profile: Resolved<String>,
    /// The server base URL.
    pub server: Resolved<Url>,
    /// The profile's `email`, if set.
    pub email: Option<String>,
    /// The profile's `output` format, if set.
    pub output: Option<String>,
    /// The profile's `allow_http`: no warning before credentials go over plain HTTP.
    pub allow_http: bool,
}

/// Resolves everything a remote command needs.
pub fn resolve_settings(
    overrides: &Overrides,
    env: Env<'_>,
    config: &Config,
) -> Result<Settings, ConfigError> {
    let profile = resolve_profile(overrides.profile.as_deref(), env, config)?;
    let server = resolve_server(overrides.server.as_deref(), env, config, &profile.value)?;
    let checked = |key: &str| -> Result<Option<String>, ConfigError> {
        match config.profile_value(&profile.value, key) {
            None => Ok(None),
            Some(v) => normalize(key_info(key)?, v, &in_file(config, &profile.value)).map(Some),
        }
    };
    Ok(Settings {
        email: checked("email")?,
        output: checked("output")?,
        allow_http: checked("allow_http")?.as_deref() == Some("true"),
        profile,
        server,
    })
}

/// The active profile: `--profile` > `PINTAR_PROFILE` > the file's `profile` > `default`.
pub fn resolve_profile(
    flag: Option<&str>,
    env: Env<'_>,
    config: &Config,
) -> Result<Resolved<String>, ConfigError> {
    let (value, source) = if let Some(v) = flag {
        (v.to_string(), Source::Flag("--profile"))
    } else if let Some(v) = env(ENV_PROFILE) {
        (v, Source::Env(ENV_PROFILE))
    } else if let Some(v) = config.default_profile() {
        let place = format!("{} (profile)", display_path(config.path()));
        (v.to_string(), Source::File(place))
    } else {
        (DEFAULT_PROFILE.to_string(), Source::Default)
    };
    validate_profile_name(&value)?;
    Ok(Resolved { value, source })
}

/// The server: `--server` > `PINTAR_SERVER` > the profile's `server` > the default.
pub fn resolve_server(
    flag: Option<&str>,
    env: Env<'_>,
    config: &Config,
    profile: &str,
) -> Result<Resolved<Url>, ConfigError> {
    let (value, source) = if let Some(v) = flag {
        (parse_server(v, "--server")?, Source::Flag("--server"))
    } else if let Some(v) = env(ENV_SERVER) {
        (
            parse_server(&v, "env PINTAR_SERVER")?,
            Source::Env(ENV_SERVER),
        )
    } else if let Some(v) = config.profile_value(profile, "server") {
        let place = in_file(config, profile);
        (parse_server(v, &place)?, Source::File(place))
    } else {
        (parse_server(DEFAULT_SERVER, "default")?, Source::Default)
    };
    Ok(Resolved { value, source })
}

fn in_file(config: &Config, profile: &str) -> String {
    format!("{} [profiles.{profile}]", display_path(config.path()))
}
