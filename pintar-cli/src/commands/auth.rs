//! `pintar auth …` and `pintar upgrade`.

use crate::cli::AuthCommand;
use crate::context::{Context, prompt, secret};
use crate::error::CliError;
use crate::login;
use serde::Serialize;
use std::io::IsTerminal;

/// Runs an `auth` subcommand.
pub fn run(cmd: &AuthCommand, ctx: &mut Context) -> Result<(), CliError> {
    match cmd {
        AuthCommand::Register {
            email,
            name,
            password_stdin,
        } => register(ctx, email.as_deref(), name.as_deref(), *password_stdin),
        AuthCommand::Login {
            email,
            password_stdin,
            with_token,
        } => {
            if *with_token {
                login_with_key(ctx)
            } else {
                login_with_password(ctx, email.as_deref(), *password_stdin)
            }
        }
        AuthCommand::Logout { everywhere } => logout(ctx, *everywhere),
        AuthCommand::Status => status(ctx),
        AuthCommand::Token => token(ctx),
    }
}

fn register(
    ctx: &Context,
    email: Option<&str>,
    name: Option<&str>,
    password_stdin: bool,
) -> Result<(), CliError> {
    let email = match email {
        Some(e) => e.to_string(),
        None => prompt("Email: ")?,
    };
    ctx.before_credentials();
    let password = secret("Password (10 characters or more): ", password_stdin)?;
    let me = ctx.run(async {
        Ok(ctx
            .client()
            .auth()
            .register(&email, &password, name)
            .await?)
    })?;
    if ctx.json {
        return ctx.print_json(&me);
    }
    ctx.printer.note(&format!(
        "Account created for {} ({}). Sign in with `pintar auth login --email {}`.",
        me.display_name, me.email, me.email
    ));
    Ok(())
}

fn login_with_password(
    ctx: &mut Context,
    email: Option<&str>,
    password_stdin: bool,
) -> Result<(), CliError> {
    let email = match email
        .map(str::to_string)
        .or_else(|| ctx.identity.email.clone())
    {
        Some(e) => e,
        None => prompt("Email: ")?,
    };
    ctx.before_credentials();
    let password = secret("Password: ", password_stdin)?;
    // A client of its own: the profile's current credentials play no part in signing in.
    let fresh = ctx.fresh_client()?;
    let (tokens, me) = ctx.run(async {
        let auth = fresh.auth();
        let tokens = auth.login(&email, &password).await?;
        let me = auth.me().await?;
        Ok((tokens, me))
    })?;
    let place = login::store_session(&mut ctx.identity, &me.email, &tokens, &ctx.printer)?;
    if ctx.json {
        return ctx.print_json(&Status::of(ctx, Some(&me)));
    }
    ctx.printer.note(&format!(
        "Signed in to {} as {} ({}); the session is kept in {place}.",
        ctx.server,
        me.email,
        me.role.as_str()
    ));
    Ok(())
}

fn login_with_key(ctx: &mut Context) -> Result<(), CliError> {
    // From stdin when piped (`--with-token < key.txt`); without echo on a terminal.
    ctx.before_credentials();
    let key = secret("API key: ", !std::io::stdin().is_terminal())?;
    if !key.starts_with("pk_") {
        return Err(CliError::Usage(
            "that is not an API key (they start with pk_)".into(),
        ));
    }
    // Check it before keeping it: a typo should fail here, not in the next command.
    let probe = pintar_sdk::Client::builder()
        .base_url(&ctx.server)
        .api_key(&key)
        .build()?;
    let me = ctx.run(async { Ok(probe.auth().me().await?) })?;
    let place = login::store_api_key(&mut ctx.identity, &me.email, &key, &ctx.printer)?;
    if ctx.json {
        return ctx.print_json(&Status::of(ctx, Some(&me)));
    }
    ctx.printer.note(&format!(
        "API key for {} kept in {place}; commands now use it.",
        me.email
    ));
    Ok(())
}

fn logout(ctx: &mut Context, everywhere: bool) -> Result<(), CliError> {
    if ctx.identity.has_credentials() && !ctx.identity.persisted() {
        return Err(CliError::Usage(format!(
            "the credentials come from {}: unset it to sign out",
            ctx.identity.source.trim_start_matches("env ")
        )));
    }
    let ended = ctx.run(async {
        match ctx.client().auth().logout(everywhere).await {
            Ok(()) => Ok(true),
            // Already over on the server: forgetting it here is all that is left.
            Err(e) if e.status() == Some(401) => Ok(false),
            Err(e) => Err(e.into()),
        }
    });
    let forgotten = login::forget(&mut ctx.identity)?;
    ended?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({"signed_out": true, "forgotten": forgotten}));
    }
    ctx.printer.note(if forgotten {
        "Signed out; the stored credentials are gone."
    } else {
        "Signed out (nothing was stored)."
    });
    Ok(())
}

/// `auth status` as JSON.
#[derive(Debug, Serialize)]
struct Status {
    server: String,
    profile: String,
    signed_in: bool,
    credentials: String,
    email: Option<String>,
    role: Option<String>,
    display_name: Option<String>,
}

impl Status {
    fn of(ctx: &Context, me: Option<&pintar_sdk::types::UserProfile>) -> Self {
        Self {
            server: ctx.server.clone(),
            profile: ctx.identity.profile.clone(),
            signed_in: me.is_some(),
            credentials: ctx.identity.source.clone(),
            email: me.map(|m| m.email.clone()),
            role: me.map(|m| m.role.as_str().to_string()),
            display_name: me.map(|m| m.display_name.clone()),
        }
    }
}

fn status(ctx: &Context) -> Result<(), CliError> {
    if !ctx.identity.has_credentials() {
        if ctx.json {
            ctx.print_json(&Status::of(ctx, None))?;
        } else {
            ctx.printer.note(&format!(
                "Not signed in to {} (profile {}). Run `pintar auth login`.",
                ctx.server, ctx.identity.profile
            ));
        }
        return Err(CliError::NotSignedIn("not signed in".into()));
    }
    let me = ctx.run(async { Ok(ctx.client().auth().me().await?) })?;
    let status = Status::of(ctx, Some(&me));
    if ctx.json {
        return ctx.print_json(&status);
    }
    let mut text = String::new();
    for (k, v) in [
        ("server", status.server.as_str()),
        ("profile", status.profile.as_str()),
        ("account", me.email.as_str()),
        ("name", me.display_name.as_str()),
        ("role", me.role.as_str()),
        ("credentials", status.credentials.as_str()),
    ] {
        text.push_str(&format!("{k:<12} {v}\n"));
    }
    ctx.print(&text)
}

fn token(ctx: &Context) -> Result<(), CliError> {
    let secret = ctx
        .identity
        .secret()
        .ok_or_else(|| CliError::NotSignedIn("not signed in: run `pintar auth login`".into()))?;
    // Renew an expired session first, so the printed token works.
    let fresh = ctx.run(async {
        if ctx.identity.is_session() {
            ctx.client().auth().me().await?;
        }
        Ok(ctx.client().tokens().map(|t| t.access_token))
    })?;
    let value = fresh.unwrap_or(secret);
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "token": value }));
    }
    ctx.print(&format!("{value}\n"))
}

/// `pintar upgrade`: become a developer; the first API key is printed once.
pub fn upgrade(ctx: &Context) -> Result<(), CliError> {
    let up = ctx.run(async { Ok(ctx.client().auth().upgrade().await?) })?;
    if ctx.json {
        return ctx.print_json(&up);
    }
    ctx.printer.note(&format!(
        "You are now a {}. Your first API key ({}, scopes {}) is below: store it now, it is not shown again.",
        up.role.as_str(),
        up.api_key.info.name,
        scopes(&up.api_key.info.scopes)
    ));
    ctx.print(&format!("{}\n", up.api_key.key))
}

/// Scopes as `a, b, c`.
pub fn scopes(scopes: &[pintar_sdk::types::Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
