//! The state every handler shares.

use crate::accounts::Authenticator;
use crate::analysis::Analytics;
use crate::auth::AuthKeys;
use crate::config::Settings;
use crate::email::Mail;
use crate::error::ServerError;
use crate::learning::catalog::Catalog;
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// Credential checks and access-token signing.
    pub authn: Arc<Authenticator>,
    /// The published-course catalog.
    pub catalog: Arc<Catalog>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Rate limits.
    pub limiter: Arc<RateLimiter>,
    /// Data analytics: the CPU pool and the job worker's wake-up.
    pub analytics: Arc<Analytics>,
    /// The email queuing policy and the delivery worker's bell.
    pub mail: Arc<Mail>,
}

impl AppState {
    /// State over `db` with `settings`, signing tokens with `keys`.
    pub fn new(
        db: DatabaseConnection,
        settings: Settings,
        keys: AuthKeys,
    ) -> Result<Self, ServerError> {
        let catalog_ttl = Duration::from_secs(settings.catalog_cache_secs);
        let auth_ttl = Duration::from_millis(settings.auth_cache_ms);
        let mail = Arc::new(Mail::new(&settings));
        Ok(Self {
            db,
            analytics: Arc::new(Analytics::new(&settings)?),
            limiter: Arc::new(RateLimiter::new(&settings)),
            authn: Arc::new(Authenticator::new(keys, auth_ttl)),
            settings: Arc::new(settings),
            catalog: Arc::new(Catalog::new(catalog_ttl)),
            metrics: Arc::new(Metrics::default()),
            mail,
        })
    }

    /// The same state with another rate limiter (say, one counting in Redis).
    pub fn with_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Arc::new(limiter);
        self
    }

    /// The access-token signing keys.
    pub fn keys(&self) -> &AuthKeys {
        self.authn.keys()
    }
}
