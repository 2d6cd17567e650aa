//! Becoming a developer and managing API keys: `POST /auth/upgrade-role`,
//! `POST /developer/key`, `GET /developer/keys`, `DELETE /developer/keys/{id}`.
//!
//! Emails report these events with the key's visible prefix only: the secret is shown once,
//! in the response, and never leaves the server again (not even by email).

use crate::app::AppState;
use crate::audit::{self, Change, Operation, RequestMeta};
use crate::auth::AuthUser;
use crate::auth::api_key::{generate, info, parse_id};
use crate::error::{FieldError, ServerError};
use crate::outbox::{self, Email};
use crate::routes::users::update_user;
use crate::storage::entities::{api_key, user};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Duration, Utc};
use pintar_core::api::{
    API_KEY_SCOPES, ApiKeyCreated, ApiKeyInfo, CreateApiKeyRequest, Role, UpgradeResponse,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module: upgrade for learners; keys for developers and admins.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upgrade))
        .routes(routes!(create_key))
        .routes(routes!(list_keys))
        .routes(routes!(revoke_key))
}

/// A key row for the audit log: everything but the hash.
fn key_audit_json(k: &api_key::Model) -> serde_json::Value {
    serde_json::json!({
        "id": k.id, "user_id": k.user_id, "name": k.name, "prefix": k.prefix,
        "scopes": k.scopes, "created_at": k.created_at, "expires_at": k.expires_at,
        "revoked_at": k.revoked_at,
    })
}

fn validate(req: &CreateApiKeyRequest) -> Result<(), ServerError> {
    let mut errors = Vec::new();
    let n = req.name.trim().chars().count();
    if !(1..=100).contains(&n) {
        errors.push(FieldError {
            field: "name".into(),
            message: "must be 1 to 100 characters".into(),
        });
    }
    if let Some(scopes) = &req.scopes
        && (scopes.is_empty() || scopes.iter().any(|s| !API_KEY_SCOPES.contains(&s.as_str())))
    {
        errors.push(FieldError {
            field: "scopes".into(),
            message: format!("must be one or more of {}", API_KEY_SCOPES.join(", ")),
        });
    }
    if req
        .expires_in_days
        .is_some_and(|d| !(1..=3650).contains(&d))
    {
        errors.push(FieldError {
            field: "expires_in_days".into(),
            message: "must be 1 to 3650".into(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServerError::Validation(errors))
    }
}

/// Inserts a key for `owner` with its audit row and email, inside `txn`.
async fn insert_key<C: ConnectionTrait>(
    txn: &C,
    meta: &RequestMeta,
    owner: &user::Model,
    req: &CreateApiKeyRequest,
    email_kind: &'static str,
) -> Result<ApiKeyCreated, ServerError> {
    let (key, prefix, hash) = generate();
    let scopes = req
        .scopes
        .clone()
        .unwrap_or_else(|| API_KEY_SCOPES.iter().map(|s| s.to_string()).collect());
    let now = Utc::now();
    let created = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(owner.id),
        name: Set(req.name.trim().to_string()),
        prefix: Set(prefix),
        key_hash: Set(hash),
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
        op: Operation::Insert,
        table: "api_keys",
        record_id: created.id,
        old: None,
        new: Some(key_audit_json(&created)),
    };
    audit::record(txn, meta, Some(owner.id), change).await?;
    let (subject, intro) = match email_kind {
        "developer_upgrade" => (
            "Welcome, developer: your Pintar Ekspor API key",
            "Your account is now a developer account and your first API key was created.",
        ),
        _ => (
            "A new Pintar Ekspor API key",
            "A new API key was created on your account.",
        ),
    };
    outbox::queue(
        txn,
        Email {
            to: owner.email.clone(),
            subject: subject.into(),
            body: format!(
                "Hello {},\n\n{intro}\n\nName: {}\nKey: {}… (shown in full only once, when it was created)\n\n\
                 If this was not you, revoke it under Developer keys and change your password.\n",
                owner.display_name, created.name, created.prefix
            ),
            kind: email_kind,
        },
    )
    .await?;
    Ok(ApiKeyCreated {
        key,
        info: info(&created),
    })
}

async fn owner(state: &AppState, id: Uuid) -> Result<user::Model, ServerError> {
    user::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ServerError::NotFound("account".into()))
}

/// Become a developer: returns the first API key, shown once, and emails the user.
///
/// Learners (`public`) only; others get 409.
#[utoipa::path(post, path = "/auth/upgrade-role", tag = "developer", security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = UpgradeResponse), (status = 401), (status = 409, description = "already a developer or admin")))]
async fn upgrade(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
) -> Result<(StatusCode, Json<UpgradeResponse>), ServerError> {
    let current = owner(&state, caller.id).await?;
    // The stored role decides (the token's may be up to 15 minutes old).
    if current.role != Role::Public.as_str() {
        return Err(ServerError::Conflict(format!(
            "you are already {}",
            current.role
        )));
    }
    let txn = state.db.begin().await?;
    let mut active: user::ActiveModel = current.clone().into();
    active.role = Set(Role::Developer.as_str().into());
    active.updated_at = Set(Utc::now());
    let updated = update_user(&txn, &meta, Some(caller.id), &current, active).await?;
    let first = CreateApiKeyRequest {
        name: "default".into(),
        ..CreateApiKeyRequest::default()
    };
    let api_key = insert_key(&txn, &meta, &updated, &first, "developer_upgrade").await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(UpgradeResponse {
            role: Role::Developer,
            api_key,
        }),
    ))
}

/// Create an API key (shown once) and email the owner.
///
/// Developers and admins.
#[utoipa::path(post, path = "/developer/key", tag = "developer", request_body = CreateApiKeyRequest, security(("bearer" = []), ("api_key" = [])),
    responses((status = 201, body = ApiKeyCreated), (status = 401), (status = 403), (status = 422)))]
async fn create_key(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Json(req): Json<CreateApiKeyRequest>,
) -> Result<(StatusCode, Json<ApiKeyCreated>), ServerError> {
    caller.require(&[Role::Developer, Role::Admin])?;
    validate(&req)?;
    let account = owner(&state, caller.id).await?;
    let txn = state.db.begin().await?;
    let created = insert_key(&txn, &meta, &account, &req, "api_key_created").await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The caller's API keys (never the secrets).
///
/// Developers and admins.
#[utoipa::path(get, path = "/developer/keys", tag = "developer", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Vec<ApiKeyInfo>), (status = 401), (status = 403)))]
async fn list_keys(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<Vec<ApiKeyInfo>>, ServerError> {
    caller.require(&[Role::Developer, Role::Admin])?;
    let keys = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(caller.id))
        .order_by_desc(api_key::Column::CreatedAt)
        .all(&state.db)
        .await?;
    Ok(Json(keys.iter().map(info).collect()))
}

/// Revoke one of the caller's API keys (idempotent).
///
/// Developers and admins.
#[utoipa::path(delete, path = "/developer/keys/{id}", tag = "developer",
    params(("id" = String, Path, description = "key id")), security(("bearer" = []), ("api_key" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn revoke_key(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Path(id): Path<String>,
) -> Result<StatusCode, ServerError> {
    caller.require(&[Role::Developer, Role::Admin])?;
    let id = parse_id(&id)?;
    // Someone else's key is "not found", so ids cannot be probed.
    let key = api_key::Entity::find_by_id(id)
        .filter(api_key::Column::UserId.eq(caller.id))
        .one(&state.db)
        .await?
        .ok_or_else(|| ServerError::NotFound("API key".into()))?;
    if key.revoked_at.is_some() {
        return Ok(StatusCode::NO_CONTENT);
    }
    let txn = state.db.begin().await?;
    let mut active: api_key::ActiveModel = key.clone().into();
    active.revoked_at = Set(Some(Utc::now()));
    let revoked = active.update(&txn).await?;
    let change = Change {
        op: Operation::Update,
        table: "api_keys",
        record_id: revoked.id,
        old: Some(key_audit_json(&key)),
        new: Some(key_audit_json(&revoked)),
    };
    audit::record(&txn, &meta, Some(caller.id), change).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
