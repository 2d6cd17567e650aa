//! `client.analysis()`: uploads with their options and progress, the 200/202 answers,
//! waiting for a job, quick analysis, and runs.

use crate::support;

use bytes::Bytes;
use pintar_sdk::types::{DuplicatePolicy, Frequency, OutlierPolicy, RunStatus};
use pintar_sdk::{Analysis, DataFormat, Error};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;
use wiremock::matchers::{body_bytes, body_string, header, method};
use wiremock::{Mock, Request, ResponseTemplate};

/// Progress steps seen: `(sent, total)`.
type Steps = Arc<Mutex<Vec<(u64, Option<u64>)>>>;

fn report_answer() -> ResponseTemplate {
    json(200, &report())
        .insert_header("x-run-id", RUN_ID)
        .insert_header(
            "content-location",
            format!("/api/v1/analytics/runs/{RUN_ID}/report").as_str(),
        )
}

fn queued_answer() -> ResponseTemplate {
    json(202, &run(RunStatus::Queued)).insert_header(
        "location",
        format!("/api/v1/analytics/runs/{RUN_ID}").as_str(),
    )
}

#[tokio::test]
async fn analyze_sends_the_options_as_query_and_the_data_as_body() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(with_key())
        .and(header("content-type", "text/csv"))
        .and(header("accept", "application/json"))
        .and(exact_query(&[
            ("horizon", "6"),
            ("frequency", "month"),
            ("duplicates", "mean"),
            ("outliers", "keep"),
            ("iqr", "2.5"),
            ("date_format", "%d/%m/%Y"),
            ("categories", "kopi,teh"),
            ("include_history", "false"),
            ("format", "json"),
            ("async", "false"),
        ]))
        .and(body_string(CSV))
        .respond_with(report_answer())
        .expect(1)
        .mount(&server)
        .await;

    let answer = key_client(&server)
        .analysis()
        .analyze_bytes(CSV)
        .format(DataFormat::Csv)
        .horizon(6)
        .frequency(Frequency::Month)
        .duplicates(DuplicatePolicy::Mean)
        .outliers(OutlierPolicy::Keep)
        .iqr(2.5)
        .date_format("%d/%m/%Y")
        .categories(["kopi", "teh"])
        .without_history()
        .run_async(Some(false))
        .send()
        .await
        .expect("analysed");
    match answer {
        Analysis::Done { run_id, report: r } => {
            assert_eq!(run_id.as_deref(), Some(RUN_ID));
            assert_eq!(*r, report());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn upload_progress_rises_to_the_total() {
    let server = server().await;
    // A few upload chunks' worth.
    let data: Vec<u8> = CSV.bytes().cycle().take(200_000).collect();
    let total = data.len() as u64;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(with_key())
        .and(header("content-type", "application/octet-stream"))
        .and(header("content-length", total.to_string().as_str()))
        .and(body_bytes(data.clone()))
        .respond_with(report_answer())
        .expect(1)
        .mount(&server)
        .await;

    let seen: Steps = Arc::default();
    let sink = Arc::clone(&seen);
    key_client(&server)
        .analysis()
        .analyze_bytes(data)
        .progress(move |sent, of| sink.lock().expect("lock").push((sent, of)))
        .report()
        .await
        .expect("report");

    let seen = seen.lock().expect("lock");
    assert!(seen.len() >= 4, "several steps: {seen:?}");
    assert_eq!(seen.first(), Some(&(0, Some(total))));
    assert_eq!(seen.last(), Some(&(total, Some(total))));
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "increasing: {seen:?}"
    );
    assert!(seen.iter().all(|(_, of)| *of == Some(total)));
}

#[tokio::test]
async fn a_202_is_the_queued_run() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(exact_query(&[("format", "json"), ("async", "true")]))
        .respond_with(queued_answer())
        .expect(1)
        .mount(&server)
        .await;

    let answer = key_client(&server)
        .analysis()
        .analyze_bytes(CSV)
        .run_async(Some(true))
        .send()
        .await
        .expect("queued");
    match answer {
        Analysis::Queued(r) => assert_eq!(*r, run(RunStatus::Queued)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn report_on_a_202_polls_the_run_until_it_succeeds_then_fetches_the_report() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .respond_with(queued_answer())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}")))
        .and(with_key())
        .respond_with(json(200, &run(RunStatus::Running)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}")))
        .respond_with(json(200, &run(RunStatus::Succeeded)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}/report")))
        .and(with_key())
        .and(no_query())
        .respond_with(json(200, &report()))
        .expect(1)
        .mount(&server)
        .await;

    let r = key_client(&server)
        .analysis()
        .analyze_bytes(CSV)
        .report()
        .await
        .expect("report after the job");
    assert_eq!(r, report());
}

#[tokio::test]
async fn report_of_a_queued_run_that_fails_is_its_stored_problem() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .respond_with(queued_answer())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}")))
        .respond_with(json(200, &run(RunStatus::Failed)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}/report")))
        .respond_with(problem(
            422,
            "analysis_failed",
            "no series has enough points",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server)
        .analysis()
        .analyze_bytes(CSV)
        .report()
        .await
        .expect_err("failed run");
    let api = err.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (422, "analysis_failed"));
}

#[tokio::test]
async fn csv_asks_for_the_table() {
    let server = server().await;
    let table = "date,category,observed,cleaned,forecast\n2024-01-01,kopi,120,120,\n";
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(exact_query(&[("format", "csv")]))
        .and(header("accept", "text/csv"))
        .and(header("content-type", "application/json"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-run-id", RUN_ID)
                .set_body_raw(table, "text/csv; charset=utf-8"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .analysis()
        .analyze_bytes(r#"[{"date":"2024-01-01","category":"kopi","value":120}]"#)
        .format(DataFormat::Json)
        .csv()
        .await
        .expect("csv");
    assert_eq!(got, table);
}

#[tokio::test]
async fn csv_on_a_202_waits_for_the_job_then_fetches_the_table() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(exact_query(&[("format", "csv")]))
        .respond_with(queued_answer())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}")))
        .respond_with(json(200, &run(RunStatus::Succeeded)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}/report")))
        .and(exact_query(&[("format", "csv")]))
        .and(header("accept", "text/csv"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("date,category\n", "text/csv"))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .analysis()
        .analyze_bytes(CSV)
        .csv()
        .await
        .expect("csv after the job");
    assert_eq!(got, "date,category\n");
}

#[tokio::test]
async fn analyze_file_reads_the_file_and_takes_the_format_from_its_name() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(header("content-type", "text/csv"))
        .and(body_string(CSV))
        .respond_with(report_answer())
        .expect(1)
        .mount(&server)
        .await;

    let file = std::env::temp_dir().join(format!("pintar-sdk-test-{}.CSV", std::process::id()));
    std::fs::write(&file, CSV).expect("write");
    let client = key_client(&server);
    let result = client.analysis().analyze_file(&file).await;
    std::fs::remove_file(&file).expect("clean up");
    let r = result.expect("read").report().await.expect("report");
    assert_eq!(r.series[0].category, "kopi");

    let err = key_client(&server)
        .analysis()
        .analyze_file("/nonexistent/exports.csv")
        .await
        .expect_err("no file");
    match err {
        Error::Io { path, .. } => assert_eq!(path, "/nonexistent/exports.csv"),
        other => panic!("{other:?}"),
    }
    assert_eq!(DataFormat::from_path(Path::new("a.json")), DataFormat::Json);
    assert_eq!(
        DataFormat::from_path(Path::new("a.txt")),
        DataFormat::Detect
    );
}

#[tokio::test]
async fn analyze_stream_sends_every_chunk_once() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(header("content-length", CSV.len().to_string().as_str()))
        .and(body_string(CSV))
        .respond_with(report_answer())
        .expect(1)
        .mount(&server)
        .await;

    let (a, b) = CSV.split_at(30);
    let chunks = futures_util::stream::iter([
        Ok(Bytes::from(a.to_string())),
        Ok(Bytes::from(b.to_string())),
    ]);
    let r = key_client(&server)
        .analysis()
        .analyze_stream(chunks, Some(CSV.len() as u64))
        .format(DataFormat::Csv)
        .report()
        .await
        .expect("report");
    assert_eq!(r, report());
}

#[tokio::test]
async fn quick_analysis_posts_the_data() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/quick-analysis"))
        .and(with_key())
        .and(no_query())
        .and(header("content-type", "text/csv"))
        .and(body_string(CSV))
        .respond_with(json(200, &quick_analysis()))
        .expect(1)
        .mount(&server)
        .await;

    let q = key_client(&server)
        .analysis()
        .quick(CSV, DataFormat::Csv)
        .await
        .expect("quick");
    assert_eq!(q, quick_analysis());
}

#[tokio::test]
async fn runs_list_filters_and_pages() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/runs"))
        .and(bearer("access"))
        .and(exact_query(&[
            ("status", "failed"),
            ("user_id", USER_ID),
            ("per_page", "10"),
        ]))
        .respond_with(json(200, &page(vec![run(RunStatus::Failed)], 1, 1, 10)))
        .expect(1)
        .mount(&server)
        .await;

    let got = token_client(&server, "access", "refresh")
        .analysis()
        .runs()
        .status(RunStatus::Failed)
        .user(USER_ID)
        .per_page(10)
        .send()
        .await
        .expect("runs");
    assert_eq!(got.items, vec![run(RunStatus::Failed)]);
    assert_eq!(
        got.items[0].error.as_ref().map(|p| p.code.as_str()),
        Some("analysis_failed")
    );
}

#[tokio::test]
async fn run_report_report_csv_and_delete_run() {
    let server = server().await;
    let run_path = format!("/analytics/runs/{RUN_ID}");
    let report_path = format!("{run_path}/report");
    Mock::given(method("GET"))
        .and(api(&run_path))
        .and(with_key())
        .respond_with(json(200, &run(RunStatus::Succeeded)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&report_path))
        .and(no_query())
        .and(header("accept", "application/json"))
        .respond_with(json(200, &report()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&report_path))
        .and(exact_query(&[("format", "csv")]))
        .and(header("accept", "text/csv"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("date,category\n", "text/csv"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(api(&run_path))
        .and(with_key())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = key_client(&server);
    let h = client.analysis();
    assert_eq!(h.run(RUN_ID).await.expect("run"), run(RunStatus::Succeeded));
    assert_eq!(h.report(RUN_ID).await.expect("report"), report());
    assert_eq!(h.report_csv(RUN_ID).await.expect("csv"), "date,category\n");
    h.delete_run(RUN_ID).await.expect("deleted");
}

#[tokio::test]
async fn wait_gives_up_at_its_limit() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api(&format!("/analytics/runs/{RUN_ID}")))
        .respond_with(json(200, &run(RunStatus::Running)))
        .expect(1..)
        .mount(&server)
        .await;

    let err = key_client(&server)
        .analysis()
        .wait(RUN_ID, Duration::from_millis(100))
        .await
        .expect_err("still running");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(100)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_stream_upload_is_not_renewed_or_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/analytics/analyze"))
        .and(|r: &Request| r.body == CSV.as_bytes())
        .respond_with(problem(401, "unauthorized", "expired"))
        .expect(1)
        .mount(&server)
        .await;

    let chunks = futures_util::stream::iter([Ok(Bytes::from_static(CSV.as_bytes()))]);
    let err = token_client(&server, "access", "refresh")
        .analysis()
        .analyze_stream(chunks, None)
        .send()
        .await
        .expect_err("401");
    assert_eq!(err.status(), Some(401));
}
