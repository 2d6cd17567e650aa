//! The first admin: created on start when no admin exists (from `PINTAR_ADMIN_EMAIL` /
//! `PINTAR_ADMIN_PASSWORD`, or with a generated password printed once), and by
//! `pintar-server create-admin`.

use crate::accounts::users::{insert_user, update_user};
use crate::accounts::validate;
use crate::accounts::{keys, sessions};
use crate::auth::{hash_password, random_token};
use crate::error::ServerError;
use crate::policy::Origin;
use crate::storage::entities::user;
use chrono::Utc;
use pintar_core::api::Role;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

/// Email of the generated admin when none is configured.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@pintar.local";

/// Credentials made up on first start, to be shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Admin email.
    pub email: String,
    /// Generated password.
    pub password: String,
}

fn system() -> Origin {
    Origin::system("bootstrap")
}

/// Creates an admin, or promotes (and re-passwords) the user with this email, ending that
/// account's sessions and revoking its keys.
pub async fn create_admin(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<user::Model, ServerError> {
    let email = validate::email(email).map_err(|e| ServerError::Validation(vec![e]))?;
    if let Some(e) = validate::password(password) {
        return Err(ServerError::Validation(vec![e]));
    }
    let hash = hash_password(password.to_string()).await?;
    let now = Utc::now();
    let txn = crate::storage::write(db).await?;
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?;
    let saved = match existing {
        Some(u) => {
            let mut active: user::ActiveModel = u.clone().into();
            active.role = Set(Role::Admin.as_str().into());
            active.password_hash = Set(hash);
            active.is_active = Set(true);
            // The operator vouches for the address.
            active.email_verified_at = Set(u.email_verified_at.or(Some(now)));
            active.updated_at = Set(now);
            let promoted = update_user(&txn, &system(), None, &u, active).await?;
            // A new password for an existing account: whoever held its sessions or keys
            // before must not keep them, now with the admin role.
            sessions::revoke_all(&txn, promoted.id, None).await?;
            keys::revoke_all(&txn, &system(), None, promoted.id).await?;
            promoted
        }
        None => {
            let name = "Administrator".to_string();
            insert_user(
                &txn,
                &system(),
                email.clone(),
                hash,
                name,
                Role::Admin,
                true,
            )
            .await?
        }
    };
    txn.commit().await?;
    Ok(saved)
}

/// Makes sure an admin exists. With `email` and `password` configured, that account is
/// created if missing; with nothing configured and no admin yet, one is created with a
/// generated password, returned so the caller can print it once.
pub async fn ensure_admin(
    db: &DatabaseConnection,
    email: Option<&str>,
    password: Option<&str>,
) -> Result<Option<Generated>, ServerError> {
    if let (Some(email), Some(password)) = (email, password) {
        let exists = user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(db)
            .await?
            .is_some();
        if !exists {
            create_admin(db, email, password).await?;
        }
        return Ok(None);
    }
    let any_admin = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .one(db)
        .await?
        .is_some();
    if any_admin {
        return Ok(None);
    }
    let generated = Generated {
        email: email.unwrap_or(DEFAULT_ADMIN_EMAIL).to_string(),
        password: random_token(18),
    };
    create_admin(db, &generated.email, &generated.password).await?;
    Ok(Some(generated))
}
