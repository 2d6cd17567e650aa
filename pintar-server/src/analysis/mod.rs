//! Data analytics on the server: uploads read within their own limit, the engine run on a
//! bounded CPU pool, every analysis stored as a run, and large inputs queued as jobs that
//! any instance's worker may claim.

pub mod input;
pub mod jobs;
pub mod pool;
pub mod runs;

use crate::config::Settings;
use crate::error::ServerError;
use pintar_core::AnalyticsError;
use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::options::AnalysisOptions;
use pintar_core::report::AnalysisReport;
use pool::{CpuPool, UploadBudget};
use runs::Outcome;
use std::time::Duration;
use tokio::sync::Notify;

/// The analytics service an instance shares between its handlers and its job worker.
pub struct Analytics {
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
}

impl Analytics {
    /// The service as `settings` configure it.
    pub fn new(settings: &Settings) -> Result<Self, ServerError> {
        Ok(Self {
            pool: CpuPool::new(settings.analytics_threads, settings.analytics_queue)?,
            budget: UploadBudget::new(settings.analytics_upload_budget_bytes),
            upload_timeout: Duration::from_secs(settings.upload_timeout_secs.clamp(1, 86_400)),
            wake: Notify::new(),
            worker: format!("worker-{}", uuid::Uuid::now_v7().simple()),
            lease: Duration::from_secs(settings.analytics_lease_secs.clamp(1, 86_400)),
            poll: Duration::from_millis(settings.analytics_poll_ms.clamp(10, 3_600_000)),
        })
    }
}

/// What the engine made of an input: the report, its JSON text, and the per-period table
/// when asked for.
#[derive(Debug)]
pub struct Computed {
    /// The report.
    pub report: AnalysisReport,
    /// The report as JSON (what is stored and sent).
    pub json: String,
    /// The per-period CSV.
    pub csv: Option<String>,
}

/// Analyses `bytes`, and writes the table too with `csv` (call it on the pool: it is CPU
/// work).
pub fn compute(
    bytes: &[u8],
    format: InputFormat,
    opts: &AnalysisOptions,
    csv: bool,
) -> Result<Computed, AnalyticsError> {
    let report = analyze_bytes(bytes, format, opts)?;
    let json =
        serde_json::to_string(&report).map_err(|e| AnalyticsError::Write(format!("JSON: {e}")))?;
    let csv = if csv {
        Some(pintar_core::table::periods_csv(&report)?)
    } else {
        None
    };
    Ok(Computed { report, json, csv })
}

/// The stored outcome of a computation (what a failed one would have answered).
pub fn outcome(
    result: Result<Computed, ServerError>,
) -> (Outcome, Option<(AnalysisReport, Option<String>)>) {
    match result {
        Ok(c) => (
            Outcome::Succeeded {
                summary: Box::new(c.report.summary.clone()),
                report_json: c.json,
            },
            Some((c.report, c.csv)),
        ),
        Err(e) => (Outcome::Failed(e.to_problem()), None),
    }
}
