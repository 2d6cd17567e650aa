//! The analytics engine's tests, as one test binary (one link of polars instead of five):
//! hand-checked behaviour, arbitrary input, report round-trips, scaling, and the accuracy
//! figures against the shared reference series.

mod cost;
mod engine;
mod fuzz_input;
mod report_roundtrip;
mod scaling;
mod shared_data;

/// The scaling tests time the engine against itself, so nothing else may run beside their
/// measurements (the other tests of this binary would load the two cores unevenly and skew
/// the ratio): they hold this lock exclusively, every other test holds it shared.
mod timing {
    use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

    static LOCK: RwLock<()> = RwLock::new(());

    /// For a test that measures: runs alone (the other holders wait).
    pub fn alone() -> RwLockWriteGuard<'static, ()> {
        LOCK.write().unwrap_or_else(|e| e.into_inner())
    }

    /// For every other test: runs beside its peers, never during a measurement.
    pub fn shared() -> RwLockReadGuard<'static, ()> {
        LOCK.read().unwrap_or_else(|e| e.into_inner())
    }
}
