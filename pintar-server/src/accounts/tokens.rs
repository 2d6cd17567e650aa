//! One-time account tokens: email verification, password reset and change of email. Each is
//! 256 random bits sent only in the emailed link, stored as its SHA-256, usable once, before
//! its expiry; a newer verification or change-of-email token replaces the older ones. (No
//! signature is needed on top: nobody can guess 256 bits, and single use needs the stored row anyway.)

use crate::auth::{hash_token, random_token};
use crate::error::ServerError;
use crate::storage::entities::account_token;
use chrono::{DateTime, Duration, Utc};
use pintar_core::api::{FieldError, MAX_ACCOUNT_TOKEN};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use uuid::Uuid;

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves the account's address.
    VerifyEmail,
    /// Sets a new password.
    ResetPassword,
    /// Moves the account to a new address (and proves it).
    ChangeEmail,
}

/// Hours a verification link stays valid.
pub const VERIFY_HOURS: u32 = 24;
/// Minutes a password-reset link stays valid.
pub const RESET_MINUTES: u32 = 30;
/// Hours a change-of-email link stays valid.
pub const CHANGE_HOURS: u32 = 24;

impl Purpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
        }
    }

    /// How long a token of this purpose stays valid.
    pub fn lifetime(self) -> Duration {
        match self {
            Purpose::VerifyEmail => Duration::hours(VERIFY_HOURS.into()),
            Purpose::ResetPassword => Duration::minutes(RESET_MINUTES.into()),
            Purpose::ChangeEmail => Duration::hours(CHANGE_HOURS.into()),
        }
    }
}

impl Purpose {
    /// Whether a new token replaces the live ones: yes for verification and change of
    /// email (only the latest address counts); no for a reset, which anyone may ask for,
    /// so a stranger's request must not cancel the link the owner is about to open.
    fn replaces(self) -> bool {
        !matches!(self, Purpose::ResetPassword)
    }
}

/// Makes a token of `purpose` for `user` (replacing the live ones of that purpose, where
/// [`Purpose::replaces`]) and returns it in the clear, for the email; only its hash is
/// stored.
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    purpose: Purpose,
    new_email: Option<String>,
) -> Result<String, ServerError> {
    let now = Utc::now();
    if purpose.replaces() {
        account_token::Entity::update_many()
            .col_expr(account_token::Column::UsedAt, Expr::value(now))
            .filter(account_token::Column::UserId.eq(user))
            .filter(account_token::Column::Purpose.eq(purpose.as_str()))
            .filter(account_token::Column::UsedAt.is_null())
            .exec(conn)
            .await?;
    }
    let token = random_token(32);
    account_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user),
        purpose: Set(purpose.as_str().into()),
        token_hash: Set(hash_token(&token)),
        new_email: Set(new_email),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime()),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

fn not_valid() -> ServerError {
    ServerError::Validation(vec![FieldError::new(
        "token",
        "is not valid: it was used already, it expired, or a newer link replaced it; ask for a new one",
    )])
}

/// The live token of `purpose`, without using it, or 422 (to refuse a made-up token
/// before costly work).
pub async fn peek<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    purpose: Purpose,
) -> Result<account_token::Model, ServerError> {
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_ACCOUNT_TOKEN {
        return Err(not_valid());
    }
    account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(hash_token(token)))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?
        .filter(|t| t.used_at.is_none() && t.expires_at > Utc::now())
        .ok_or_else(not_valid)
}

/// Ends every live token of `user` (its address changed: older links must not work).
pub async fn revoke_all<C: ConnectionTrait>(conn: &C, user: Uuid) -> Result<(), ServerError> {
    account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(Utc::now()))
        .filter(account_token::Column::UserId.eq(user))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Uses the token of `purpose`: marks it used (of two concurrent uses only one wins) and
/// returns its row, or 422 when it is unknown, used, replaced or expired.
pub async fn consume<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    purpose: Purpose,
) -> Result<account_token::Model, ServerError> {
    let now = Utc::now();
    let row = peek(conn, token, purpose).await?;
    let claimed = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::Id.eq(row.id))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(not_valid());
    }
    Ok(row)
}

/// Tokens of `purpose` made for `user` since `since`, and when the last was made.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    purpose: Purpose,
    since: DateTime<Utc>,
) -> Result<(u64, Option<DateTime<Utc>>), ServerError> {
    let q = account_token::Entity::find()
        .filter(account_token::Column::UserId.eq(user))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::CreatedAt.gt(since));
    let count = q.clone().count(conn).await?;
    let last = q
        .order_by_desc(account_token::Column::CreatedAt)
        .one(conn)
        .await?
        .map(|t| t.created_at);
    Ok((count, last))
}
