//! HTTP plumbing shared by the API and the website: the gate (client address, credentials,
//! rate limits), the access layer (an operation per route, checked before any body is
//! read), extractors, request bodies and uploads, paging, and cross-cutting middleware.
//! The server's one error type becomes a problem document in `crate::error`.

pub mod access;
pub mod body;
pub mod client_ip;
pub mod credentials;
pub mod extract;
pub mod gate;
pub mod middleware;
pub mod multipart;
pub mod pagination;
pub mod ratelimit;
