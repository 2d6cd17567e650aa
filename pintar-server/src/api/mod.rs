//! The JSON API under `/api/v1`, one module per area, each exposing `router()`. Handlers
//! only extract, call one use case and shape the answer; who may call a route is the
//! operation's rule (`crate::http::access::api_operation`).

pub mod admin;
pub mod analysis;
pub mod auth;
pub mod authoring;
pub mod courses;
pub mod insights;
pub mod keys;
pub mod openapi;
pub mod recovery;
pub mod system;
pub mod users;
