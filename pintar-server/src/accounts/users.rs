//! Accounts: registration, the owner's profile changes and the admins' role and status
//! changes, each in one transaction with its audit rows and emails.

use super::validate::{self, MAX_NAME};
use super::{keys, sessions};
use crate::audit::{self, Action, Change};
use crate::auth::{hash_password, verify_password};
use crate::error::ServerError;
use crate::mail::outbox::{self, Email};
use crate::mail::{Message, Policy};
use crate::policy::{Caller, Origin};
use crate::storage::entities::user;
use chrono::Utc;
use pintar_core::api::{
    AdminUserUpdate, ApiKeyCreated, CreateApiKeyRequest, FieldError, RegisterRequest, Role,
    UpdateProfileRequest, UserProfile,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set, SqlErr,
};
use uuid::Uuid;

/// The API view of a user.
pub fn profile(u: &user::Model) -> Result<UserProfile, ServerError> {
    Ok(UserProfile {
        id: u.id.to_string(),
        email: u.email.clone(),
        display_name: u.display_name.clone(),
        role: role_of(u)?,
        is_active: u.is_active,
        email_verified: u.email_verified_at.is_some(),
        created_at: u.created_at,
    })
}

/// 403 unless the account's email is verified (upgrading and making keys need it).
pub fn require_verified(u: &user::Model) -> Result<(), ServerError> {
    if u.email_verified_at.is_none() {
        return Err(ServerError::Unverified(
            "confirm your email first: open the link we sent to it (or ask for a new one at POST /api/v1/auth/verify-email/resend)".into(),
        ));
    }
    Ok(())
}

/// The stored role of `u`.
pub fn role_of(u: &user::Model) -> Result<Role, ServerError> {
    u.role
        .parse::<Role>()
        .map_err(|e| ServerError::Internal(format!("stored role: {e}")))
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
        "email_verified_at": u.email_verified_at,
    })
}

/// Saves `changes` to the user `before` and records both versions in the audit log, through
/// `conn` (the caller's transaction): the one way users are updated.
pub async fn update_user<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    before: &user::Model,
    changes: user::ActiveModel,
) -> Result<user::Model, ServerError> {
    let after = changes.update(conn).await?;
    let change = Change {
        op: Action::Update,
        table: "users",
        record_id: after.id,
        old: Some(audit_json(before)),
        new: Some(audit_json(&after)),
    };
    audit::record(conn, meta, actor, change).await?;
    Ok(after)
}

/// Inserts a new account with its audit row, through `conn`.
pub async fn insert_user<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    email: String,
    password_hash: String,
    display_name: String,
    role: Role,
    verified: bool,
) -> Result<user::Model, ServerError> {
    let now = Utc::now();
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        password_hash: Set(password_hash),
        display_name: Set(display_name),
        role: Set(role.as_str().into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        email_verified_at: Set(verified.then_some(now)),
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => ServerError::from(e),
    })?;
    let change = Change {
        op: Action::Insert,
        table: "users",
        record_id: created.id,
        old: None,
        new: Some(audit_json(&created)),
    };
    audit::record(conn, meta, Some(created.id), change).await?;
    Ok(created)
}

fn email_taken() -> ServerError {
    ServerError::Conflict("an account with this email already exists".into())
}

/// The account with this email, if any.
pub async fn by_email<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Option<user::Model>, ServerError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await?)
}

/// The account `id`, or 404.
pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<user::Model, ServerError> {
    user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ServerError::NotFound("account".into()))
}

/// Creates a learner account. When `verify` is given, the account starts unverified and its
/// verification email is queued in the same transaction.
pub async fn register(
    db: &DatabaseConnection,
    meta: &Origin,
    req: RegisterRequest,
    verify: Option<(&Policy, &super::Links)>,
) -> Result<user::Model, ServerError> {
    let mut errors = Vec::new();
    let email = validate::email(&req.email).map_err(|e| errors.push(e)).ok();
    errors.extend(validate::password(&req.password));
    if let Some(name) = &req.display_name {
        errors.extend(validate::single_line("display_name", name, MAX_NAME));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return Err(ServerError::Validation(errors));
    };
    if by_email(db, &email).await?.is_some() {
        return Err(email_taken());
    }
    let password_hash = hash_password(req.password).await?;
    let txn = crate::storage::write(db).await?;
    // Without a name the account is called by its email's local part (the user can change
    // it later); asking a new learner for less is worth the blander default.
    let name = match &req.display_name {
        Some(n) => n.trim().to_string(),
        None => email
            .split('@')
            .next()
            .unwrap_or_default()
            .chars()
            .take(MAX_NAME)
            .collect(),
    };
    let created = insert_user(
        &txn,
        meta,
        email,
        password_hash,
        name,
        Role::Public,
        verify.is_none(),
    )
    .await?;
    if let Some((policy, links)) = verify {
        super::recovery::queue_verification(&txn, policy, links, &created).await?;
    }
    txn.commit().await?;
    Ok(created)
}

/// The owner changes their display name or password. A new password needs the current one
/// and ends every other session at once (this one goes on).
pub async fn update_profile(
    db: &DatabaseConnection,
    meta: &Origin,
    caller: &Caller,
    req: UpdateProfileRequest,
) -> Result<user::Model, ServerError> {
    let current = load(db, caller.id).await?;
    let mut errors = Vec::new();
    if let Some(n) = &req.display_name {
        errors.extend(validate::single_line("display_name", n, MAX_NAME));
    }
    if let Some(pw) = &req.password {
        errors.extend(validate::password(pw));
        if req.current_password.is_none() {
            errors.push(FieldError::new(
                "current_password",
                "is required to set a new password",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ServerError::Validation(errors));
    }
    let mut active: user::ActiveModel = current.clone().into();
    if let Some(n) = &req.display_name {
        active.display_name = Set(n.trim().to_string());
    }
    let new_password = match (req.password, req.current_password) {
        (Some(pw), Some(cur)) => {
            if !verify_password(cur, current.password_hash.clone()).await {
                return Err(ServerError::Validation(vec![FieldError::new(
                    "current_password",
                    "is not your current password",
                )]));
            }
            active.password_hash = Set(hash_password(pw).await?);
            true
        }
        _ => false,
    };
    active.updated_at = Set(Utc::now());
    let txn = crate::storage::write(db).await?;
    let updated = update_user(&txn, meta, Some(caller.id), &current, active).await?;
    if new_password {
        sessions::revoke_all(&txn, updated.id, caller.session()).await?;
        // A pending change of email (or reset) asked before must not outlive the password.
        super::tokens::revoke_all(&txn, updated.id).await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// Makes a learner a developer and creates their first API key (shown once, emailed by
/// prefix). Anyone else gets 409.
pub async fn upgrade(
    db: &DatabaseConnection,
    meta: &Origin,
    caller: &Caller,
    policy: &Policy,
) -> Result<ApiKeyCreated, ServerError> {
    let txn = crate::storage::write(db).await?;
    let current = load(&txn, caller.id).await?;
    let already = || ServerError::Conflict(format!("you are already {}", current.role));
    if current.role != Role::Public.as_str() {
        return Err(already());
    }
    require_verified(&current)?;
    // Claimed with a condition: of two concurrent upgrades only one makes a first key.
    let claimed = user::Entity::update_many()
        .col_expr(user::Column::Role, Expr::value(Role::Developer.as_str()))
        .col_expr(user::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(user::Column::Id.eq(current.id))
        .filter(user::Column::Role.eq(Role::Public.as_str()))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(already());
    }
    let updated = load(&txn, current.id).await?;
    let change = Change {
        op: Action::Update,
        table: "users",
        record_id: updated.id,
        old: Some(audit_json(&current)),
        new: Some(audit_json(&updated)),
    };
    audit::record(&txn, meta, Some(caller.id), change).await?;
    let first = CreateApiKeyRequest {
        name: "default".into(),
        ..CreateApiKeyRequest::default()
    };
    let key = keys::insert(
        &txn,
        meta,
        &updated,
        &first,
        keys::Occasion::Upgrade,
        policy,
    )
    .await?;
    txn.commit().await?;
    Ok(key)
}

/// What an admin's change did, for the caller to act on (drop cached sessions).
#[derive(Debug)]
pub struct AdminChange {
    /// The account after the change.
    pub user: user::Model,
    /// Whether sessions or keys were ended (caches must forget them).
    pub revoked: bool,
}

/// An admin changes another account's role or status. A role change is emailed; a
/// demotion to learner revokes the account's API keys; disabling ends its sessions and
/// stops its keys. Everything takes effect on the account's next request.
pub async fn admin_update(
    db: &DatabaseConnection,
    meta: &Origin,
    admin: &Caller,
    id: Uuid,
    req: AdminUserUpdate,
    policy: &Policy,
) -> Result<AdminChange, ServerError> {
    if id == admin.id {
        return Err(ServerError::Conflict(
            "change your own account through another admin".into(),
        ));
    }
    let before = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ServerError::NotFound("user".into()))?;
    let role_changed = req.role.filter(|r| r.as_str() != before.role);
    let disabling = req.is_active == Some(false) && before.is_active;
    let mut row: user::ActiveModel = before.clone().into();
    if let Some(r) = role_changed {
        row.role = Set(r.as_str().into());
    }
    if let Some(a) = req.is_active {
        row.is_active = Set(a);
    }
    row.updated_at = Set(Utc::now());
    let txn = crate::storage::write(db).await?;
    let after = update_user(&txn, meta, Some(admin.id), &before, row).await?;
    let revoked = disabling || role_changed.is_some();
    if let Some(r) = role_changed {
        let email = Email {
            user_id: after.id,
            to: after.email.clone(),
            message: Message::RoleChanged {
                name: after.display_name.clone(),
                from: role_of(&before)?,
                to: r,
                keys_revoked: r == Role::Public,
            },
        };
        outbox::queue(&txn, policy, email).await?;
        if r == Role::Public {
            keys::revoke_all(&txn, meta, Some(admin.id), after.id).await?;
        }
    }
    if disabling {
        sessions::revoke_all(&txn, after.id, None).await?;
    }
    txn.commit().await?;
    Ok(AdminChange {
        user: after,
        revoked,
    })
}
