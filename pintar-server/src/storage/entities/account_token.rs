//! A one-time token of an account (email verification, password reset, change of email),
//! stored as a SHA-256 hash; single use, short-lived.

use sea_orm::entity::prelude::*;

/// A row of `account_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The account.
    pub user_id: Uuid,
    /// `verify_email`, `reset_password` or `change_email`.
    pub purpose: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The address a change of email moves to.
    pub new_email: Option<String>,
    /// Issued at (UTC).
    pub created_at: DateTimeUtc,
    /// Unusable after (UTC).
    pub expires_at: DateTimeUtc,
    /// Set when used (or superseded).
    pub used_at: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
