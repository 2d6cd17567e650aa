//! When and how long to wait before trying a call again.

use std::time::Duration;

/// Retries of idempotent calls (GET, PUT, DELETE) answered 429, 502, 503 or 504, or that
/// could not connect: exponential backoff with full jitter, or the server's `Retry-After`
/// when it sends one.
///
/// ```
/// use std::time::Duration;
/// let policy = pintar_sdk::RetryPolicy::default()
///     .max_retries(5)
///     .base_delay(Duration::from_millis(100));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self::default().max_retries(0)
    }

    /// Retries after the first try (default 3).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// The first backoff step (default 250 ms); each retry doubles it.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// The longest backoff step (default 8 s).
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// The longest `Retry-After` honoured (default 60 s); a longer one ends the retries and
    /// the error carries it.
    pub fn max_retry_after(mut self, d: Duration) -> Self {
        self.max_retry_after = d;
        self
    }

    /// The wait before retry number `attempt` (from 0), or None to stop.
    pub(crate) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        if let Some(after) = retry_after {
            return (after <= self.max_retry_after).then_some(after);
        }
        let cap = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(fastrand::u64(0..=nanos)))
    }
}

/// Whether a status means "try again later" for an idempotent call.
pub(crate) fn retryable(status: u16) -> bool {
    matches!(status, 429 | 502 | 503 | 504)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_jittered_and_capped() {
        let p = RetryPolicy::default().max_retries(10);
        for attempt in 0..10 {
            let d = p.delay(attempt, None).expect("a retry");
            assert!(d <= Duration::from_secs(8), "{attempt}: {d:?}");
        }
        assert_eq!(p.delay(10, None), None);
    }

    #[test]
    fn retry_after_wins_until_it_is_too_long() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(2))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.delay(0, Some(Duration::from_secs(3600))), None);
        assert_eq!(RetryPolicy::never().delay(0, None), None);
    }
}
