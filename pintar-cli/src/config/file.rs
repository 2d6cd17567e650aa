//! `config.toml`: read with line-accurate errors, edited in place (comments and
//! unknown keys survive), written atomically.
//!
//! ```toml
//! profile = "default"          # the default profile
//!
//! [profiles.default]
//! server = "http://127.0.0.1:8000/"
//! email = "ana@example.com"
//!
//! [profiles.staging]
//! server = "https://staging.example.com/"
//! output = "json"
//! ```

use super::ConfigError;
use super::atomic;
use super::dir::{Env, config_dir};
use super::keys::{KEYS, KeyInfo, Scope, key_info, normalize};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{Document, DocumentMut, Item, Table, TableLike, Value};

/// The config file's name inside the config directory.
pub const CONFIG_FILE: &str = "config.toml";
const PROFILES: &str = "profiles";

/// One key's value, as `config get` and `config list` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigValue {
    /// The key.
    pub key: &'static str,
    /// The value in the file, if set.
    pub value: Option<String>,
    /// The value used when unset, if any.
    pub default: Option<&'static str>,
}

impl ConfigValue {
    /// The value in force: the file's, else the default.
    pub fn effective(&self) -> Option<&str> {
        self.value.as_deref().or(self.default)
    }
}

/// The loaded config file. Missing is fine (everything is unset); edits stay in
/// memory until [`Config::save`].
#[derive(Debug, Clone)]
pub struct Config {
    dir: PathBuf,
    path: PathBuf,
    doc: DocumentMut,
}

impl Config {
    /// Loads `config.toml` from the config directory chosen by [`config_dir`].
    pub fn load(env: Env<'_>) -> Result<Self, ConfigError> {
        Self::load_from(&config_dir(env)?)
    }

    /// Loads `DIR/config.toml`; a missing file gives an empty config.
    pub fn load_from(dir: &Path) -> Result<Self, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let doc = parse(&path, &text)?;
        Ok(Config {
            dir: dir.to_path_buf(),
            path,
            doc,
        })
    }

    /// The config directory (credentials live beside the config).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The config file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The top-level `profile`, if set.
    pub fn default_profile(&self) -> Option<&str> {
        self.doc.get("profile").and_then(Item::as_str)
    }

    /// The profiles present in the file, in file order.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles()
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    }

    /// The raw string stored for `key` in `profile`, without checking the key.
    pub fn profile_value(&self, profile: &str, key: &str) -> Option<&str> {
        self.profiles()?
            .get(profile)?
            .as_table_like()?
            .get(key)?
            .as_str()
    }

    /// `pintar config get KEY`: the value of a known key for `profile`
    /// (`profile` itself is global and ignores it).
    pub fn get(&self, profile: &str, key: &str) -> Result<ConfigValue, ConfigError> {
        Ok(self.value_of(key_info(key)?, profile))
    }

    /// `pintar config list`: every known key for `profile`.
    pub fn list(&self, profile: &str) -> Vec<ConfigValue> {
        KEYS.iter().map(|k| self.value_of(k, profile)).collect()
    }

    /// `pintar config set KEY VALUE` for `profile`: checks the key and value and
    /// changes the document in memory; call [`Config::save`] to write it.
    pub fn set(&mut self, profile: &str, key: &str, value: &str) -> Result<(), ConfigError> {
        let info = key_info(key)?;
        if !info.settable {
            return Err(ConfigError::ReadOnly { key: info.name });
        }
        let value = normalize(info, value, "config set")?;
        match info.scope {
            Scope::Global => {
                self.doc.insert(info.name, toml_edit::value(value));
            }
            Scope::Profile => self.set_profile_value(profile, info.name, Some(&value))?,
        }
        Ok(())
    }

    /// Removes a known key; returns whether it was set.
    pub fn unset(&mut self, profile: &str, key: &str) -> Result<bool, ConfigError> {
        let info = key_info(key)?;
        if !info.settable {
            return Err(ConfigError::ReadOnly { key: info.name });
        }
        let was_set = self.value_of(info, profile).value.is_some();
        match info.scope {
            Scope::Global => {
                self.doc.remove(info.name);
            }
            Scope::Profile => self.set_profile_value(profile, info.name, None)?,
        }
        Ok(was_set)
    }

    /// Sets (or with `None` removes) a profile key without validating it, for keys
    /// the CLI maintains (`credentials_store`). The profile name is still checked.
    pub fn set_profile_value(
        &mut self,
        profile: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), ConfigError> {
        super::keys::validate_profile_name(profile)?;
        if value.is_none() && self.profile_value(profile, key).is_none() {
            return Ok(()); // nothing to remove: leave the file as it is
        }
        let table = self.profile_table_mut(profile);
        match value {
            Some(v) => {
                table.insert(key, toml_edit::value(v));
            }
            None => {
                table.remove(key);
            }
        }
        Ok(())
    }

    /// Writes the file atomically (temp file and rename, owner-only), keeping
    /// other profiles, unknown keys and comments as they were.
    pub fn save(&self) -> Result<(), ConfigError> {
        atomic::write_private(&self.path, self.doc.to_string().as_bytes()).map_err(|source| {
            ConfigError::Write {
                path: self.path.clone(),
                source,
            }
        })
    }

    fn value_of(&self, info: &'static KeyInfo, profile: &str) -> ConfigValue {
        let value = match info.scope {
            Scope::Global => self.doc.get(info.name).and_then(Item::as_str),
            Scope::Profile => self.profile_value(profile, info.name),
        };
        ConfigValue {
            key: info.name,
            value: value.map(str::to_string),
            default: info.default,
        }
    }

    fn profiles(&self) -> Option<&dyn TableLike> {
        self.doc.get(PROFILES)?.as_table_like()
    }

    /// The `[profiles.NAME]` table, created (as a standard table) if missing.
    /// [`parse`] has checked that existing ones are tables.
    fn profile_table_mut(&mut self, profile: &str) -> &mut dyn TableLike {
        let profiles = self.doc.entry(PROFILES).or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true); // write `[profiles.x]`, not an empty `[profiles]`
            Item::Table(t)
        });
        let inline = profiles.is_inline_table();
        let profiles = profiles
            .as_table_like_mut()
            .expect("checked by parse: `profiles` is a table");
        if profiles.get(profile).is_none() {
            let fresh = if inline {
                Item::Value(Value::InlineTable(Default::default()))
            } else {
                Item::Table(Table::new())
            };
            profiles.insert(profile, fresh);
        }
        profiles
            .get_mut(profile)
            .and_then(Item::as_table_like_mut)
            .expect("checked by parse: every profile is a table")
    }
}

/// Parses and checks the shape: `profile` a string, `profiles` a table of tables,
/// and every known profile key a string. Errors carry the file, line and column.
fn parse(path: &Path, text: &str) -> Result<DocumentMut, ConfigError> {
    let syntax = |span: Option<Range<usize>>, message: String| {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            column,
            message: message.replace('\n', " "),
        }
    };
    let doc =
        Document::parse(text.to_string()).map_err(|e| syntax(e.span(), e.message().to_string()))?;
    if let Some(item) = doc.get("profile").filter(|i| i.as_str().is_none()) {
        return Err(syntax(
            item.span(),
            format!("`profile` must be a string, not {}", item.type_name()),
        ));
    }
    if let Some(item) = doc.get(PROFILES) {
        let Some(profiles) = item.as_table_like() else {
            return Err(syntax(
                item.span(),
                format!("`profiles` must be a table, not {}", item.type_name()),
            ));
        };
        for (name, item) in profiles.iter() {
            let Some(table) = item.as_table_like() else {
                return Err(syntax(
                    item.span(),
                    format!("profile `{name}` must be a table ([profiles.{name}])"),
                ));
            };
            for key in KEYS.iter().filter(|k| k.scope == Scope::Profile) {
                if let Some(v) = table.get(key.name).filter(|v| v.as_str().is_none()) {
                    return Err(syntax(
                        v.span(),
                        format!(
                            "`{}` in profile `{name}` must be a string, not {}",
                            key.name,
                            v.type_name()
                        ),
                    ));
                }
            }
        }
    }
    Ok(doc.into_mut())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}
