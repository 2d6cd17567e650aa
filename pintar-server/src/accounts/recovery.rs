//! Getting into an account and proving its address: email verification (and re-sending its
//! link), password reset, and change of email. Every link carries a one-time token
//! ([`super::tokens`]); every email is queued in the transaction of its event.

use super::tokens::{self, Purpose};
use super::{Context, Links, sessions, users, validate};
use crate::auth::{hash_password, verify_password};
use crate::error::ServerError;
use crate::mail::outbox::{self, Email};
use crate::mail::templates::mask_address;
use crate::mail::{Message, Policy};
use crate::policy::{Actor, Operation, Origin};
use crate::storage::entities::user;
use chrono::{Duration, Utc};
use pintar_core::api::{
    Accepted, ChangeEmailRequest, FieldError, PasswordResetConfirm, PasswordResetRequest,
    UserProfile,
};
use sea_orm::{ConnectionTrait, Set};

/// Seconds between two verification emails of one account.
pub const RESEND_EVERY_SECS: i64 = 60;
/// Verification emails one account may ask for per hour.
pub const RESENDS_PER_HOUR: u64 = 5;
/// Reset emails one account receives per hour at most (more requests are answered the same
/// and send nothing).
pub const RESETS_PER_HOUR: u64 = 5;
/// Changes of email one account may ask for in an hour.
pub const CHANGES_PER_HOUR: u64 = 3;

/// What the reset request answers, whether or not the address has an account.
pub fn reset_answer() -> String {
    format!(
        "if an account uses this address, a link to set a new password is on its way; it works once, for {} minutes",
        tokens::RESET_MINUTES
    )
}

/// Queues the verification email of `account` through `conn` (the event's transaction).
pub async fn queue_verification<C: ConnectionTrait>(
    conn: &C,
    policy: &Policy,
    links: &Links,
    account: &user::Model,
) -> Result<(), ServerError> {
    let token = tokens::issue(conn, account.id, Purpose::VerifyEmail, None).await?;
    let email = Email {
        user_id: account.id,
        to: account.email.clone(),
        message: Message::VerifyEmail {
            link: links.to("/verify-email", &token),
            hours: tokens::VERIFY_HOURS,
        },
    };
    outbox::queue(conn, policy, email).await?;
    Ok(())
}

/// Marks the address of the token's account verified. The token is single use.
pub async fn verify_email(
    ctx: &Context,
    actor: &Actor,
    token: &str,
) -> Result<UserProfile, ServerError> {
    actor.authorize(Operation::VerifyEmail)?;
    let txn = crate::storage::write(&ctx.db).await?;
    let used = tokens::consume(&txn, token, Purpose::VerifyEmail).await?;
    let account = users::load(&txn, used.user_id).await?;
    let account = if account.email_verified_at.is_none() {
        let mut row: user::ActiveModel = account.clone().into();
        row.email_verified_at = Set(Some(Utc::now()));
        row.updated_at = Set(Utc::now());
        users::update_user(&txn, &actor.origin, Some(account.id), &account, row).await?
    } else {
        account
    };
    txn.commit().await?;
    users::profile(&account)
}

/// Sends the caller a new verification link (the older ones stop working). At most one a
/// minute and [`RESENDS_PER_HOUR`] an hour: 429 with `Retry-After` past that; 409 when the
/// address is verified already.
pub async fn resend_verification(ctx: &Context, actor: &Actor) -> Result<Accepted, ServerError> {
    let caller = actor.require(Operation::ResendVerification)?;
    let txn = crate::storage::write(&ctx.db).await?;
    let account = users::load(&txn, caller.id).await?;
    if account.email_verified_at.is_some() {
        return Err(ServerError::Conflict(
            "your email is verified already".into(),
        ));
    }
    let now = Utc::now();
    let (count, last) = tokens::recent(
        &txn,
        account.id,
        Purpose::VerifyEmail,
        now - Duration::hours(1),
    )
    .await?;
    let wait = match last {
        Some(at) if count >= RESENDS_PER_HOUR => {
            Some((at + Duration::hours(1) - now).num_seconds())
        }
        Some(at) if now - at < Duration::seconds(RESEND_EVERY_SECS) => {
            Some(RESEND_EVERY_SECS - (now - at).num_seconds())
        }
        _ => None,
    };
    if let Some(secs) = wait {
        return Err(ServerError::TooMany {
            code: "too_many_emails",
            detail: format!(
                "a verification email was sent a moment ago; at most one a minute and {RESENDS_PER_HOUR} an hour"
            ),
            retry_after: u32::try_from(secs.clamp(1, 3600)).unwrap_or(60),
        });
    }
    queue_verification(&txn, &ctx.mail.policy, &ctx.links, &account).await?;
    txn.commit().await?;
    ctx.mail.wake();
    Ok(Accepted {
        message: format!(
            "a new verification link is on its way to {}; it works once, for {} hours",
            account.email,
            tokens::VERIFY_HOURS
        ),
    })
}

/// Asks for a password-reset link. The answer is the same, and comes as fast, whether or
/// not an account uses the address: the lookup and the email happen after it, in the
/// background. A malformed address is the only thing refused (422).
pub async fn request_password_reset(
    ctx: &Context,
    actor: &Actor,
    req: PasswordResetRequest,
) -> Result<Accepted, ServerError> {
    actor.authorize(Operation::RequestPasswordReset)?;
    let email = validate::email(&req.email).map_err(|e| ServerError::Validation(vec![e]))?;
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = send_reset(&ctx, &email).await {
            tracing::warn!(error = %e, "password reset email not queued");
        }
    });
    Ok(Accepted {
        message: reset_answer(),
    })
}

/// The background half of [`request_password_reset`].
async fn send_reset(ctx: &Context, email: &str) -> Result<(), ServerError> {
    let txn = crate::storage::write(&ctx.db).await?;
    let Some(account) = users::by_email(&txn, email).await?.filter(|u| u.is_active) else {
        return Ok(());
    };
    let (count, _) = tokens::recent(
        &txn,
        account.id,
        Purpose::ResetPassword,
        Utc::now() - Duration::hours(1),
    )
    .await?;
    if count >= RESETS_PER_HOUR {
        tracing::info!(user = %account.id, "password reset not sent: hourly limit");
        return Ok(());
    }
    let token = tokens::issue(&txn, account.id, Purpose::ResetPassword, None).await?;
    let message = Message::PasswordReset {
        link: ctx.links.to("/reset-password", &token),
        minutes: tokens::RESET_MINUTES,
    };
    let mail = Email {
        user_id: account.id,
        to: account.email.clone(),
        message,
    };
    outbox::queue(&txn, &ctx.mail.policy, mail).await?;
    txn.commit().await?;
    ctx.mail.wake();
    Ok(())
}

/// Sets a new password with a reset token: single use, 30 minutes. Every session of the
/// account ends, and every other link of it (API keys stay: a forgotten password is no reason
/// to break a CI job), and the address counts as verified: the link reached it.
pub async fn reset_password(
    ctx: &Context,
    actor: &Actor,
    req: PasswordResetConfirm,
) -> Result<Accepted, ServerError> {
    actor.authorize(Operation::ResetPassword)?;
    if let Some(e) = validate::password(&req.password) {
        return Err(ServerError::Validation(vec![e]));
    }
    // A made-up token must not cost a password hash: look it up before hashing.
    tokens::peek(&ctx.db, &req.token, Purpose::ResetPassword).await?;
    let hash = hash_password(req.password).await?;
    let txn = crate::storage::write(&ctx.db).await?;
    let used = tokens::consume(&txn, &req.token, Purpose::ResetPassword).await?;
    let account = users::load(&txn, used.user_id).await?;
    if !account.is_active {
        return Err(ServerError::Forbidden("this account is disabled".into()));
    }
    let now = Utc::now();
    let mut row: user::ActiveModel = account.clone().into();
    row.password_hash = Set(hash);
    row.email_verified_at = Set(account.email_verified_at.or(Some(now)));
    row.updated_at = Set(now);
    users::update_user(&txn, &actor.origin, Some(account.id), &account, row).await?;
    sessions::revoke_all(&txn, account.id, None).await?;
    // Every other link ends too: a change of email asked by whoever knew the old password
    // must not take the account back.
    tokens::revoke_all(&txn, account.id).await?;
    txn.commit().await?;
    ctx.credentials_changed();
    Ok(Accepted {
        message: "your password is set; every session was signed out, so sign in again (API keys keep working: revoke any you do not recognise)".into(),
    })
}

/// Asks to move the caller's account to a new address: the current password is needed, and
/// the new address gets a link (24 hours, once). Nothing changes until it is opened.
pub async fn change_email(
    ctx: &Context,
    actor: &Actor,
    req: ChangeEmailRequest,
) -> Result<Accepted, ServerError> {
    let caller = actor.require(Operation::ChangeEmail)?;
    let new_email = validate::email(&req.new_email)
        .map_err(|e| ServerError::Validation(vec![FieldError::new("new_email", e.message)]))?;
    if req.current_password.chars().count() > validate::MAX_PASSWORD {
        return Err(wrong_password());
    }
    let account = users::load(&ctx.db, caller.id).await?;
    if !verify_password(req.current_password, account.password_hash.clone()).await {
        return Err(wrong_password());
    }
    if new_email == account.email {
        return Err(ServerError::Validation(vec![FieldError::new(
            "new_email",
            "is the address the account has already",
        )]));
    }
    let txn = crate::storage::write(&ctx.db).await?;
    if users::by_email(&txn, &new_email).await?.is_some() {
        return Err(ServerError::Conflict(
            "an account with this email already exists".into(),
        ));
    }
    let (asked, _) = tokens::recent(
        &txn,
        account.id,
        Purpose::ChangeEmail,
        Utc::now() - Duration::hours(1),
    )
    .await?;
    if asked >= CHANGES_PER_HOUR {
        return Err(ServerError::TooMany {
            code: "too_many_emails",
            detail: format!(
                "at most {CHANGES_PER_HOUR} changes of email an hour; use the last link sent"
            ),
            retry_after: 3600,
        });
    }
    let token = tokens::issue(
        &txn,
        account.id,
        Purpose::ChangeEmail,
        Some(new_email.clone()),
    )
    .await?;
    let email = Email {
        user_id: account.id,
        to: new_email.clone(),
        message: Message::EmailChangeVerify {
            link: ctx.links.to("/confirm-email", &token),
            hours: tokens::CHANGE_HOURS,
        },
    };
    outbox::queue(&txn, &ctx.mail.policy, email).await?;
    txn.commit().await?;
    ctx.mail.wake();
    Ok(Accepted {
        message: format!(
            "a link is on its way to {new_email}; your account moves to it when the link is opened"
        ),
    })
}

fn wrong_password() -> ServerError {
    ServerError::Validation(vec![FieldError::new(
        "current_password",
        "is not your current password",
    )])
}

/// Moves the account to the address the token was sent to (which is thereby verified) and
/// tells the old address, if it was verified. Every other link of the account stops working.
pub async fn confirm_email_change(
    ctx: &Context,
    actor: &Actor,
    token: &str,
) -> Result<UserProfile, ServerError> {
    actor.authorize(Operation::ConfirmEmailChange)?;
    let txn = crate::storage::write(&ctx.db).await?;
    let used = tokens::consume(&txn, token, Purpose::ChangeEmail).await?;
    let account = users::load(&txn, used.user_id).await?;
    let new_email = used.new_email.ok_or_else(|| {
        ServerError::Internal("a change-of-email token without its address".into())
    })?;
    if users::by_email(&txn, &new_email).await?.is_some() {
        return Err(ServerError::Conflict(
            "another account took this address in the meantime".into(),
        ));
    }
    if account.email_verified_at.is_some() {
        let notice = Email {
            user_id: account.id,
            to: account.email.clone(),
            message: Message::EmailChanged {
                new_address: mask_address(&new_email),
            },
        };
        outbox::queue(&txn, &ctx.mail.policy, notice).await?;
    }
    let now = Utc::now();
    let mut row: user::ActiveModel = account.clone().into();
    row.email = Set(new_email);
    row.email_verified_at = Set(Some(now));
    row.updated_at = Set(now);
    let updated = users::update_user(&txn, &actor.origin, Some(account.id), &account, row).await?;
    tokens::revoke_all(&txn, account.id).await?;
    txn.commit().await?;
    ctx.mail.wake();
    ctx.credentials_changed();
    users::profile(&updated)
}

/// Marks the account of `email` verified (the operator's `pintar-server verify-email`).
pub async fn verify_by_operator<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<user::Model, ServerError> {
    let account = users::by_email(conn, &email.trim().to_lowercase())
        .await?
        .ok_or_else(|| ServerError::NotFound("account".into()))?;
    if account.email_verified_at.is_some() {
        return Ok(account);
    }
    let mut row: user::ActiveModel = account.clone().into();
    row.email_verified_at = Set(Some(Utc::now()));
    row.updated_at = Set(Utc::now());
    users::update_user(conn, &Origin::system("verify-email"), None, &account, row).await
}
