//! Sessions: sign-in, refresh-token rotation, logout. A session is a family of refresh
//! tokens; access tokens name their family (`sid`), so ending a session ends its access
//! tokens on their next request.

use super::users::{self, role_of, update_user};
use crate::auth::{
    ACCESS_TTL_SECS, AuthKeys, REFRESH_TTL_DAYS, dummy_hash, hash_token, random_token,
    verify_password,
};
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::policy::Origin;
use crate::storage::entities::{refresh_token, user};
use chrono::Utc;
use pintar_core::api::{FieldError, LoginRequest, SessionInfo, SessionKind, TokenResponse};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// Longest refresh token read (they are 43 characters).
const MAX_REFRESH_LEN: usize = 256;

fn bad_credentials() -> ServerError {
    ServerError::Unauthorized("wrong email or password".into())
}

fn invalid_refresh() -> ServerError {
    ServerError::Unauthorized("the refresh token is not valid; sign in again".into())
}

/// What kind of session a sign-in starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// For the API: its refresh tokens last [`REFRESH_TTL_DAYS`] from each rotation.
    Api,
    /// For the website: it ends after this many seconds at the latest.
    Web {
        /// The absolute lifetime.
        max_secs: u64,
    },
}

/// Signs in with email and password: a new session.
pub async fn login(
    db: &DatabaseConnection,
    keys: &AuthKeys,
    metrics: &Metrics,
    meta: &Origin,
    login: LoginRequest,
    kind: Kind,
) -> Result<TokenResponse, ServerError> {
    let email = login.email.trim().to_lowercase();
    // Over-long input cannot match an account; it still costs a hash, like a wrong password.
    let found = if email.len() <= 254 {
        users::by_email(db, &email).await?
    } else {
        None
    };
    let hash = found
        .as_ref()
        .map_or_else(dummy_hash, |u| u.password_hash.clone());
    let ok = verify_password(login.password, hash).await;
    let Some(account) = found.filter(|_| ok) else {
        metrics.login(false);
        return Err(bad_credentials());
    };
    if !account.is_active {
        metrics.login(false);
        return Err(ServerError::Unauthorized("this account is disabled".into()));
    }
    metrics.login(true);
    let txn = crate::storage::write(db).await?;
    let mut active: user::ActiveModel = account.clone().into();
    active.last_login_at = Set(Some(Utc::now()));
    let updated = update_user(&txn, meta, Some(account.id), &account, active).await?;
    let family = Uuid::now_v7();
    let now = Utc::now();
    let details = Details {
        web: matches!(kind, Kind::Web { .. }),
        user_agent: meta.user_agent.clone(),
        ip: meta.ip.clone(),
        expires_at: match kind {
            Kind::Api => now + chrono::Duration::days(REFRESH_TTL_DAYS),
            Kind::Web { max_secs } => {
                now + chrono::Duration::seconds(i64::try_from(max_secs).unwrap_or(i64::MAX / 2))
            }
        },
    };
    let refresh = issue_refresh(&txn, Uuid::now_v7(), account.id, family, details).await?;
    txn.commit().await?;
    tokens(keys, &updated, family, refresh)
}

/// What a session's refresh token records about it.
#[derive(Debug, Clone)]
struct Details {
    web: bool,
    user_agent: Option<String>,
    ip: Option<String>,
    expires_at: chrono::DateTime<Utc>,
}

/// Stores a new refresh token of `family` with the given row id and returns it in the clear
/// (shown once).
async fn issue_refresh<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    user_id: Uuid,
    family: Uuid,
    details: Details,
) -> Result<String, ServerError> {
    let token = random_token(32);
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        family_id: Set(family),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(details.expires_at),
        revoked_at: Set(None),
        replaced_by: Set(None),
        web: Set(details.web),
        user_agent: Set(details.user_agent),
        ip: Set(details.ip),
        last_seen_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

fn tokens(
    keys: &AuthKeys,
    account: &user::Model,
    family: Uuid,
    refresh_token: String,
) -> Result<TokenResponse, ServerError> {
    Ok(TokenResponse {
        access_token: keys.issue(account.id, role_of(account)?, family)?,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECS,
        refresh_token,
    })
}

/// Revokes the live refresh tokens of one session (family).
pub async fn revoke_family<C: ConnectionTrait>(conn: &C, family: Uuid) -> Result<(), ServerError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every session of `user`, except `keep` (the caller's own, on a password change);
/// returns how many were live.
pub async fn revoke_all<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    keep: Option<Uuid>,
) -> Result<u64, ServerError> {
    let mut q = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null());
    if let Some(k) = keep {
        q = q.filter(refresh_token::Column::FamilyId.ne(k));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

async fn find_refresh(
    db: &DatabaseConnection,
    token: &str,
) -> Result<Option<refresh_token::Model>, ServerError> {
    let token = token.trim();
    if token.chars().count() > MAX_REFRESH_LEN {
        return Err(ServerError::Validation(vec![FieldError::new(
            "refresh_token",
            format!("must be at most {MAX_REFRESH_LEN} characters"),
        )]));
    }
    if token.is_empty() {
        return Ok(None);
    }
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?)
}

/// Exchanges a refresh token for new tokens (rotation; reusing a rotated token revokes its
/// whole family). A failure says whether a family was revoked (caches must forget it).
pub async fn refresh(
    db: &DatabaseConnection,
    keys: &AuthKeys,
    token: &str,
) -> Result<TokenResponse, (ServerError, bool)> {
    let stored = find_refresh(db, token)
        .await
        .map_err(|e| (e, false))?
        .ok_or((invalid_refresh(), false))?;
    if stored.revoked_at.is_some() {
        if stored.replaced_by.is_some() {
            // A rotated token came back: someone holds a copy. End the whole session.
            revoke_family(db, stored.family_id)
                .await
                .map_err(|e| (e, false))?;
            tracing::warn!(user = %stored.user_id, "refresh token reuse; session ended");
            return Err((invalid_refresh(), true));
        }
        return Err((invalid_refresh(), false));
    }
    if stored.expires_at <= Utc::now() {
        return Err((invalid_refresh(), false));
    }
    rotate(db, keys, stored).await.map_err(|e| (e, false))
}

async fn rotate(
    db: &DatabaseConnection,
    keys: &AuthKeys,
    stored: refresh_token::Model,
) -> Result<TokenResponse, ServerError> {
    let account = user::Entity::find_by_id(stored.user_id)
        .one(db)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid_refresh)?;
    let txn = crate::storage::write(db).await?;
    let next_id = Uuid::now_v7();
    // Claim the old token first: of two concurrent refreshes with it, only one wins.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(refresh_token::Column::ReplacedBy, Expr::value(next_id))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        return Err(invalid_refresh());
    }
    // A website session never rotates (its cookie is the credential); an API session's
    // token lasts REFRESH_TTL_DAYS from each rotation.
    let details = Details {
        web: stored.web,
        user_agent: stored.user_agent.clone(),
        ip: stored.ip.clone(),
        expires_at: Utc::now() + chrono::Duration::days(REFRESH_TTL_DAYS),
    };
    let token = issue_refresh(&txn, next_id, account.id, stored.family_id, details).await?;
    txn.commit().await?;
    tokens(keys, &account, stored.family_id, token)
}

/// Ends the session of `token`, or every session of its account (`everywhere`).
/// Idempotent: an unknown or already revoked token is logged out too. Returns whether
/// anything was revoked.
pub async fn logout(
    db: &DatabaseConnection,
    token: &str,
    everywhere: bool,
) -> Result<bool, ServerError> {
    // Only a live token ends sessions: an old one (rotated, revoked, expired), found in a
    // log or a backup, must not log its owner out everywhere.
    let Some(t) = find_refresh(db, token)
        .await?
        .filter(|t| t.revoked_at.is_none() && t.expires_at > Utc::now())
    else {
        return Ok(false);
    };
    if everywhere {
        revoke_all(db, t.user_id, None).await?;
    } else {
        revoke_family(db, t.family_id).await?;
    }
    Ok(true)
}

/// Whether the session `family` of `user` is live: it has an unrevoked, unexpired token.
pub async fn is_live<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    family: Uuid,
) -> Result<bool, ServerError> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(Utc::now()))
        .one(conn)
        .await?
        .is_some())
}

/// Most sessions listed (the most recent).
pub const MAX_LISTED: u64 = 100;

/// The live sessions of `user`, most recently started first; `current` is the caller's.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    user: Uuid,
    current: Option<Uuid>,
) -> Result<Vec<SessionInfo>, ServerError> {
    let now = Utc::now();
    let live = refresh_token::Entity::find()
        .filter(refresh_token::Column::UserId.eq(user))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now))
        .order_by_desc(refresh_token::Column::FamilyId)
        .limit(MAX_LISTED)
        .all(conn)
        .await?;
    let families: Vec<Uuid> = live.iter().map(|t| t.family_id).collect();
    // A family's first token says when it started (family ids are UUIDv7 of that moment too,
    // but the row is the record).
    let started: std::collections::HashMap<Uuid, chrono::DateTime<Utc>> =
        refresh_token::Entity::find()
            .select_only()
            .column(refresh_token::Column::FamilyId)
            .column_as(refresh_token::Column::CreatedAt.min(), "started")
            .filter(refresh_token::Column::FamilyId.is_in(families))
            .group_by(refresh_token::Column::FamilyId)
            .into_tuple::<(Uuid, chrono::DateTime<Utc>)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
    Ok(live
        .into_iter()
        .map(|t| {
            let started_at = started.get(&t.family_id).copied().unwrap_or(t.created_at);
            SessionInfo {
                id: t.family_id.to_string(),
                current: Some(t.family_id) == current,
                kind: if t.web {
                    SessionKind::Web
                } else {
                    SessionKind::Api
                },
                started_at,
                last_active_at: t.last_seen_at.unwrap_or(t.created_at).max(t.created_at),
                expires_at: t.expires_at,
                user_agent: t.user_agent,
                ip: t.ip,
            }
        })
        .collect())
}

/// Records that the website session `family` was seen now.
pub async fn touch<C: ConnectionTrait>(conn: &C, family: Uuid) -> Result<(), ServerError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::LastSeenAt, Expr::value(Utc::now()))
        .filter(refresh_token::Column::FamilyId.eq(family))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
