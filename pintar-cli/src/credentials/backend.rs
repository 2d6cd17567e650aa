//! The secret-store interface, and the time limit around every call to it.

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;
use thiserror::Error;

/// Why a secret store call failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BackendError {
    /// The store did not answer in time (a hung D-Bus, a prompt nobody answers).
    #[error("no answer within {} s", .0.as_secs_f32())]
    Timeout(Duration),
    /// The store cannot be used here: no Secret Service, locked, access denied.
    #[error("{0}")]
    Unavailable(String),
    /// The store answered with an error about this entry.
    #[error("{0}")]
    Failed(String),
}

/// A place that keeps one secret string per account (here: per profile).
/// Implementations may block; callers run them through [`timed`].
pub trait SecretBackend: Send + Sync + 'static {
    /// The secret of `account`, or `None` if there is none.
    fn get(&self, account: &str) -> Result<Option<String>, BackendError>;
    /// Stores (or replaces) the secret of `account`.
    fn set(&self, account: &str, secret: &str) -> Result<(), BackendError>;
    /// Deletes the secret of `account`; deleting a missing one is not an error.
    fn delete(&self, account: &str) -> Result<(), BackendError>;
}

/// Runs `job` against `backend` on its own thread and waits at most `limit`.
///
/// On time-out the thread is left behind (it ends with the process), and the
/// caller gets [`BackendError::Timeout`]. Running on a fresh thread also means no
/// async runtime is ever entered from a runtime thread, so this is safe to call
/// from `tokio::task::spawn_blocking` or plain synchronous code alike.
pub(super) fn timed<T, F>(
    backend: &Arc<dyn SecretBackend>,
    limit: Duration,
    job: F,
) -> Result<T, BackendError>
where
    T: Send + 'static,
    F: FnOnce(&dyn SecretBackend) -> Result<T, BackendError> + Send + 'static,
{
    let backend = Arc::clone(backend);
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("pintar-keyring".into())
        .spawn(move || {
            // The receiver may be gone after a time-out; nothing to do then.
            let _ = tx.send(job(backend.as_ref()));
        })
        .map_err(|e| BackendError::Unavailable(format!("cannot start a thread: {e}")))?;
    match rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(BackendError::Timeout(limit)),
        Err(RecvTimeoutError::Disconnected) => Err(BackendError::Failed(
            "the keyring call crashed (panicked)".into(),
        )),
    }
}
