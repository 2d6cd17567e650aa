//! The CLI's config: `config.toml` with named profiles, the keys
//! `pintar config get|set|list` knows, and settings resolution
//! (flag > environment > profile > default).
//!
//! ```ignore
//! let config = Config::load(&process_env)?;
//! let settings = resolve_settings(&Overrides { profile: args.profile, server: args.server },
//!                                 &process_env, &config)?;
//! let url = settings.server.value.join("api/v1/health")?;
//! ```

pub(crate) mod atomic;
mod dir;
mod error;
mod file;
mod keys;
mod settings;

pub use dir::{
    ENV_CONFIG_DIR, ENV_PROFILE, ENV_SERVER, Env, abbreviate_home, config_dir,
    config_dir_with_home, display_path, process_env,
};
pub use error::ConfigError;
pub use file::{CONFIG_FILE, Config, ConfigValue};
pub use keys::{
    DEFAULT_PROFILE, DEFAULT_SERVER, KEYS, KeyInfo, OUTPUT_FORMATS, Scope, key_info, parse_server,
    validate_profile_name,
};
pub use settings::{
    Overrides, Resolved, Settings, Source, resolve_profile, resolve_server, resolve_settings,
};

#[cfg(test)]
mod tests;
