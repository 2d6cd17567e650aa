//! `pintar account …`: confirming the email, a forgotten password, changing the email, the
//! sessions, the export of one's data and deleting the account.

use super::table;
use crate::cli::AccountCommand;
use crate::context::{Context, prompt, secret};
use crate::error::CliError;
use crate::login;
use crate::render::fit::{Column, Priority};
use std::path::Path;

/// Runs an `account` subcommand.
pub fn run(cmd: &AccountCommand, ctx: &mut Context) -> Result<(), CliError> {
    match cmd {
        AccountCommand::Verify { link } => verify(ctx, link),
        AccountCommand::ResendVerification => resend(ctx),
        AccountCommand::ForgotPassword { email } => forgot(ctx, email.as_deref()),
        AccountCommand::ResetPassword {
            link,
            password_stdin,
        } => reset(ctx, link, *password_stdin),
        AccountCommand::ChangeEmail {
            new_email,
            password_stdin,
        } => change_email(ctx, new_email, *password_stdin),
        AccountCommand::ConfirmEmail { link } => confirm_email(ctx, link),
        AccountCommand::Sessions { end_others } => sessions(ctx, *end_others),
        AccountCommand::Export { output } => export(ctx, output.as_deref()),
        AccountCommand::Delete {
            yes,
            password_stdin,
        } => delete(ctx, *yes, *password_stdin),
    }
}

/// The token of an emailed link, given the whole link (`…?token=abc`) or the token alone.
pub fn token_of(link: &str) -> Result<String, CliError> {
    let link = link.trim();
    let token = match url::Url::parse(link) {
        Ok(url) => url
            .query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| CliError::Usage("that link carries no token (…?token=…)".into()))?,
        Err(_) => link.to_string(),
    };
    let plain = !token.is_empty()
        && token.len() <= pintar_sdk::types::MAX_ACCOUNT_TOKEN
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if !plain {
        return Err(CliError::Usage(
            "expected the link from the email, or its token (letters, digits, - and _)".into(),
        ));
    }
    Ok(token)
}

fn verify(ctx: &Context, link: &str) -> Result<(), CliError> {
    let token = token_of(link)?;
    let me = ctx.run(async { Ok(ctx.client().auth().verify_email(&token).await?) })?;
    if ctx.json {
        return ctx.print_json(&me);
    }
    ctx.printer
        .note(&format!("The email {} is confirmed.", me.email));
    Ok(())
}

fn resend(ctx: &Context) -> Result<(), CliError> {
    let sent = ctx.run(async { Ok(ctx.client().auth().resend_verification().await?) })?;
    if ctx.json {
        return ctx.print_json(&sent);
    }
    ctx.printer.note(&capital(&sent.message));
    Ok(())
}

fn forgot(ctx: &Context, email: Option<&str>) -> Result<(), CliError> {
    let email = match email {
        Some(e) => e.to_string(),
        None => prompt("Email: ")?,
    };
    let fresh = ctx.fresh_client()?;
    let sent = ctx.run(async { Ok(fresh.auth().request_password_reset(&email).await?) })?;
    if ctx.json {
        return ctx.print_json(&sent);
    }
    ctx.printer.note(&format!(
        "{}. Then run `pintar account reset-password LINK`.",
        capital(&sent.message)
    ));
    Ok(())
}

fn reset(ctx: &mut Context, link: &str, password_stdin: bool) -> Result<(), CliError> {
    let token = token_of(link)?;
    ctx.before_credentials();
    let password = secret("New password (10 characters or more): ", password_stdin)?;
    let fresh = ctx.fresh_client()?;
    let done = ctx.run(async { Ok(fresh.auth().reset_password(&token, &password).await?) })?;
    // Every session ended, this profile's too: its stored tokens are of no use now.
    if ctx.identity.persisted() && ctx.identity.is_session() {
        login::forget(&mut ctx.identity)?;
    }
    if ctx.json {
        return ctx.print_json(&done);
    }
    ctx.printer
        .note(&format!("{}: `pintar auth login`.", capital(&done.message)));
    Ok(())
}

fn change_email(ctx: &Context, new_email: &str, password_stdin: bool) -> Result<(), CliError> {
    ctx.before_credentials();
    let password = secret("Current password: ", password_stdin)?;
    let sent = ctx.run(async {
        Ok(ctx
            .client()
            .auth()
            .change_email(new_email, &password)
            .await?)
    })?;
    if ctx.json {
        return ctx.print_json(&sent);
    }
    ctx.printer.note(&format!(
        "{}. Then run `pintar account confirm-email LINK`.",
        capital(&sent.message)
    ));
    Ok(())
}

fn confirm_email(ctx: &Context, link: &str) -> Result<(), CliError> {
    let token = token_of(link)?;
    let me = ctx.run(async { Ok(ctx.client().auth().confirm_email_change(&token).await?) })?;
    if ctx.json {
        return ctx.print_json(&me);
    }
    ctx.printer.note(&format!(
        "Your account now uses {}: sign in with it from now on.",
        me.email
    ));
    Ok(())
}

fn sessions(ctx: &Context, end_others: bool) -> Result<(), CliError> {
    if end_others {
        let ended = ctx.run(async { Ok(ctx.client().auth().end_other_sessions().await?) })?;
        if ctx.json {
            return ctx.print_json(&ended);
        }
        ctx.printer.note(&format!(
            "Signed out everywhere else: {} session{} ended.",
            ended.ended,
            if ended.ended == 1 { "" } else { "s" }
        ));
        return Ok(());
    }
    let list = ctx.run(async { Ok(ctx.client().auth().sessions().await?) })?;
    if ctx.json {
        return ctx.print_json(&list);
    }
    let mut t = table(ctx)
        .column(Column::text("", Priority::Must))
        .column(Column::text("kind", Priority::Must))
        .column(Column::text("client", Priority::Optional(2)).truncate(8, 40))
        .column(Column::text("address", Priority::Optional(3)))
        .column(Column::text("signed in", Priority::Must).short("since"))
        .column(Column::text("last active", Priority::Optional(1)).short("active"));
    let when = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M").to_string();
    for s in &list {
        t = t.row([
            if s.current { "*".into() } else { String::new() },
            match s.kind {
                pintar_sdk::types::SessionKind::Web => "website".to_string(),
                pintar_sdk::types::SessionKind::Api => "api".to_string(),
            },
            s.user_agent.clone().unwrap_or_else(|| "-".into()),
            s.ip.clone().unwrap_or_else(|| "-".into()),
            when(s.started_at),
            when(s.last_active_at),
        ]);
    }
    ctx.print(&(t.render() + "\n"))?;
    ctx.printer.note(
        "* marks this session. `pintar account sessions --end-others` signs out everywhere else.",
    );
    Ok(())
}

fn export(ctx: &Context, output: Option<&Path>) -> Result<(), CliError> {
    let doc = ctx.run(async { Ok(ctx.client().auth().export().await?) })?;
    let text = serde_json::to_string_pretty(&doc)
        .map_err(|e| CliError::Internal(format!("cannot encode JSON: {e}")))?;
    ctx.printer.emit(output, &(text + "\n"))?;
    if let Some(path) = output {
        ctx.printer.note(&format!(
            "Your data ({} enrolments, {} analyses) is in {}.",
            doc.enrollments.len(),
            doc.analysis_runs.len(),
            path.display()
        ));
    }
    Ok(())
}

fn delete(ctx: &mut Context, yes: bool, password_stdin: bool) -> Result<(), CliError> {
    if !yes {
        let me = ctx.run(async { Ok(ctx.client().auth().me().await?) })?;
        let typed = prompt(&format!(
            "This deletes {} and all its data for good. Type the email to confirm: ",
            me.email
        ))?;
        if typed.trim().to_lowercase() != me.email {
            return Err(CliError::Usage(
                "the email typed does not match: nothing was deleted".into(),
            ));
        }
    }
    ctx.before_credentials();
    let password = secret("Current password: ", password_stdin)?;
    ctx.run(async { Ok(ctx.client().auth().delete_account(&password).await?) })?;
    login::forget(&mut ctx.identity)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({"deleted": true}));
    }
    ctx.printer
        .note("Your account and its data are deleted; the stored credentials are gone.");
    Ok(())
}

/// `s` with its first letter upper-cased (server messages start lower-case).
fn capital(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_links_or_alone() {
        let t = "AbC_d-9".repeat(6);
        assert_eq!(
            token_of(&format!("https://pintar.example/verify-email?token={t}")).expect("link"),
            t
        );
        assert_eq!(token_of(&t).expect("token"), t);
        assert!(token_of("https://pintar.example/verify-email").is_err());
        assert!(token_of("a b").is_err());
        assert!(token_of(&"x".repeat(500)).is_err());
    }
}
