//! The server's tests, as one test binary (one link of the server instead of fifteen): the
//! API on both engines (accounts, courses, analytics, email, the role matrix, trust), the
//! website over HTTP, storage, and the `pintar-server` binary itself.

mod support;

mod admin;
mod analytics;
mod auth;
mod binary;
mod bootstrap;
mod courses;
mod developer;
mod email;
mod platform;
mod platform_analytics;
mod rbac;
mod storage;
mod system;
mod trust;
mod web;
