//! The SDK against a wiremock server, as one test binary: each call's method, path,
//! credentials and body, the decoding of what the server answers, errors, retries, sessions
//! and pagination.

mod support;

mod admin;
mod analytics;
mod auth;
mod courses;
mod errors;
mod insights;
mod pagination;
mod retries;
mod session;
