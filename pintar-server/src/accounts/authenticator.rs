//! Checking credentials on every request: a JWT's signature, then that its session is still
//! live and its account active, with the account's current role; an API key's hash, then
//! that the key is live and its owner active. What the database says is kept for a short
//! time (`PINTAR_AUTH_CACHE_MS`, 1 s by default; 0 looks up every request), so a
//! revocation, a disabling or a role change made on another instance takes effect within
//! that time, and on this instance at once ([`Authenticator::forget`]).

use super::sessions;
use crate::auth::{AuthKeys, Credentials, hash_token};
use crate::error::ServerError;
use crate::policy::{Caller, Scopes, Via};
use crate::storage::entities::{api_key, user};
use chrono::{DateTime, Utc};
use moka::sync::Cache;
use pintar_core::api::Role;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use uuid::Uuid;

/// Entries kept per cache (bounded whatever clients send).
const CAPACITY: u64 = 100_000;

/// A key's last use is written at most this often.
const LAST_USED_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// What a live key grants.
#[derive(Debug, Clone, Copy)]
struct Grant {
    id: Uuid,
    user: Uuid,
    role: Role,
    scopes: Scopes,
    expires_at: Option<DateTime<Utc>>,
}

/// What a live session's account looks like now.
#[derive(Debug, Clone)]
struct Account {
    role: Role,
    name: std::sync::Arc<str>,
}

/// Verifies credentials, with the short-lived caches described above.
pub struct Authenticator {
    keys: AuthKeys,
    /// (user, session) → the account's role and name while the session is live and the
    /// account active, else `None`.
    sessions: Option<Cache<(Uuid, Uuid), Option<Account>>>,
    /// Key hash → its grant while the key is live and its owner active. Only good keys are
    /// kept: made-up keys must not push them out.
    api_keys: Option<Cache<String, Grant>>,
    /// Bumped by [`Authenticator::forget`]: an answer read from the database before a
    /// change committed is not cached after it.
    generation: AtomicU64,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("cached", &self.sessions.is_some())
            .finish_non_exhaustive()
    }
}

fn invalid_key() -> ServerError {
    ServerError::Unauthorized("the API key is not valid, revoked or expired".into())
}

fn ended_session() -> ServerError {
    ServerError::Unauthorized("this session has ended; sign in again".into())
}

impl Authenticator {
    /// Signs and verifies with `keys`; caches answers for `ttl` (none when zero).
    pub fn new(keys: AuthKeys, ttl: Duration) -> Self {
        Self {
            keys,
            sessions: cache(ttl),
            api_keys: cache(ttl),
            generation: AtomicU64::new(0),
        }
    }

    /// The token signing keys.
    pub fn keys(&self) -> &AuthKeys {
        &self.keys
    }

    /// Drops every cached answer: called after a change that ends sessions or keys, a role
    /// change or a disabling, so this instance sees it on the very next request.
    pub fn forget(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(c) = &self.sessions {
            c.invalidate_all();
        }
        if let Some(c) = &self.api_keys {
            c.invalidate_all();
        }
    }

    /// The display name of a signed-in `caller`: from the session cache when this request
    /// checked it a moment ago, else from the database.
    pub async fn display_name(
        &self,
        db: &DatabaseConnection,
        caller: &Caller,
    ) -> Result<String, ServerError> {
        if let (Some(sid), Some(cache)) = (caller.session(), &self.sessions)
            && let Some(Some(account)) = cache.get(&(caller.id, sid))
        {
            return Ok(account.name.to_string());
        }
        Ok(super::users::load(db, caller.id).await?.display_name)
    }

    /// The caller these credentials prove, or 401.
    pub async fn authenticate(
        &self,
        db: &DatabaseConnection,
        credentials: &Credentials,
    ) -> Result<Caller, ServerError> {
        match credentials {
            Credentials::Bearer(token) => self.session(db, token, false).await,
            Credentials::WebSession(token) => self.session(db, token, true).await,
            Credentials::ApiKey(key) => self.api_key(db, key).await,
        }
    }

    async fn session(
        &self,
        db: &DatabaseConnection,
        token: &str,
        web: bool,
    ) -> Result<Caller, ServerError> {
        let claims = self.keys.verify(token)?;
        let bad = || ServerError::Unauthorized("the access token is not valid".into());
        // A website cookie is not an API token, nor the other way round.
        if claims.web != web {
            return Err(bad());
        }
        let id = Uuid::parse_str(&claims.sub).map_err(|_| bad())?;
        let sid = Uuid::parse_str(&claims.sid).map_err(|_| bad())?;
        let cached = self.sessions.as_ref().and_then(|c| c.get(&(id, sid)));
        let account = match cached {
            Some(a) => a,
            None => {
                let seen = self.generation.load(Ordering::SeqCst);
                let a = load_session(db, id, sid).await?;
                if let Some(c) = &self.sessions
                    && self.generation.load(Ordering::SeqCst) == seen
                {
                    c.insert((id, sid), a.clone());
                }
                a
            }
        };
        let role = account.ok_or_else(ended_session)?.role;
        Ok(Caller {
            id,
            role,
            via: Via::Session { sid },
        })
    }

    async fn api_key(&self, db: &DatabaseConnection, key: &str) -> Result<Caller, ServerError> {
        let hash = hash_token(key);
        let cached = self.api_keys.as_ref().and_then(|c| c.get(&hash));
        let grant = match cached {
            Some(g) => Some(g),
            None => {
                let seen = self.generation.load(Ordering::SeqCst);
                let g = load_key(db, &hash).await?;
                if let (Some(c), Some(g)) = (&self.api_keys, g)
                    && self.generation.load(Ordering::SeqCst) == seen
                {
                    c.insert(hash, g);
                }
                g
            }
        };
        let grant = grant
            .filter(|g| g.expires_at.is_none_or(|e| e > Utc::now()))
            .ok_or_else(invalid_key)?;
        Ok(Caller {
            id: grant.user,
            role: grant.role,
            via: Via::ApiKey {
                id: grant.id,
                scopes: grant.scopes,
            },
        })
    }
}

/// A bounded cache keeping entries for `ttl`, or none when `ttl` is zero.
fn cache<K, V>(ttl: Duration) -> Option<Cache<K, V>>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    (!ttl.is_zero()).then(|| {
        Cache::builder()
            .max_capacity(CAPACITY)
            .time_to_live(ttl)
            .build()
    })
}

fn stored_role(u: &user::Model) -> Result<Role, ServerError> {
    u.role
        .parse::<Role>()
        .map_err(|e| ServerError::Internal(format!("stored role: {e}")))
}

/// The account's role and name if the session is live and the account active.
async fn load_session(
    db: &DatabaseConnection,
    id: Uuid,
    sid: Uuid,
) -> Result<Option<Account>, ServerError> {
    let Some(account) = user::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|u| u.is_active)
    else {
        return Ok(None);
    };
    if !sessions::is_live(db, id, sid).await? {
        return Ok(None);
    }
    Ok(Some(Account {
        role: stored_role(&account)?,
        name: account.display_name.into(),
    }))
}

/// The key's grant if it is live and its owner active; notes its use.
async fn load_key(db: &DatabaseConnection, hash: &str) -> Result<Option<Grant>, ServerError> {
    let Some(found) = api_key::Entity::find()
        .filter(api_key::Column::KeyHash.eq(hash))
        .one(db)
        .await?
        .filter(|k| k.revoked_at.is_none())
    else {
        return Ok(None);
    };
    // Keys belong to developers and admins: a learner's key (one that survived a
    // demotion somehow) opens nothing.
    let Some(owner) = user::Entity::find_by_id(found.user_id)
        .one(db)
        .await?
        .filter(|u| u.is_active && u.role != Role::Public.as_str())
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if found.last_used_at.is_none_or(|t| now - t > LAST_USED_EVERY) {
        // Best effort: a failed note must not fail the request.
        let noted = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(found.id))
            .exec(db)
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, "could not record API key use");
        }
    }
    Ok(Some(Grant {
        id: found.id,
        user: owner.id,
        role: stored_role(&owner)?,
        scopes: Scopes::from_names(
            found
                .scopes
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str()),
        ),
        expires_at: found.expires_at,
    }))
}
