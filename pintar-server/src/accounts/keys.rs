//! API keys: created for a developer (shown once, emailed by prefix only), listed, revoked.
//!
//! Keys are managed from a signed-in session only (the policy refuses keys for these
//! operations), so a key can never mint a key wider or longer-lived than itself.

use super::Context;
use super::users;
use super::validate::{self, MAX_NAME};
use crate::audit::{self, Action, Change};
use crate::auth::api_key;
use crate::error::ServerError;
use crate::mail::outbox::{self, Email};
use crate::mail::{Message, Policy};
use crate::policy::{Actor, Operation, Origin};
use crate::storage::entities::{api_key as key_row, user};
use chrono::{Duration, Utc};
use pintar_core::api::{ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, FieldError, Role, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Live keys one account may hold: each key has its own hourly budget, so the number of
/// keys bounds what one account can send.
pub const MAX_LIVE_KEYS: u64 = 20;

/// Longest lifetime a key can be given, in days.
pub const MAX_EXPIRY_DAYS: u32 = 3650;

/// The API view of a stored key.
pub fn info(k: &key_row::Model) -> ApiKeyInfo {
    ApiKeyInfo {
        id: k.id.to_string(),
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        scopes: serde_json::from_value(k.scopes.clone()).unwrap_or_default(),
        created_at: k.created_at,
        last_used_at: k.last_used_at,
        expires_at: k.expires_at,
        revoked_at: k.revoked_at,
    }
}

/// A key row for the audit log: everything but the hash.
fn audit_json(k: &key_row::Model) -> serde_json::Value {
    serde_json::json!({
        "id": k.id, "user_id": k.user_id, "name": k.name, "prefix": k.prefix,
        "scopes": k.scopes, "created_at": k.created_at, "expires_at": k.expires_at,
        "revoked_at": k.revoked_at,
    })
}

/// Checks a key request: a one-line name, known scopes each once, a bounded lifetime.
pub fn validate(req: &CreateApiKeyRequest) -> Result<(), ServerError> {
    let mut errors: Vec<FieldError> = Vec::new();
    errors.extend(validate::single_line("name", &req.name, MAX_NAME));
    if req
        .scopes
        .as_ref()
        .is_some_and(|s| s.is_empty() || s.len() > Scope::ALL.len())
    {
        errors.push(FieldError::new(
            "scopes",
            format!("must list 1 to {} scopes", Scope::ALL.len()),
        ));
    }
    if req
        .expires_in_days
        .is_some_and(|d| !(1..=MAX_EXPIRY_DAYS).contains(&d))
    {
        errors.push(FieldError::new(
            "expires_in_days",
            format!("must be 1 to {MAX_EXPIRY_DAYS}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServerError::Validation(errors))
    }
}

/// What the key is for, in the email about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// The first key, made when the account became a developer.
    Upgrade,
    /// A key the owner asked for.
    Requested,
}

/// Inserts a key for `owner` with its audit row and email (under `policy`), inside `txn`. The caller has
/// checked the request with [`validate`].
pub async fn insert<C: ConnectionTrait>(
    txn: &C,
    meta: &Origin,
    owner: &user::Model,
    req: &CreateApiKeyRequest,
    occasion: Occasion,
    policy: &Policy,
) -> Result<ApiKeyCreated, ServerError> {
    let live = key_row::Entity::find()
        .filter(key_row::Column::UserId.eq(owner.id))
        .filter(key_row::Column::RevokedAt.is_null())
        .count(txn)
        .await?;
    if live >= MAX_LIVE_KEYS {
        return Err(ServerError::Conflict(format!(
            "an account holds at most {MAX_LIVE_KEYS} live keys; revoke one first"
        )));
    }
    let new = api_key::generate();
    // A set: each scope once, in a fixed order, however the request listed them.
    let scopes: BTreeSet<Scope> = req.scopes.clone().map_or_else(
        || Scope::ALL.into_iter().collect(),
        |s| s.into_iter().collect(),
    );
    let now = Utc::now();
    let created = key_row::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(owner.id),
        name: Set(req.name.trim().to_string()),
        prefix: Set(new.prefix.clone()),
        key_hash: Set(new.hash.clone()),
        scopes: Set(serde_json::json!(scopes)),
        created_at: Set(now),
        last_used_at: Set(None),
        expires_at: Set(req
            .expires_in_days
            .map(|d| now + Duration::days(i64::from(d)))),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    let change = Change {
        op: Action::Insert,
        table: "api_keys",
        record_id: created.id,
        old: None,
        new: Some(audit_json(&created)),
    };
    audit::record(txn, meta, Some(owner.id), change).await?;
    let (name, key_name, key_prefix) = (
        owner.display_name.clone(),
        created.name.clone(),
        created.prefix.clone(),
    );
    let message = match occasion {
        Occasion::Upgrade => Message::DeveloperUpgrade {
            name,
            key_name,
            key_prefix,
        },
        Occasion::Requested => Message::ApiKeyCreated {
            name,
            key_name,
            key_prefix,
        },
    };
    let email = Email {
        user_id: owner.id,
        to: owner.email.clone(),
        message,
    };
    outbox::queue(txn, policy, email).await?;
    Ok(ApiKeyCreated {
        key: new.key,
        info: info(&created),
    })
}

/// The keys of `owner`, newest first (never the secrets).
pub async fn of_owner<C: ConnectionTrait>(
    conn: &C,
    owner: Uuid,
) -> Result<Vec<ApiKeyInfo>, ServerError> {
    let keys = key_row::Entity::find()
        .filter(key_row::Column::UserId.eq(owner))
        .order_by_desc(key_row::Column::CreatedAt)
        .all(conn)
        .await?;
    Ok(keys.iter().map(info).collect())
}

async fn revoke_row<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    key: key_row::Model,
) -> Result<(), ServerError> {
    let mut active: key_row::ActiveModel = key.clone().into();
    active.revoked_at = Set(Some(Utc::now()));
    let revoked = active.update(conn).await?;
    let change = Change {
        op: Action::Update,
        table: "api_keys",
        record_id: revoked.id,
        old: Some(audit_json(&key)),
        new: Some(audit_json(&revoked)),
    };
    audit::record(conn, meta, actor, change).await?;
    Ok(())
}

/// Revokes `owner`'s key `id` (idempotent). Someone else's key is "not found", so ids
/// cannot be probed. Returns whether the key was live until now.
pub async fn revoke_owned<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    owner: Uuid,
    id: Uuid,
) -> Result<bool, ServerError> {
    let key = key_row::Entity::find_by_id(id)
        .filter(key_row::Column::UserId.eq(owner))
        .one(conn)
        .await?
        .ok_or_else(|| ServerError::NotFound("API key".into()))?;
    if key.revoked_at.is_some() {
        return Ok(false);
    }
    revoke_row(conn, meta, Some(owner), key).await?;
    Ok(true)
}

/// Revokes every live key of `owner`, one audit row each (a demotion to learner).
pub async fn revoke_all<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    owner: Uuid,
) -> Result<(), ServerError> {
    let live = key_row::Entity::find()
        .filter(key_row::Column::UserId.eq(owner))
        .filter(key_row::Column::RevokedAt.is_null())
        .all(conn)
        .await?;
    for key in live {
        revoke_row(conn, meta, actor, key).await?;
    }
    Ok(())
}

/// Creates an API key for the actor (shown once; the owner is emailed its prefix).
pub async fn create(
    ctx: &Context,
    actor: &Actor,
    req: &CreateApiKeyRequest,
) -> Result<ApiKeyCreated, ServerError> {
    let caller = actor.require(Operation::CreateKey)?;
    validate(req)?;
    let txn = crate::storage::write(&ctx.db).await?;
    // The role as stored now, in the transaction: a demotion a moment ago wins.
    let owner = users::load(&txn, caller.id).await?;
    if users::role_of(&owner)? == Role::Public {
        return Err(ServerError::Forbidden(
            "this needs the role developer or admin; you are public".into(),
        ));
    }
    users::require_verified(&owner)?;
    let created = insert(
        &txn,
        &actor.origin,
        &owner,
        req,
        Occasion::Requested,
        &ctx.mail.policy,
    )
    .await?;
    txn.commit().await?;
    ctx.mail.wake();
    Ok(created)
}

/// The actor's API keys, newest first (never the secrets).
pub async fn list(ctx: &Context, actor: &Actor) -> Result<Vec<ApiKeyInfo>, ServerError> {
    let caller = actor.require(Operation::ListKeys)?;
    of_owner(&ctx.db, caller.id).await
}

/// Revokes one of the actor's keys (idempotent); it stops working on its next request.
pub async fn revoke(ctx: &Context, actor: &Actor, id: &str) -> Result<(), ServerError> {
    let caller = actor.require(Operation::RevokeKey)?;
    let id = Uuid::parse_str(id).map_err(|_| ServerError::NotFound("API key".into()))?;
    let txn = crate::storage::write(&ctx.db).await?;
    let revoked = revoke_owned(&txn, &actor.origin, caller.id, id).await?;
    txn.commit().await?;
    if revoked {
        ctx.credentials_changed();
    }
    Ok(())
}
