//! The server's tests, as one test binary (one link of the server instead of fifteen): the
//! use cases called directly, the API on both engines (accounts, courses, analytics, email,
//! the role matrix, trust), the website over HTTP with its own role matrix, storage, and
//! the `pintar-server` binary itself.

mod support;

mod admin;
mod analytics;
mod auth;
mod binary;
mod bootstrap;
mod costs;
mod courses;
mod developer;
mod email;
mod pages;
mod platform;
mod platform_analytics;
mod rbac;
mod recovery;
mod storage;
mod system;
mod trust;
mod usecases;
mod web;
