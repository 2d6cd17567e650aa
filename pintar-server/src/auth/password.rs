//! argon2id password hashing on a bounded pool of its own.

use super::token::random_token;
use crate::error::ServerError;
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The threads argon2 runs on: one per core. Each hash takes 19 MiB and tens of
/// milliseconds on purpose; on the shared blocking pool a burst of sign-ins ran dozens at once
/// (25 concurrent sign-ins left the process at 1.9 GB) and every thread kept its allocator
/// arena. A fixed pool bounds both: the rest wait their turn.
fn argon2_pool() -> Result<&'static rayon::ThreadPool, ServerError> {
    static POOL: std::sync::OnceLock<Option<rayon::ThreadPool>> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        rayon::ThreadPoolBuilder::new()
            .num_threads(cores)
            .thread_name(|i| format!("argon2-{i}"))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot start the argon2 threads"))
            .ok()
    })
    .as_ref()
    .ok_or_else(|| ServerError::Internal("no argon2 threads".into()))
}

/// Runs an argon2 computation on [`argon2_pool`] and waits for it without blocking.
async fn argon2_task<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServerError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    argon2_pool()?.spawn(move || {
        let _ = tx.send(work());
    });
    rx.await
        .map_err(|e| ServerError::Internal(format!("hashing task failed: {e}")))
}

/// argon2id hash of a password (runs on a blocking thread: it is slow on purpose).
pub async fn hash_password(password: String) -> Result<String, ServerError> {
    argon2_task(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServerError::Internal(format!("cannot hash password: {e}")))
    })
    .await?
}

/// Whether `password` matches the stored hash (on a blocking thread).
pub async fn verify_password(password: String, hash: String) -> bool {
    argon2_task(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown so that the
/// answer takes as long as for a known one.
pub fn dummy_hash() -> String {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(random_token(16).as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_verify() {
        let hash = hash_password("correct horse battery".into())
            .await
            .expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery".into(), hash.clone()).await);
        assert!(!verify_password("wrong".into(), hash).await);
    }
}
