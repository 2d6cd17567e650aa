//! The state every request shares, and the narrow context each domain's use cases take
//! from it (`State<learning::Context>` in a handler, say).

use crate::accounts::{self, Authenticator};
use crate::analysis;
use crate::auth::AuthKeys;
use crate::config::Settings;
use crate::error::ServerError;
use crate::http::ratelimit::RateLimiter;
use crate::insights;
use crate::learning;
use crate::mail::Mail;
use crate::metrics::Metrics;
use axum::extract::FromRef;
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
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Rate limits.
    pub limiter: Arc<RateLimiter>,
    /// The email queuing policy and the delivery worker's bell.
    pub mail: Arc<Mail>,
    /// What the learning use cases need (catalogue and structure caches).
    pub learning: learning::Context,
    /// What the account use cases need.
    pub accounts: accounts::Context,
    /// What the analysis use cases and the job worker need.
    pub analysis: analysis::Context,
    /// What the insights use cases need.
    pub insights: insights::Context,
}

impl AppState {
    /// How long website sessions last (idle, and at most).
    pub fn web_lifetime(&self) -> crate::auth::WebLifetime {
        crate::auth::WebLifetime::new(
            self.settings.web_session_idle_secs,
            self.settings.web_session_max_secs,
        )
    }

    /// State over `db` with `settings`, signing tokens with `keys`.
    pub fn new(
        db: DatabaseConnection,
        settings: Settings,
        keys: AuthKeys,
    ) -> Result<Self, ServerError> {
        if let Some(url) = &settings.public_url {
            let url = url.trim();
            let scheme = url.starts_with("https://") || url.starts_with("http://");
            if !url.is_empty()
                && (!scheme || url.contains(['?', '#']) || url.chars().any(char::is_whitespace))
            {
                return Err(ServerError::Config(format!(
                    "PINTAR_PUBLIC_URL must be the site's address, like https://pintar-ekspor.id (got {url:?})"
                )));
            }
        }
        let cache_ttl = Duration::from_secs(settings.catalog_cache_secs);
        let auth_ttl = Duration::from_millis(settings.auth_cache_ms);
        let mail = Arc::new(Mail::new(&settings));
        let authn = Arc::new(Authenticator::new(keys, auth_ttl));
        let metrics = Arc::new(Metrics::default());
        Ok(Self {
            learning: learning::Context::new(db.clone(), cache_ttl),
            accounts: accounts::Context {
                db: db.clone(),
                authn: authn.clone(),
                mail: mail.clone(),
                metrics: metrics.clone(),
                links: accounts::Links::new(&settings),
            },
            analysis: analysis::Context::new(db.clone(), &settings)?,
            insights: insights::Context { db: db.clone() },
            limiter: Arc::new(RateLimiter::new(&settings)),
            settings: Arc::new(settings),
            authn,
            metrics,
            mail,
            db,
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

/// The database alone, for use cases that need nothing else (the audit trail, the outbox).
#[derive(Clone)]
pub struct Database(pub DatabaseConnection);

impl FromRef<AppState> for Database {
    fn from_ref(state: &AppState) -> Self {
        Self(state.db.clone())
    }
}

impl FromRef<AppState> for learning::Context {
    fn from_ref(state: &AppState) -> Self {
        state.learning.clone()
    }
}

impl FromRef<AppState> for accounts::Context {
    fn from_ref(state: &AppState) -> Self {
        state.accounts.clone()
    }
}

impl FromRef<AppState> for analysis::Context {
    fn from_ref(state: &AppState) -> Self {
        state.analysis.clone()
    }
}

impl FromRef<AppState> for insights::Context {
    fn from_ref(state: &AppState) -> Self {
        state.insights.clone()
    }
}
