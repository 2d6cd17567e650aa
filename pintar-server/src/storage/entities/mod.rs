//! SeaORM entities, one module per table, added as the features that use them arrive.

pub mod account_token;
pub mod activity_event;
pub mod analysis_charge;
pub mod analysis_input;
pub mod analysis_report;
pub mod analysis_run;
pub mod api_key;
pub mod audit_log;
pub mod content;
pub mod content_progress;
pub mod course;
pub mod email_outbox;
pub mod enrollment;
pub mod quiz_attempt;
pub mod refresh_token;
pub mod section;
pub mod user;
