//! Analysis of uploaded series, without HTTP: uploads received within their limits
//! ([`input`]), the engine run on a bounded CPU pool ([`pool`]), every analysis stored as a
//! run ([`runs`]), and large inputs queued as jobs that any instance's worker may claim
//! ([`jobs`]). The use cases are [`submit`] (receive, analyse now or queue) and [`results`]
//! (the caller's runs and reports).

pub mod input;
pub mod jobs;
pub mod pool;
pub mod results;
pub mod runs;
pub mod submit;

use crate::config::Settings;
use crate::error::ServerError;
use pintar_core::AnalyticsError;
use pintar_core::analytics::{Budget, InputFormat, analyze_budgeted};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::AnalysisReport;
use pool::{CpuPool, UploadBudget};
use runs::Outcome;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// What the analysis use cases and the job worker need: the database, where analyses run,
/// and the limits.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: DatabaseConnection,
    /// The CPU pool, the upload budget and the job worker's settings.
    pub runner: Arc<Runner>,
    /// Limits on uploads, jobs and kept runs.
    pub limits: Limits,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("analysis::Context")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// A context over `db` as `settings` configure it.
    pub fn new(db: DatabaseConnection, settings: &Settings) -> Result<Self, ServerError> {
        Ok(Self {
            db,
            runner: Arc::new(Runner::new(settings)?),
            limits: Limits::from_settings(settings),
        })
    }
}

/// Limits on what one analysis and one account may use.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest upload, in bytes.
    pub max_upload_bytes: usize,
    /// Uploads larger than this are queued as jobs.
    pub async_bytes: usize,
    /// Jobs one account may have queued or running.
    pub jobs_per_user: u64,
    /// Jobs queued over all accounts.
    pub max_queued: u64,
    /// Finished runs kept per account.
    pub keep_runs: u64,
    /// Time one analysis may take.
    pub deadline: Duration,
    /// Most grid periods of one analysis.
    pub max_points: usize,
    /// Synchronous analyses one account may run at once (per instance).
    pub concurrent_per_user: u64,
    /// Bytes one account may keep stored (queued inputs and reports).
    pub stored_bytes_per_user: u64,
    /// CPU time of analysis one account may use per hour.
    pub cpu_per_hour: Duration,
}

impl Limits {
    /// The limits `settings` configure.
    pub fn from_settings(s: &Settings) -> Self {
        Self {
            max_upload_bytes: s.max_upload_bytes,
            async_bytes: s.analytics_async_bytes,
            jobs_per_user: s.analytics_jobs_per_user,
            max_queued: s.analytics_max_queued,
            keep_runs: s.analytics_keep_runs,
            deadline: Duration::from_secs(s.analytics_deadline_secs.clamp(1, 86_400)),
            max_points: s.analytics_max_points.max(1),
            concurrent_per_user: s.analytics_concurrent_per_user.max(1),
            stored_bytes_per_user: s.analytics_stored_bytes_per_user,
            cpu_per_hour: Duration::from_secs(s.analytics_cpu_secs_per_hour),
        }
    }

    /// The engine's budget for one analysis starting now.
    pub fn budget(&self) -> Budget {
        Budget {
            max_points: self.max_points,
            ..Budget::within(self.deadline)
        }
    }
}

/// Where analyses run: the CPU pool, the upload budget, and the job worker's name, lease
/// and bell. One per instance, shared by its requests and its worker.
pub struct Runner {
    /// Where the engine runs.
    pub pool: CpuPool,
    /// Upload bytes held at once.
    pub budget: UploadBudget,
    /// How long an upload may take to arrive.
    pub upload_timeout: Duration,
    /// Wakes this instance's job worker when a job is queued here.
    pub wake: Notify,
    /// This instance's worker name (claims carry it).
    pub worker: String,
    /// How long a claim lasts unless renewed.
    pub lease: Duration,
    /// How often an idle worker looks for jobs queued elsewhere.
    pub poll: Duration,
    /// Synchronous analyses running now, per account.
    running: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, u64>>,
}

/// One of an account's synchronous analyses on this instance, counted until dropped.
pub struct Running {
    runner: Arc<Runner>,
    account: uuid::Uuid,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut running) = self.runner.running.lock()
            && let Some(n) = running.get_mut(&self.account)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.account);
            }
        }
    }
}

impl Runner {
    /// Counts one more synchronous analysis of `account`, or 429 when it runs `limit`.
    pub fn start(
        self: &Arc<Self>,
        account: uuid::Uuid,
        limit: u64,
    ) -> Result<Running, ServerError> {
        let mut running = self
            .running
            .lock()
            .map_err(|_| ServerError::Internal("running analyses poisoned".into()))?;
        let n = running.entry(account).or_insert(0);
        if *n >= limit {
            return Err(ServerError::TooMany {
                code: "too_many_analyses",
                detail: format!(
                    "this account is already running {limit} analyses; wait for one to finish"
                ),
                retry_after: 5,
            });
        }
        *n += 1;
        Ok(Running {
            runner: Arc::clone(self),
            account,
        })
    }

    /// The runner as `settings` configure it.
    pub fn new(settings: &Settings) -> Result<Self, ServerError> {
        Ok(Self {
            pool: CpuPool::new(settings.analytics_threads, settings.analytics_queue)?,
            budget: UploadBudget::new(
                settings.analytics_upload_budget_bytes,
                settings.analytics_upload_share_bytes,
            ),
            running: std::sync::Mutex::new(std::collections::HashMap::new()),
            upload_timeout: Duration::from_secs(settings.upload_timeout_secs.clamp(1, 86_400)),
            wake: Notify::new(),
            worker: format!("worker-{}", uuid::Uuid::now_v7().simple()),
            lease: Duration::from_secs(settings.analytics_lease_secs.clamp(1, 86_400)),
            poll: Duration::from_millis(settings.analytics_poll_ms.clamp(10, 3_600_000)),
        })
    }
}

/// What the engine made of an input: the report, its JSON text, and the CPU time spent.
#[derive(Debug)]
pub struct Computed {
    /// The report.
    pub report: AnalysisReport,
    /// The report as JSON (what is stored and sent).
    pub json: String,
    /// CPU time the engine spent on it.
    pub cpu: Duration,
}

/// Analyses `bytes` within `budget` (call it on the pool: it is CPU work).
pub fn compute(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
    budget: &Budget,
) -> Result<Computed, AnalyticsError> {
    let analyzed = analyze_budgeted(bytes, format, opts, budget, &|_, _| {})?;
    let json = serde_json::to_string(&analyzed.report)
        .map_err(|e| AnalyticsError::Write(format!("JSON: {e}")))?;
    Ok(Computed {
        report: analyzed.report,
        json,
        cpu: analyzed.cpu,
    })
}

/// The stored outcome of a computation (what a failed one would have answered), and the
/// report of a succeeded one.
pub fn outcome(result: Result<Computed, ServerError>) -> (Outcome, Option<AnalysisReport>) {
    match result {
        Ok(c) => (
            Outcome::Succeeded {
                summary: Box::new(c.report.summary.clone()),
                report_json: c.json,
            },
            Some(c.report),
        ),
        Err(e) => (Outcome::Failed(e.to_problem()), None),
    }
}
