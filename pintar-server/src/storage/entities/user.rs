//! An account.

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
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
}

/// No relations are navigated from users yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
