//! `pintar config get|set|list`: the active profile's settings in `config.toml`.

use crate::cli::ConfigCommand;
use crate::config::{Config, process_env, resolve_profile};
use crate::context::Globals;
use crate::error::CliError;
use crate::printer::Printer;
use serde::Serialize;

/// One setting, for `--json`.
#[derive(Debug, Serialize)]
struct Setting<'a> {
    profile: &'a str,
    key: &'a str,
    value: Option<&'a str>,
    default: Option<&'a str>,
}

/// Runs a `config` subcommand (no server, no credentials).
pub fn run(cmd: &ConfigCommand, globals: &Globals, printer: &Printer) -> Result<(), CliError> {
    let env = &process_env;
    let mut config = Config::load(env)?;
    let profile = resolve_profile(globals.profile.as_deref(), env, &config)?.value;
    match cmd {
        ConfigCommand::Get { key } => {
            let v = config.get(&profile, key)?;
            if globals.json {
                return json(printer, &[setting(&profile, &v)]);
            }
            match v.effective() {
                Some(value) => printer.emit(None, &format!("{value}\n")),
                None => {
                    printer.note(&format!("{key} is not set in profile {profile}"));
                    Ok(())
                }
            }
        }
        ConfigCommand::Set { key, value } => {
            config.set(&profile, key, value)?;
            config.save()?;
            printer.note(&format!(
                "{key} set in profile {profile} ({})",
                config.path().display()
            ));
            Ok(())
        }
        ConfigCommand::List => {
            let mut rows = Vec::new();
            for name in profiles(&config, &profile) {
                for v in config.list(&name) {
                    rows.push((name.clone(), v));
                }
            }
            if globals.json {
                let out: Vec<_> = rows.iter().map(|(p, v)| setting(p, v)).collect();
                return json(printer, &out);
            }
            let mut text = String::new();
            for (p, v) in &rows {
                let shown = match (&v.value, v.default) {
                    (Some(x), _) => x.clone(),
                    (None, Some(d)) => format!("{d} (default)"),
                    (None, None) => "(not set)".into(),
                };
                text.push_str(&format!("{p}.{} = {shown}\n", v.key));
            }
            printer.emit(None, &text)
        }
    }
}

/// The active profile first, then the others in the file.
fn profiles(config: &Config, active: &str) -> Vec<String> {
    let mut names = vec![active.to_string()];
    for n in config.profile_names() {
        if n != active {
            names.push(n);
        }
    }
    names
}

fn setting<'a>(profile: &'a str, v: &'a crate::config::ConfigValue) -> Setting<'a> {
    Setting {
        profile,
        key: v.key,
        value: v.value.as_deref(),
        default: v.default,
    }
}

fn json<T: Serialize>(printer: &Printer, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Internal(format!("cannot encode JSON: {e}")))?;
    printer.emit(None, &(text + "\n"))
}
