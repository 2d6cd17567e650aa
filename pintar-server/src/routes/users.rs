//! `/api/v1/users/me`: the caller's own account.

use crate::app::AppState;
use crate::audit::{self, Change, Operation, RequestMeta};
use crate::auth::{AuthUser, hash_password, verify_password};
use crate::error::{FieldError, ServerError};
use crate::routes::auth::{revoke_tokens, validate_password};
use crate::storage::entities::{refresh_token, user};
use axum::Json;
use axum::extract::State;
use chrono::Utc;
use pintar_core::api::{Role, UpdateProfileRequest, UserProfile};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module (any signed-in role).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me, update_me))
}

/// The API view of a user.
pub fn profile(u: &user::Model) -> Result<UserProfile, ServerError> {
    Ok(UserProfile {
        id: u.id.to_string(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: u
            .role
            .parse::<Role>()
            .map_err(|e| ServerError::Internal(format!("stored role: {e}")))?,
        is_active: u.is_active,
        created_at: u.created_at,
    })
}

/// A user row for the audit log: everything but the password hash.
pub fn audit_json(u: &user::Model) -> serde_json::Value {
    serde_json::json!({
        "id": u.id,
        "email": u.email,
        "display_name": u.display_name,
        "role": u.role,
        "is_active": u.is_active,
        "created_at": u.created_at,
        "updated_at": u.updated_at,
        "last_login_at": u.last_login_at,
    })
}

/// Saves `changes` to the user `before` and records both versions in the audit log, through
/// `conn` (the caller's transaction): the one way users are updated.
pub async fn update_user<C: ConnectionTrait>(
    conn: &C,
    meta: &RequestMeta,
    actor: Option<Uuid>,
    before: &user::Model,
    changes: user::ActiveModel,
) -> Result<user::Model, ServerError> {
    let after = changes.update(conn).await?;
    let change = Change {
        op: Operation::Update,
        table: "users",
        record_id: after.id,
        old: Some(audit_json(before)),
        new: Some(audit_json(&after)),
    };
    audit::record(conn, meta, actor, change).await?;
    Ok(after)
}

async fn load(state: &AppState, caller: AuthUser) -> Result<user::Model, ServerError> {
    user::Entity::find_by_id(caller.id)
        .one(&state.db)
        .await?
        .ok_or_else(|| ServerError::NotFound("account".into()))
}

/// The caller's account.
///
/// Any signed-in role.
#[utoipa::path(get, path = "/users/me", tag = "auth", security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = UserProfile), (status = 401)))]
async fn me(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<Json<UserProfile>, ServerError> {
    profile(&load(&state, caller).await?).map(Json)
}

/// Change the caller's display name or password (a new password needs the current one and
/// ends other sessions).
///
/// Any signed-in role.
#[utoipa::path(patch, path = "/users/me", tag = "auth", request_body = UpdateProfileRequest, security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = UserProfile), (status = 401), (status = 422)))]
async fn update_me(
    State(state): State<AppState>,
    caller: AuthUser,
    meta: RequestMeta,
    Json(req): Json<UpdateProfileRequest>,
) -> Result<Json<UserProfile>, ServerError> {
    let current = load(&state, caller).await?;
    let mut errors = Vec::new();
    let name = req.display_name.as_deref().map(str::trim);
    if name.is_some_and(|n| n.is_empty() || n.chars().count() > 100) {
        errors.push(FieldError {
            field: "display_name".into(),
            message: "must be 1 to 100 characters".into(),
        });
    }
    if let Some(pw) = &req.password {
        errors.extend(validate_password(pw));
        if req.current_password.is_none() {
            errors.push(FieldError {
                field: "current_password".into(),
                message: "is required to set a new password".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ServerError::Validation(errors));
    }
    let mut active: user::ActiveModel = current.clone().into();
    if let Some(n) = name {
        active.display_name = Set(n.to_string());
    }
    let new_password = match (req.password, req.current_password) {
        (Some(pw), Some(cur)) => {
            if !verify_password(cur, current.password_hash.clone()).await {
                return Err(ServerError::Validation(vec![FieldError {
                    field: "current_password".into(),
                    message: "is not your current password".into(),
                }]));
            }
            active.password_hash = Set(hash_password(pw).await?);
            true
        }
        _ => false,
    };
    active.updated_at = Set(Utc::now());
    let txn = state.db.begin().await?;
    let updated = update_user(&txn, &meta, Some(caller.id), &current, active).await?;
    if new_password {
        // A new password ends every other session.
        revoke_tokens(&txn, refresh_token::Column::UserId, updated.id).await?;
    }
    txn.commit().await?;
    profile(&updated).map(Json)
}
