//! The keys `pintar config` knows, and how their values are checked.

use super::ConfigError;
use url::Url;

/// The server used when nothing else names one.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8000";
/// The profile used when nothing else names one.
pub const DEFAULT_PROFILE: &str = "default";
/// The output formats `output` accepts.
pub const OUTPUT_FORMATS: &[&str] = &["table", "json", "csv"];

/// Where a key lives in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// At the top level, shared by all profiles.
    Global,
    /// In `[profiles.NAME]`, one value per profile.
    Profile,
}

/// A key `pintar config` knows.
#[derive(Debug, Clone, Copy)]
pub struct KeyInfo {
    /// The key as typed.
    pub name: &'static str,
    /// Top level or per profile.
    pub scope: Scope,
    /// The value used when the key is unset.
    pub default: Option<&'static str>,
    /// False for keys the CLI maintains itself.
    pub settable: bool,
    /// One line for help and errors.
    pub about: &'static str,
}

/// Every known key, in display order.
pub const KEYS: &[KeyInfo] = &[
    KeyInfo {
        name: "profile",
        scope: Scope::Global,
        default: Some(DEFAULT_PROFILE),
        settable: true,
        about: "the profile used when --profile and PINTAR_PROFILE are not given",
    },
    KeyInfo {
        name: "server",
        scope: Scope::Profile,
        default: Some(DEFAULT_SERVER),
        settable: true,
        about: "base URL of the Pintar Ekspor server (http or https)",
    },
    KeyInfo {
        name: "email",
        scope: Scope::Profile,
        default: None,
        settable: true,
        about: "email of the signed-in user",
    },
    KeyInfo {
        name: "output",
        scope: Scope::Profile,
        default: None,
        settable: true,
        about: "default output format: table, json or csv",
    },
    KeyInfo {
        name: "allow_http",
        scope: Scope::Profile,
        default: Some("false"),
        settable: true,
        about: "send credentials over plain http:// to another machine without a warning: true or false",
    },
    KeyInfo {
        name: "credentials_store",
        scope: Scope::Profile,
        default: None,
        settable: false,
        about: "where the profile's credentials are kept: keyring or file",
    },
];

/// Looks a key up; an unknown key is an error that lists the known ones.
pub fn key_info(key: &str) -> Result<&'static KeyInfo, ConfigError> {
    KEYS.iter()
        .find(|k| k.name == key)
        .ok_or_else(|| ConfigError::UnknownKey {
            key: key.to_string(),
            known: KEYS.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
        })
}

/// Checks `value` for `key` and returns it in the form to store.
/// `origin` says where the value came from, for the error message.
pub fn normalize(key: &KeyInfo, value: &str, origin: &str) -> Result<String, ConfigError> {
    let value = value.trim();
    let invalid = |reason: String| ConfigError::InvalidValue {
        key: key.name,
        value: value.to_string(),
        origin: origin.to_string(),
        reason,
    };
    match key.name {
        "profile" => validate_profile_name(value).map(|()| value.to_string()),
        "server" => parse_server(value, origin).map(|u| u.to_string()),
        "email" => {
            let ok = value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            }) && !value.chars().any(char::is_whitespace);
            if ok {
                Ok(value.to_string())
            } else {
                Err(invalid(
                    "expected an email address like name@example.com".into(),
                ))
            }
        }
        "allow_http" => match value.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok("true".into()),
            "false" | "no" | "0" => Ok("false".into()),
            _ => Err(invalid("expected true or false".into())),
        },
        "output" => {
            let lower = value.to_ascii_lowercase();
            if OUTPUT_FORMATS.contains(&lower.as_str()) {
                Ok(lower)
            } else {
                Err(invalid(format!(
                    "expected one of {}",
                    OUTPUT_FORMATS.join(", ")
                )))
            }
        }
        _ => Ok(value.to_string()),
    }
}

/// Parses a server base URL: http or https, with a host, and no user, password,
/// query or fragment (they would leak into logs, or be lost when paths are joined).
pub fn parse_server(value: &str, origin: &str) -> Result<Url, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidValue {
        key: "server",
        value: value.to_string(),
        origin: origin.to_string(),
        reason: reason.to_string(),
    };
    let url = Url::parse(value.trim()).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            invalid("expected a full URL such as https://pintar.example.com")
        }
        other => invalid(&format!("not a URL ({other})")),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http:// and https:// servers are supported"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "do not put credentials in the URL; use `pintar auth login`",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("a base URL cannot have a query or fragment"));
    }
    Ok(url)
}

/// Checks a profile name: 1 to 64 ASCII letters, digits, `-`, `_` or `.`, not starting with `.`.
pub fn validate_profile_name(name: &str) -> Result<(), ConfigError> {
    let ok = (1..=64).contains(&name.len())
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::InvalidProfileName {
            name: name.to_string(),
        })
    }
}
