//! `pintar keys create|list|revoke`.

use super::auth::scopes;
use super::{day, table};
use crate::cli::KeysCommand;
use crate::context::Context;
use crate::error::CliError;
use crate::render::fit::{Column, Priority};
use pintar_sdk::types::Scope;

/// Runs a `keys` subcommand.
pub fn run(cmd: &KeysCommand, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        KeysCommand::Create {
            name,
            scopes: wanted,
            expires_in_days,
        } => {
            let parsed = wanted
                .iter()
                .map(|s| parse_scope(s))
                .collect::<Result<Vec<_>, _>>()?;
            let created = ctx.run(async {
                let mut req = ctx.client().keys().create(name.as_str());
                if !parsed.is_empty() {
                    req = req.scopes(parsed.iter().copied());
                }
                if let Some(d) = expires_in_days {
                    req = req.expires_in_days(*d);
                }
                Ok(req.send().await?)
            })?;
            if ctx.json {
                return ctx.print_json(&created);
            }
            ctx.printer.note(&format!(
                "Key '{}' ({}…, scopes {}) created. Store it now: it is not shown again.",
                created.info.name,
                created.info.prefix,
                scopes(&created.info.scopes)
            ));
            ctx.print(&format!("{}\n", created.key))
        }
        KeysCommand::List => {
            let keys = ctx.run(async { Ok(ctx.client().keys().list().await?) })?;
            if ctx.json {
                return ctx.print_json(&keys);
            }
            let mut t = table(ctx)
                .column(Column::text("id", Priority::Must))
                .column(Column::text("name", Priority::Must).truncate(8, 30))
                .column(Column::text("prefix", Priority::Optional(1)))
                .column(Column::text("scopes", Priority::Optional(3)).truncate(8, 36))
                .column(Column::text("state", Priority::Must))
                .column(Column::text("last used", Priority::Optional(2)).short("used"))
                .column(Column::text("expires", Priority::Optional(4)));
            let now = chrono::Utc::now();
            for k in &keys {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else if k.expires_at.is_some_and(|e| e <= now) {
                    "expired"
                } else {
                    "live"
                };
                t = t.row([
                    k.id.clone(),
                    k.name.clone(),
                    k.prefix.clone(),
                    scopes(&k.scopes),
                    state.into(),
                    k.last_used_at.map(day).unwrap_or_else(|| "never".into()),
                    k.expires_at.map(day).unwrap_or_else(|| "never".into()),
                ]);
            }
            if keys.is_empty() {
                ctx.printer
                    .note("No API keys yet: `pintar keys create NAME` makes one.");
                return Ok(());
            }
            ctx.print(&(t.render() + "\n"))
        }
        KeysCommand::Revoke { id } => {
            ctx.run(async { Ok(ctx.client().keys().revoke(id).await?) })?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({"revoked": id}));
            }
            ctx.printer
                .note(&format!("Key {id} revoked: it stops working at once."));
            Ok(())
        }
    }
}

fn parse_scope(s: &str) -> Result<Scope, CliError> {
    Scope::ALL
        .into_iter()
        .find(|x| x.as_str() == s.trim())
        .ok_or_else(|| {
            CliError::Usage(format!(
                "unknown scope '{s}' (expected {})",
                Scope::ALL.map(|x| x.as_str()).join(", ")
            ))
        })
}
