//! SeaORM entities, one module per table, added as the features that use them arrive.

pub mod api_key;
pub mod audit_log;
pub mod email_outbox;
pub mod refresh_token;
pub mod user;
