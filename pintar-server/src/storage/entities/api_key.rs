//! A developer's API key: `pk_` + secret, stored as a SHA-256 hash with a visible prefix.

use sea_orm::entity::prelude::*;

/// A row of `api_keys`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Owner's label for the key.
    pub name: String,
    /// First characters of the key, shown in listings (`pk_ab12cd34`).
    pub prefix: String,
    /// SHA-256 of the whole key, hex.
    #[sea_orm(unique)]
    pub key_hash: String,
    /// Granted scopes (JSON array of strings).
    pub scopes: Json,
    /// Created (UTC).
    pub created_at: DateTimeUtc,
    /// Last request made with it (UTC), updated at most once a minute.
    pub last_used_at: Option<DateTimeUtc>,
    /// Unusable after (UTC), if set.
    pub expires_at: Option<DateTimeUtc>,
    /// Set when revoked.
    pub revoked_at: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
