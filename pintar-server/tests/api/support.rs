//! Test harness: a real server on a loopback port over a real database, for each engine
//! (`pintar_server::testing`; `pintar_server::engine_tests!` runs a test on both engines).

#![allow(dead_code)]

pub use pintar_server::testing::*;
