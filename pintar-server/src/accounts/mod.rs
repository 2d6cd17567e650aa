//! Accounts, sessions and API keys, without HTTP. The use cases: [`account`] (registering,
//! the owner's profile, becoming a developer), [`signin`] (sessions: sign in, refresh, sign
//! out, the list of sessions), [`recovery`] (verifying the email, resetting the password,
//! changing the email), [`privacy`] (the owner's export and deletion of the account),
//! [`keys`] (API keys) and [`admin`] (admins' user management); under them the rows, the
//! one-time tokens, validation, and the per-request check of credentials
//! ([`authenticator`]).

pub mod account;
pub mod admin;
pub mod authenticator;
pub mod bootstrap;
pub mod keys;
pub mod privacy;
pub mod recovery;
pub mod sessions;
pub mod signin;
pub mod tokens;
pub mod users;
pub mod validate;

pub use authenticator::Authenticator;

use crate::mail::Mail;
use crate::metrics::Metrics;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

/// What the account use cases need: the database, the credential checker (its signing
/// keys and its cache), the outbox's bell and the sign-in counters.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: DatabaseConnection,
    /// Checks credentials and signs tokens; caches answers for a second.
    pub authn: Arc<Authenticator>,
    /// The email queuing policy and the delivery worker's bell.
    pub mail: Arc<Mail>,
    /// Sign-in counters.
    pub metrics: Arc<Metrics>,
    /// Where emailed links point, and whether new addresses must be verified.
    pub links: Links,
}

/// Where the links in account emails point, and whether new accounts must verify their
/// address.
#[derive(Debug, Clone)]
pub struct Links {
    /// The site's public address, without a trailing `/`.
    pub base: Arc<str>,
    /// New accounts start unverified and get a verification link.
    pub require_verification: bool,
}

impl Links {
    /// From settings.
    pub fn new(settings: &crate::config::Settings) -> Self {
        Self {
            base: settings.public_base().into(),
            require_verification: settings.require_email_verification,
        }
    }

    /// The link to the website's page `path` carrying `token`.
    pub fn to(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.base)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("accounts::Context").finish_non_exhaustive()
    }
}

impl Context {
    /// After a change that ends sessions or keys, a role change or a disabling commits:
    /// this instance's credential cache forgets at once (others within a second).
    pub fn credentials_changed(&self) {
        self.authn.forget();
    }
}
