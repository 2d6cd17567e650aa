//! Test harness: a real server on a loopback port over a real database, for each engine.

#![allow(dead_code, missing_docs)]

pub use pintar_server::testing::*;

/// Two tests, `NAME::sqlite` and `NAME::postgres`, running `async fn NAME(engine: Engine)`
/// once on each engine: a failure on one engine cannot hide the other's result.
macro_rules! engine_tests {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::support::Engine::Sqlite).await
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(super::support::Engine::Postgres).await
            }
        }
    };
}
