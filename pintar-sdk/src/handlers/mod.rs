//! The API by area: each handler is reached from the [`Client`](crate::Client).

pub mod admin;
pub mod analysis;
pub mod auth;
pub mod certificates;
pub mod courses;
pub mod insights;
pub mod keys;
