//! HTTP routes, one module per area, each exposing `router()`.

pub mod auth;
pub mod developer;
pub mod system;
pub mod users;
