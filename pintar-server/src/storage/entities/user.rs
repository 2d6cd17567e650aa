//! An account.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Login name, unique, stored lower-case.
    #[sea_orm(unique)]
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Name shown to others.
    pub display_name: String,
    /// `public`, `developer` or `admin`.
    pub role: String,
    /// Whether the account may log in.
    pub is_active: bool,
    /// When the account was created (UTC).
    pub created_at: DateTimeUtc,
    /// Last change (UTC).
    pub updated_at: DateTimeUtc,
    /// Last successful login (UTC).
    pub last_login_at: Option<DateTimeUtc>,
    /// When the owner opened the verification link (UTC); `None` until then.
    pub email_verified_at: Option<DateTimeUtc>,
}

/// The password hash stays out of `Debug` output (and so out of logs).
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("password_hash", &"<hidden>")
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("is_active", &self.is_active)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("last_login_at", &self.last_login_at)
            .field("email_verified_at", &self.email_verified_at)
            .finish()
    }
}

/// No relations are navigated from users yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
