//! HTTP routes, one module per area, each exposing `router()`.

pub mod admin;
pub mod analytics;
pub mod auth;
pub mod course_admin;
pub mod courses;
pub mod developer;
pub mod platform_analytics;
pub mod system;
pub mod users;
