//! The CPU pool analyses run on: a dedicated rayon pool (off the async runtime, so `/health`
//! and course reads answer while the engine works), entered through two semaphores.
//!
//! `running` has one permit per thread: at most that many analyses are in the pool at
//! once, each free to use every thread for its series. `admitted` bounds synchronous
//! callers waiting for a permit; when it is full the caller is told to come back
//! (503 with `Retry-After`) instead of growing a backlog in memory. Jobs wait in the
//! database, not here, and take a `running` permit only when a worker claims one.

use crate::error::ServerError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

/// Seconds a caller refused for a full queue is told to wait.
const BUSY_RETRY_SECS: u32 = 5;

/// The analysis pool.
pub struct CpuPool {
    pool: rayon::ThreadPool,
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    threads: usize,
}

/// A place among the admitted synchronous analyses.
pub struct Admission(#[allow(dead_code)] OwnedSemaphorePermit);

/// The right to run one analysis now.
pub struct RunPermit(#[allow(dead_code)] OwnedSemaphorePermit);

impl CpuPool {
    /// A pool of `threads` threads (0: one per CPU) admitting `queue` waiting callers.
    pub fn new(threads: usize, queue: usize) -> Result<Self, ServerError> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(2, std::num::NonZero::get)
        } else {
            threads
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("analysis-{i}"))
            .build()
            .map_err(|e| ServerError::Config(format!("cannot start the analysis pool: {e}")))?;
        Ok(Self {
            pool,
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads + queue)),
            threads,
        })
    }

    /// Threads in the pool.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Admits a synchronous caller, or refuses at once when the queue is full.
    pub fn admit(&self) -> Result<Admission, ServerError> {
        self.admitted
            .clone()
            .try_acquire_owned()
            .map(Admission)
            .map_err(|_| ServerError::Busy {
                detail: "the analysis queue is full; try again shortly (or send ?async=true to queue a job)".into(),
                retry_after: BUSY_RETRY_SECS,
            })
    }

    /// Waits for a free thread.
    pub async fn permit(&self) -> Result<RunPermit, ServerError> {
        self.running
            .clone()
            .acquire_owned()
            .await
            .map(RunPermit)
            .map_err(|_| ServerError::Internal("the analysis pool is closed".into()))
    }

    /// A free thread now, if there is one.
    pub fn try_permit(&self) -> Option<RunPermit> {
        self.running.clone().try_acquire_owned().ok().map(RunPermit)
    }

    /// Runs `work` in the pool (its rayon calls use the pool's threads) and returns its
    /// result; the permit is held until it is done. A panic in `work` is an internal error,
    /// not a crash.
    pub async fn run<T, F>(&self, permit: RunPermit, work: F) -> Result<T, ServerError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.pool.spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            drop(permit);
            let _ = tx.send(out);
        });
        match rx.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ServerError::Internal("the analysis panicked".into())),
            Err(_) => Err(ServerError::Internal("the analysis was dropped".into())),
        }
    }
}

/// Bytes of uploads the server holds at once (being read, waiting, or analysed), counted
/// in KiB as they arrive: a caller past it is told to come back (503) instead of growing
/// memory. Each account may hold at most its share at once (429 beyond), so a few slow
/// uploads from one account cannot spend everyone's budget.
pub struct UploadBudget {
    kib: Arc<Semaphore>,
    share_kib: usize,
    held: Shares,
}

/// KiB each account has in flight.
type Shares = Arc<Mutex<HashMap<Uuid, usize>>>;

/// A share of the upload budget, returned when dropped.
#[derive(Debug, Default)]
pub struct Reserved {
    permit: Option<OwnedSemaphorePermit>,
    kib: usize,
    account: Option<(Uuid, Shares)>,
}

impl Drop for Reserved {
    fn drop(&mut self) {
        if let Some((id, held)) = &self.account
            && let Ok(mut held) = held.lock()
            && let Some(kib) = held.get_mut(id)
        {
            *kib = kib.saturating_sub(self.kib);
            if *kib == 0 {
                held.remove(id);
            }
        }
    }
}

impl UploadBudget {
    /// A budget of `bytes` (at least one KiB), of which one account may hold `share` bytes.
    pub fn new(bytes: usize, share: usize) -> Self {
        let kib = (bytes / 1024).clamp(1, Semaphore::MAX_PERMITS);
        Self {
            kib: Arc::new(Semaphore::new(kib)),
            share_kib: share.div_ceil(1024).max(1),
            held: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// An empty reservation of `account` (its uploads count against its share).
    pub fn reserve_for(&self, account: Uuid) -> Reserved {
        Reserved {
            permit: None,
            kib: 0,
            account: Some((account, self.held.clone())),
        }
    }

    /// Grows `held` to cover `bytes`, or refuses at once: 429 when its account holds its
    /// share, 503 when the whole budget is spent.
    pub fn grow(&self, held: &mut Reserved, bytes: usize) -> Result<(), ServerError> {
        let need = bytes.div_ceil(1024);
        if need <= held.kib {
            return Ok(());
        }
        let more = need - held.kib;
        let mut shares = match &held.account {
            Some((id, map)) => {
                let map = map
                    .lock()
                    .map_err(|_| ServerError::Internal("upload shares poisoned".into()))?;
                if map.get(id).copied().unwrap_or(0) + more > self.share_kib {
                    return Err(ServerError::TooMany {
                        code: "upload_share_exceeded",
                        detail: format!(
                            "this account is uploading {} at once, as much as one account may; wait for its uploads to finish",
                            human(self.share_kib)
                        ),
                        retry_after: BUSY_RETRY_SECS,
                    });
                }
                Some((*id, map))
            }
            None => None,
        };
        let permit = self
            .kib
            .clone()
            .try_acquire_many_owned(u32::try_from(more).unwrap_or(u32::MAX))
            .map_err(|_| ServerError::Busy {
                detail: "the server is receiving as many uploads as it can hold; try again shortly"
                    .into(),
                retry_after: BUSY_RETRY_SECS,
            })?;
        if let Some((id, map)) = &mut shares {
            *map.entry(*id).or_insert(0) += more;
        }
        match &mut held.permit {
            Some(p) => p.merge(permit),
            None => held.permit = Some(permit),
        }
        held.kib = need;
        Ok(())
    }
}

/// KiB as people read them.
fn human(kib: usize) -> String {
    if kib >= 1024 {
        format!("{} MiB", kib / 1024)
    } else {
        format!("{kib} KiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_frees_on_drop() {
        let pool = CpuPool::new(1, 1).expect("pool");
        let first = pool.admit().expect("first");
        let second = pool.admit().expect("second waits");
        let refused = pool.admit().err().expect("third refused");
        assert!(matches!(refused, ServerError::Busy { retry_after, .. } if retry_after > 0));
        drop(first);
        let _third = pool.admit().expect("room again");
        drop(second);
    }

    #[test]
    fn the_upload_budget_is_shared_and_returned() {
        let budget = UploadBudget::new(10 * 1024, 10 * 1024);
        let mut a = Reserved::default();
        budget.grow(&mut a, 6 * 1024).expect("6 KiB");
        budget.grow(&mut a, 6 * 1024 - 5).expect("already held");
        let mut b = Reserved::default();
        assert!(budget.grow(&mut b, 5 * 1024).is_err(), "4 KiB left");
        budget.grow(&mut b, 4 * 1024).expect("4 KiB");
        drop(a);
        budget
            .grow(&mut b, 10 * 1024)
            .expect("all of it once a is gone");
    }

    #[test]
    fn one_account_holds_at_most_its_share() {
        let budget = UploadBudget::new(100 * 1024, 10 * 1024);
        let me = Uuid::now_v7();
        let mut a = budget.reserve_for(me);
        budget.grow(&mut a, 8 * 1024).expect("8 KiB");
        let mut b = budget.reserve_for(me);
        let refused = budget.grow(&mut b, 4 * 1024).expect_err("past the share");
        assert!(
            matches!(refused, ServerError::TooMany { .. }),
            "429, not 503"
        );
        // Someone else is not held back by it.
        let mut other = budget.reserve_for(Uuid::now_v7());
        budget.grow(&mut other, 10 * 1024).expect("their own share");
        drop(a);
        budget.grow(&mut b, 10 * 1024).expect("the share is back");
    }

    #[tokio::test]
    async fn work_runs_off_the_runtime_and_panics_are_errors() {
        let pool = CpuPool::new(2, 0).expect("pool");
        let permit = pool.permit().await.expect("permit");
        let name = pool
            .run(permit, || std::thread::current().name().map(String::from))
            .await
            .expect("runs");
        assert!(name.is_some_and(|n| n.starts_with("analysis-")));
        let permit = pool.permit().await.expect("permit");
        #[allow(clippy::panic)]
        let out = pool.run(permit, || -> u8 { panic!("boom") }).await;
        assert!(matches!(out, Err(ServerError::Internal(_))));
        // The permit came back.
        assert!(pool.try_permit().is_some());
    }
}
