//! API keys: creation (`pk_` + 256 random bits), and authentication by their SHA-256 hash.

use super::{AuthUser, Scopes, Via, hash_token, random_token};
use crate::app::AppState;
use crate::error::ServerError;
use crate::storage::entities::{api_key, user};
use chrono::{Duration, Utc};
use pintar_core::api::{ApiKeyInfo, Role};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Every key starts with this.
pub const KEY_PREFIX: &str = "pk_";
/// Characters of the key kept visible in listings.
const VISIBLE: usize = 11;

/// A new key in the clear, with its visible prefix and stored hash.
pub fn generate() -> (String, String, String) {
    let key = format!("{KEY_PREFIX}{}", random_token(32));
    let prefix = key.chars().take(VISIBLE).collect();
    let hash = hash_token(&key);
    (key, prefix, hash)
}

/// The API view of a stored key.
pub fn info(k: &api_key::Model) -> ApiKeyInfo {
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

/// Finds the live key and its active owner, and notes the use (at most once a minute).
pub async fn authenticate(state: &AppState, key: &str) -> Result<AuthUser, ServerError> {
    let invalid =
        || ServerError::Unauthorized("the API key is not valid, revoked or expired".into());
    if !key.starts_with(KEY_PREFIX) {
        return Err(invalid());
    }
    let now = Utc::now();
    let found = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash_token(key)))
        .one(&state.db)
        .await?
        .filter(|k| k.revoked_at.is_none() && k.expires_at.is_none_or(|e| e > now))
        .ok_or_else(invalid)?;
    let owner = user::Entity::find_by_id(found.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid)?;
    let role = owner
        .role
        .parse::<Role>()
        .map_err(|e| ServerError::Internal(format!("stored role: {e}")))?;
    if found
        .last_used_at
        .is_none_or(|t| now - t > Duration::minutes(1))
    {
        // Best effort: a failed note must not fail the request.
        let noted = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(found.id))
            .exec(&state.db)
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, "could not record API key use");
        }
    }
    Ok(AuthUser {
        id: owner.id,
        role,
        via: Via::ApiKey {
            id: found.id,
            scopes: Scopes::from_names(
                found
                    .scopes
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str()),
            ),
        },
    })
}

/// Parses a key id from a path.
pub fn parse_id(id: &str) -> Result<Uuid, ServerError> {
    Uuid::parse_str(id).map_err(|_| ServerError::NotFound("API key".into()))
}
