//! Analysis: upload a CSV or JSON file of time series and get the report (statistics,
//! trend, growth, seasonality, forecast), now or as a job; past runs.

use crate::client::Client;
use crate::error::{Error, Result};
use crate::http::{Body, Call};
use crate::page::ListRequest;
use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use pintar_core::Frequency;
use pintar_core::api::{AnalysisRun, AnalyzeParams, QuickAnalysis, ReportFormat, RunStatus};
use pintar_core::options::{DuplicatePolicy, OutlierPolicy};
use pintar_core::report::AnalysisReport;
use reqwest::Method;
use serde::Serialize;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Called as an upload goes: bytes sent so far, and the total when known.
pub type UploadProgress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// The encoding of uploaded data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DataFormat {
    /// Let the server look at the bytes.
    #[default]
    Detect,
    /// CSV with a header row.
    Csv,
    /// A JSON array of records, or `{"data": [...]}`.
    Json,
}

impl DataFormat {
    /// The format a file name suggests (`.csv`, `.json`), else [`DataFormat::Detect`].
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => DataFormat::Csv,
            Some("json") => DataFormat::Json,
            _ => DataFormat::Detect,
        }
    }

    fn media_type(self) -> &'static str {
        match self {
            DataFormat::Detect => "application/octet-stream",
            DataFormat::Csv => "text/csv",
            DataFormat::Json => "application/json",
        }
    }
}

/// What the data is.
enum Source {
    Bytes(Bytes),
    Stream(reqwest::Body, Option<u64>),
}

/// `client.analysis()`: analyse data, and the runs that analyses leave.
#[derive(Debug, Clone, Copy)]
pub struct AnalysisHandler<'a> {
    client: &'a Client,
}

impl<'a> AnalysisHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Analyses a file (read whole, then uploaded with progress).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let report = client.analysis().analyze_file("exports.csv").await?.horizon(6).report().await?;
    /// for s in &report.series {
    ///     println!("{}: {:?}", s.category, s.forecast.as_ref().map(|f| &f.model));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn analyze_file(self, path: impl AsRef<Path>) -> Result<Analyze<'a>> {
        let path = path.as_ref();
        let bytes = tokio::fs::read(path).await.map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(self
            .analyze_bytes(bytes)
            .format(DataFormat::from_path(path)))
    }

    /// Analyses data in memory.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::{Analysis, DataFormat};
    /// let csv = std::fs::read("exports.csv").expect("a file");
    /// let answer = client
    ///     .analysis()
    ///     .analyze_bytes(csv)
    ///     .format(DataFormat::Csv)
    ///     .progress(|sent, total| eprintln!("{sent} of {total:?} bytes sent"))
    ///     .send()
    ///     .await?;
    /// match answer {
    ///     Analysis::Done { report, .. } => println!("{} series", report.series.len()),
    ///     Analysis::Queued(run) => println!("queued as run {}", run.id),
    ///     _ => {}
    /// }
    /// # Ok(()) }
    /// ```
    pub fn analyze_bytes(self, data: impl Into<Bytes>) -> Analyze<'a> {
        Analyze::new(self.client, Source::Bytes(data.into()))
    }

    /// Analyses data from a stream of chunks (`len` when known lets the server refuse an
    /// oversized upload before it is sent). A stream is sent once: it is not retried.
    pub fn analyze_stream<S>(self, stream: S, len: Option<u64>) -> Analyze<'a>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + Sync + 'static,
    {
        let body = reqwest::Body::wrap_stream(stream.map_err(Box::new));
        Analyze::new(self.client, Source::Stream(body, len))
    }

    /// A quick look: per-series summary, trend and growth, without forecasts
    /// (`POST /analytics/quick-analysis`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::DataFormat;
    /// let csv = "date,category,value\n2024-01-01,kopi,120\n2024-02-01,kopi,125\n";
    /// let quick = client.analysis().quick(csv, DataFormat::Csv).await?;
    /// for s in quick.series {
    ///     println!("{}: {:?}, last {:?}", s.category, s.trend, s.last_value);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn quick(self, data: impl Into<Bytes>, format: DataFormat) -> Result<QuickAnalysis> {
        let call = Call::post(["analytics", "quick-analysis"])
            .upload()
            .body(Body::Bytes(data.into(), format.media_type()));
        self.client.json(call).await
    }

    /// The caller's runs, newest first (`GET /analytics/runs`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::types::RunStatus;
    /// let failed = client.analysis().runs().status(RunStatus::Failed).send().await?;
    /// for run in failed.items {
    ///     println!("{}: {:?}", run.id, run.error.map(|p| p.detail));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn runs(self) -> RunList<'a> {
        ListRequest::new(self.client, ["analytics", "runs"], RunFilter::default())
    }

    /// One run (`GET /analytics/runs/{id}`).
    pub async fn run(self, id: &str) -> Result<AnalysisRun> {
        self.client.json(Call::get(["analytics", "runs", id])).await
    }

    /// Deletes a finished run and its report (`DELETE /analytics/runs/{id}`).
    pub async fn delete_run(self, id: &str) -> Result<()> {
        self.client
            .empty(Call::new(Method::DELETE, ["analytics", "runs", id]))
            .await
    }

    /// A finished run's report (`GET /analytics/runs/{id}/report`). A failed run's
    /// error comes back as the [`ApiError`](crate::ApiError) it failed with.
    pub async fn report(self, id: &str) -> Result<AnalysisReport> {
        self.client
            .json(Call::get(["analytics", "runs", id, "report"]))
            .await
    }

    /// A finished run's per-period table as CSV.
    pub async fn report_csv(self, id: &str) -> Result<String> {
        let call = Call::get(["analytics", "runs", id, "report"])
            .query(&[("format", "csv")])?
            .accept("text/csv");
        let answer = self.client.execute(call).await?;
        Ok(String::from_utf8_lossy(&answer.body).into_owned())
    }

    /// Waits until a run is done, polling with a backoff from 250 ms up to 5 s, at most
    /// `limit` long ([`Error::Timeout`] after that).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::Analysis;
    /// use std::time::Duration;
    /// let answer = client.analysis().analyze_file("big.csv").await?.run_async(Some(true)).send().await?;
    /// if let Analysis::Queued(run) = answer {
    ///     let done = client.analysis().wait(&run.id, Duration::from_secs(600)).await?;
    ///     println!("{:?} in {:?} ms", done.status, done.duration_ms);
    ///     let report = client.analysis().report(&run.id).await?;
    /// #   let _ = report;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn wait(self, id: &str, limit: Duration) -> Result<AnalysisRun> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(250);
        loop {
            let run = self.run(id).await?;
            if run.status.is_done() {
                return Ok(run);
            }
            if started.elapsed() + delay > limit {
                return Err(Error::Timeout(limit));
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 3 / 2).min(Duration::from_secs(5));
        }
    }
}

/// Filters of the run list.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<RunStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
}

/// The run list, filtered and paged.
pub type RunList<'a> = ListRequest<'a, RunFilter, AnalysisRun>;

impl RunList<'_> {
    /// Only runs in this state.
    pub fn status(mut self, status: RunStatus) -> Self {
        self.filter.status = Some(status);
        self
    }

    /// Another user's runs (admins).
    pub fn user(mut self, user_id: impl Into<String>) -> Self {
        self.filter.user_id = Some(user_id.into());
        self
    }
}

/// What an analysis request gave.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Analysis {
    /// Analysed at once.
    Done {
        /// The run that recorded it.
        run_id: Option<String>,
        /// The report.
        report: Box<AnalysisReport>,
    },
    /// Analysed at once, as the per-period CSV.
    Csv {
        /// The run that recorded it.
        run_id: Option<String>,
        /// The CSV text.
        csv: String,
    },
    /// Queued as a job: wait with [`AnalysisHandler::wait`].
    Queued(Box<AnalysisRun>),
}

/// `POST /analytics/analyze` with its options.
#[must_use = "nothing is sent until `send`, `report` or `csv`"]
pub struct Analyze<'a> {
    client: &'a Client,
    source: Source,
    format: DataFormat,
    params: AnalyzeParams,
    progress: Option<UploadProgress>,
    wait_limit: Duration,
}

impl std::fmt::Debug for Analyze<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyze")
            .field("format", &self.format)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl<'a> Analyze<'a> {
    fn new(client: &'a Client, source: Source) -> Self {
        Self {
            client,
            source,
            format: DataFormat::Detect,
            params: AnalyzeParams::default(),
            progress: None,
            wait_limit: Duration::from_secs(3600),
        }
    }

    /// The data's encoding (default: detected by the server).
    pub fn format(mut self, format: DataFormat) -> Self {
        self.format = format;
        self
    }

    /// Periods to forecast (1 to 120; default one season).
    pub fn horizon(mut self, periods: usize) -> Self {
        self.params.horizon = Some(periods);
        self
    }

    /// Force the frequency instead of detecting it.
    pub fn frequency(mut self, frequency: Frequency) -> Self {
        self.params.frequency = Some(frequency);
        self
    }

    /// How several values for one period merge.
    pub fn duplicates(mut self, policy: DuplicatePolicy) -> Self {
        self.params.duplicates = Some(policy);
        self
    }

    /// What happens to outliers.
    pub fn outliers(mut self, policy: OutlierPolicy) -> Self {
        self.params.outliers = Some(policy);
        self
    }

    /// IQR multiplier of the outlier fences (0.5 to 10).
    pub fn iqr(mut self, multiplier: f64) -> Self {
        self.params.iqr = Some(multiplier);
        self
    }

    /// strftime-style format of unusual dates (`%d/%m/%Y`).
    pub fn date_format(mut self, format: impl Into<String>) -> Self {
        self.params.date_format = Some(format.into());
        self
    }

    /// Only these series.
    pub fn categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let list: Vec<String> = categories
            .into_iter()
            .map(|c| c.as_ref().to_string())
            .collect();
        self.params.categories = (!list.is_empty()).then(|| list.join(","));
        self
    }

    /// Leave the per-period history out of the report (smaller answers).
    pub fn without_history(mut self) -> Self {
        self.params.include_history = Some(false);
        self
    }

    /// Run as a job (`Some(true)`), at once (`Some(false)`), or as the server decides by
    /// size (`None`, the default).
    pub fn run_async(mut self, run_async: Option<bool>) -> Self {
        self.params.run_async = run_async;
        self
    }

    /// Called as the upload goes.
    pub fn progress(mut self, f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The longest [`report`](Self::report) and [`csv`](Self::csv) wait for a job
    /// (default an hour).
    pub fn wait_limit(mut self, limit: Duration) -> Self {
        self.wait_limit = limit;
        self
    }

    /// Uploads and returns the report, or the queued run.
    pub async fn send(self) -> Result<Analysis> {
        self.send_as(ReportFormat::Json).await
    }

    /// Uploads and returns the report, waiting for the job if the server queued one.
    pub async fn report(self) -> Result<AnalysisReport> {
        let (client, limit) = (self.client, self.wait_limit);
        match self.send_as(ReportFormat::Json).await? {
            Analysis::Done { report, .. } => Ok(*report),
            Analysis::Queued(run) => {
                let h = AnalysisHandler::new(client);
                h.wait(&run.id, limit).await?;
                h.report(&run.id).await
            }
            Analysis::Csv { .. } => Err(Error::Decode {
                status: 200,
                path: ".".into(),
                message: "asked for JSON, got CSV".into(),
            }),
        }
    }

    /// Uploads and returns the per-period CSV, waiting for the job if one was queued.
    pub async fn csv(self) -> Result<String> {
        let (client, limit) = (self.client, self.wait_limit);
        match self.send_as(ReportFormat::Csv).await? {
            Analysis::Csv { csv, .. } => Ok(csv),
            Analysis::Queued(run) => {
                let h = AnalysisHandler::new(client);
                h.wait(&run.id, limit).await?;
                h.report_csv(&run.id).await
            }
            Analysis::Done { .. } => Err(Error::Decode {
                status: 200,
                path: ".".into(),
                message: "asked for CSV, got JSON".into(),
            }),
        }
    }

    async fn send_as(mut self, format: ReportFormat) -> Result<Analysis> {
        self.params.format = Some(format);
        let media = self.format.media_type();
        let body = match self.source {
            Source::Bytes(b) => match self.progress {
                Some(p) => Body::Progress(b, media, p),
                None => Body::Bytes(b, media),
            },
            Source::Stream(s, len) => Body::Stream(s, media, len),
        };
        let call = Call::post(["analytics", "analyze"])
            .query(&self.params)?
            .upload()
            .accept(match format {
                ReportFormat::Json => "application/json",
                ReportFormat::Csv => "text/csv",
            })
            .body(body);
        let answer = self.client.execute(call).await?;
        let run_id = answer.header("x-run-id");
        if answer.status == 202 {
            return Ok(Analysis::Queued(Box::new(answer.json()?)));
        }
        Ok(match format {
            ReportFormat::Json => Analysis::Done {
                run_id,
                report: Box::new(answer.json()?),
            },
            ReportFormat::Csv => Analysis::Csv {
                run_id,
                csv: String::from_utf8_lossy(&answer.body).into_owned(),
            },
        })
    }
}
