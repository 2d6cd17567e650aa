//! An opaque refresh token, stored as a SHA-256 hash; rotated on every use.

use sea_orm::entity::prelude::*;

/// A row of `refresh_tokens`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// UUIDv7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Owner.
    pub user_id: Uuid,
    /// Every token descended from one login shares its family; reuse revokes the family.
    pub family_id: Uuid,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Issued at (UTC).
    pub created_at: DateTimeUtc,
    /// Unusable after (UTC).
    pub expires_at: DateTimeUtc,
    /// Set when rotated, logged out or revoked.
    pub revoked_at: Option<DateTimeUtc>,
    /// The token that replaced this one on rotation.
    pub replaced_by: Option<Uuid>,
    /// A website session (its cookie carries the access token).
    pub web: bool,
    /// The client that signed in, as it named itself (at most 200 characters).
    pub user_agent: Option<String>,
    /// The address it signed in from.
    pub ip: Option<String>,
    /// Last seen (website sessions, to the minute).
    pub last_seen_at: Option<DateTimeUtc>,
}

/// No relations are navigated.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
