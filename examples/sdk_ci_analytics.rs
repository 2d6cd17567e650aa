//! CI-style platform analytics: completion rates of every course and the weekly enrolment
//! activity with a forecast, printed as one JSON document on stdout for a pipeline to keep
//! or check. Reads `PINTAR_API_KEY` (a developer key with the `analytics` scope) and
//! `PINTAR_SERVER` (default `http://127.0.0.1:8000`) from the environment.
//!
//! On failure it prints the error as JSON on stderr — with the API's stable `code`
//! (`rate_limited`, `forbidden`, …) — and exits non-zero: 2 for configuration, 3 when the
//! key is refused (401/403), 4 for other API errors, 5 when the server cannot be reached or
//! does not answer in time, 1 for anything else.
//!
//! ```text
//! PINTAR_SERVER=https://pintar.example PINTAR_API_KEY=pk_… cargo run --example sdk_ci_analytics
//! ```

use futures_util::TryStreamExt;
use pintar_sdk::types::{ActivityInterval, ActivityMetric};
use pintar_sdk::{Client, Error, RetryPolicy};
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(doc) => {
            println!("{doc:#}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let (exit, code) = classify(&e);
            let mut body = json!({"error": {"code": code, "message": e.to_string()}});
            if let Some(api) = e.api() {
                body["error"]["status"] = json!(api.status);
                body["error"]["request_id"] = json!(api.request_id);
                body["error"]["retry_after_secs"] = json!(api.retry_after.map(|d| d.as_secs()));
            }
            eprintln!("{body:#}");
            ExitCode::from(exit)
        }
    }
}

/// The exit status and the error's code.
fn classify(e: &Error) -> (u8, String) {
    match e {
        Error::Api(api) if matches!(api.status, 401 | 403) => (3, api.code.clone()),
        Error::Api(api) => (4, api.code.clone()),
        Error::Unauthenticated(_) => (3, "unauthenticated".into()),
        Error::Config(_) => (2, "config".into()),
        Error::Transport(_) => (5, "unreachable".into()),
        Error::Timeout(_) => (5, "timeout".into()),
        Error::Decode { .. } => (1, "decode".into()),
        _ => (1, "error".into()),
    }
}

async fn run() -> Result<serde_json::Value, Error> {
    let server = std::env::var("PINTAR_SERVER").unwrap_or_else(|_| "http://127.0.0.1:8000".into());
    let key = std::env::var("PINTAR_API_KEY")
        .map_err(|_| Error::Config("PINTAR_API_KEY is not set".into()))?;
    let client = Client::builder()
        .base_url(&server)
        .api_key(key)
        .timeout(Duration::from_secs(60))
        // A CI job can afford to wait out a busy server a little longer.
        .retry(RetryPolicy::default().max_retries(5))
        .build()?;

    let insights = client.insights();
    let completion: Vec<_> = insights
        .completion()
        .per_page(100)
        .stream()
        .try_collect()
        .await?;
    let activity = insights
        .activity()
        .metric(ActivityMetric::Enrollments)
        .interval(ActivityInterval::Week)
        .points(26)
        .horizon(4)
        .forecast(true)
        .send()
        .await?;

    Ok(json!({
        "server": server,
        "completion_rates": completion,
        "activity": activity,
    }))
}
