//! End-to-end tests, as one test binary: the SDK and the `pintar` binary against a real
//! server on a loopback port (both engines), the CLI's output snapshots, and the
//! getting-started page's snippets.
//!
//! `pintar` is found next to this binary's folder (`target/<profile>/pintar`):
//! `cargo test --workspace` builds it, because `pintar-cli` has an integration test.

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod cli_snapshots;
mod recovery;
mod sdk;
mod start_snippets;
