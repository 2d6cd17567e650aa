//! Accounts, sessions and API keys: the rules and transactions behind the auth, profile,
//! developer and user-admin routes, and the per-request check of credentials. Route
//! handlers, the bootstrap and (later) the website call these; nothing here knows HTTP
//! routes.

pub mod authenticator;
pub mod keys;
pub mod sessions;
pub mod users;
pub mod validate;

pub use authenticator::Authenticator;
