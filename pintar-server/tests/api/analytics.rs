//! Data analytics over HTTP: the same report as the local engine, stored runs owned by
//! their callers, jobs claimed from the database by any instance (and again after a worker
//! died), and bad input refused clearly.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::analytics::{InputFormat, analyze_bytes};
use pintar_core::api::{AnalysisRun, AnalyzeParams, Page, QuickAnalysis, RunStatus};
use pintar_core::options::AnalysisOptions;
use pintar_server::Settings;
use pintar_server::analysis::runs::{self, NewRun};
use pintar_server::storage::entities::analysis_run;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use std::time::Duration;
use support::{Engine, TestServer};

/// A small monthly series with a gap, a duplicate date and an outlier, in two categories.
fn dirty_csv() -> String {
    let mut s = String::from("date,category,value\n");
    for m in 0..36 {
        let (y, mo) = (2021 + m / 12, m % 12 + 1);
        if m == 7 {
            continue; // a gap
        }
        let v = 100.0 + m as f64 * 3.0 + ((m % 12) as f64 * 0.5).sin() * 10.0;
        let v = if m == 20 { v * 9.0 } else { v };
        s.push_str(&format!("{y}-{mo:02}-01,kopi,{v:.2}\n"));
        s.push_str(&format!(
            "{y}-{mo:02}-01,teh,{:.2}\n",
            50.0 + (m % 5) as f64
        ));
    }
    s.push_str("2021-03-01,kopi,5\n"); // a duplicate date (summed)
    s
}

fn local(bytes: &[u8], opts: &AnalysisOptions) -> Value {
    let report = analyze_bytes(bytes, InputFormat::sniff(bytes), opts).expect("local analysis");
    serde_json::to_value(&report).expect("report json")
}

async fn post_raw(
    s: &TestServer,
    path: &str,
    token: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    s.client
        .post(s.url(path))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post")
}

async fn post_file(
    s: &TestServer,
    path: &str,
    token: &str,
    name: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(body).file_name(name.to_string()),
    );
    s.client
        .post(s.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("post multipart")
}

/// Polls a run until it is done.
async fn wait_done(s: &TestServer, token: &str, id: &str) -> AnalysisRun {
    for _ in 0..400 {
        let r = s
            .get(&format!("/api/v1/analytics/runs/{id}"), Some(token))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let run: AnalysisRun = serde_json::from_value(r.body).expect("run");
        if run.status.is_done() {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = s
        .get(&format!("/api/v1/analytics/runs/{id}"), Some(token))
        .await;
    panic!("run {id} did not finish: {}", r.body);
}

engine_tests!(remote_report_equals_local);
async fn remote_report_equals_local(engine: Engine) {
    let s = TestServer::start(engine).await;
    let t = s.learner("analis@example.id").await.access_token;
    let data = std::fs::read("../../shared/data/classic_monthly.csv")
        .or_else(|_| std::fs::read("../shared/data/classic_monthly.csv"))
        .expect("shared data");
    let expected = local(&data, &AnalysisOptions::default());

    // Multipart upload.
    let res = post_file(
        &s,
        "/api/v1/analytics/analyze",
        &t,
        "classic.csv",
        data.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let run_id = res.headers()["x-run-id"].to_str().expect("id").to_string();
    let remote: Value = res.json().await.expect("json");
    assert_eq!(remote, expected, "remote and local reports differ");
    // It decodes with the shared type.
    serde_json::from_value::<pintar_core::report::AnalysisReport>(remote).expect("decodes");

    // Raw body with options, and the CSV table.
    let opts = AnalyzeParams {
        horizon: Some(6),
        outliers: Some(pintar_core::options::OutlierPolicy::Keep),
        ..Default::default()
    };
    let res = post_raw(
        &s,
        "/api/v1/analytics/analyze?horizon=6&outliers=keep",
        &t,
        "text/csv",
        data.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let remote: Value = res.json().await.expect("json");
    assert_eq!(remote, local(&data, &opts.options().expect("options")));
    let res = post_raw(
        &s,
        "/api/v1/analytics/analyze?format=csv",
        &t,
        "text/csv",
        data.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .starts_with("text/csv")
    );
    let table = res.text().await.expect("csv");
    let report =
        analyze_bytes(&data, InputFormat::Csv, &AnalysisOptions::default()).expect("local");
    assert_eq!(
        table,
        pintar_core::table::periods_csv(&report).expect("csv")
    );

    // The stored run: its report as JSON and CSV.
    let r = s
        .get(&format!("/api/v1/analytics/runs/{run_id}"), Some(&t))
        .await;
    assert_eq!(r.status, 200);
    let run: AnalysisRun = serde_json::from_value(r.body).expect("run");
    assert_eq!(run.status, RunStatus::Succeeded);
    assert_eq!(run.source, "classic.csv");
    assert_eq!(run.input_bytes, data.len() as u64);
    assert_eq!(
        run.summary.expect("summary").series_count,
        expected["summary"]["series_count"].as_u64().expect("n") as usize
    );
    let r = s.get(&run.report_url, Some(&t)).await;
    assert_eq!(r.body, expected);
    let r = s
        .get(&format!("{}?format=csv", run.report_url), Some(&t))
        .await;
    assert_eq!(
        r.body,
        Value::String(pintar_core::table::periods_csv(&report).expect("csv"))
    );

    // Quick analysis: trend and growth, no forecast.
    let res = post_raw(
        &s,
        "/api/v1/analytics/quick-analysis",
        &t,
        "text/csv",
        dirty_csv().into_bytes(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let quick: QuickAnalysis = res.json().await.expect("quick");
    assert_eq!(quick.series.len(), 2);
    assert_eq!(quick.series[0].category, "kopi");
    assert!(quick.series[0].trend.is_some());
    s.stop().await;
}

engine_tests!(runs_belong_to_their_callers);
async fn runs_belong_to_their_callers(engine: Engine) {
    let settings = Settings {
        analytics_keep_runs: 3,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    let a = s.learner("a@example.id").await.access_token;
    let b = s.learner("b@example.id").await.access_token;
    let admin = s.admin("admin@example.id").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let res = post_raw(
            &s,
            "/api/v1/analytics/analyze",
            &a,
            "text/csv",
            dirty_csv().into_bytes(),
        )
        .await;
        assert_eq!(res.status(), 200);
        ids.push(res.headers()["x-run-id"].to_str().expect("id").to_string());
    }
    let page: Page<AnalysisRun> = serde_json::from_value(
        s.get("/api/v1/analytics/runs?per_page=2", Some(&a))
            .await
            .body,
    )
    .expect("page");
    assert_eq!((page.total, page.items.len()), (3, 2));
    assert_eq!(page.items[0].id, ids[2], "newest first");
    let page: Page<AnalysisRun> =
        serde_json::from_value(s.get("/api/v1/analytics/runs", Some(&b)).await.body).expect("page");
    assert_eq!(page.total, 0, "b sees none of a's runs");
    for path in [
        format!("/api/v1/analytics/runs/{}", ids[0]),
        format!("/api/v1/analytics/runs/{}/report", ids[0]),
    ] {
        assert_eq!(s.get(&path, Some(&b)).await.status, 404, "{path}");
        assert_eq!(s.get(&path, Some(&admin)).await.status, 200, "{path}");
    }
    let del = s
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/analytics/runs/{}", ids[0]),
            Some(&b),
            None,
        )
        .await;
    assert_eq!(del.status, 404);
    let page: Page<AnalysisRun> =
        serde_json::from_value(s.get("/api/v1/analytics/runs", Some(&admin)).await.body)
            .expect("page");
    assert_eq!(page.total, 3, "admins see everyone's");
    let del = s
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/analytics/runs/{}", ids[0]),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(del.status, 204);
    assert_eq!(
        s.get(&format!("/api/v1/analytics/runs/{}", ids[0]), Some(&a))
            .await
            .status,
        404
    );
    assert_eq!(
        s.get("/api/v1/analytics/runs/not-a-uuid", Some(&a))
            .await
            .status,
        404
    );
    // Each account keeps its newest three: two more runs push the oldest out.
    for _ in 0..2 {
        let res = post_raw(
            &s,
            "/api/v1/analytics/analyze",
            &a,
            "text/csv",
            dirty_csv().into_bytes(),
        )
        .await;
        assert_eq!(res.status(), 200);
    }
    let mut total = 0;
    for _ in 0..100 {
        let page: Page<AnalysisRun> =
            serde_json::from_value(s.get("/api/v1/analytics/runs", Some(&a)).await.body)
                .expect("page");
        total = page.total;
        if total == 3 {
            assert!(page.items.iter().all(|r| r.id != ids[1]), "the oldest went");
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(total, 3);
    s.stop().await;
}

engine_tests!(bad_input_is_refused_clearly);
async fn bad_input_is_refused_clearly(engine: Engine) {
    let settings = Settings {
        max_upload_bytes: 64 * 1024,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    // The upload budget over all callers: an upload past it is refused, not buffered.
    let tight = Settings {
        analytics_upload_budget_bytes: 16 * 1024,
        rate_limit_enabled: false,
        ..Settings::default()
    };
    let sibling = s.sibling(tight).await;
    let t = s.learner("c@example.id").await.access_token;
    let path = "/api/v1/analytics/analyze";
    let problem = |r: &reqwest::Response| {
        r.headers()["content-type"]
            .to_str()
            .unwrap_or("")
            .to_string()
    };

    let r = post_raw(&s, path, &t, "text/csv", Vec::new()).await;
    assert_eq!(r.status(), 422);
    assert_eq!(problem(&r), "application/problem+json");
    let body: Value = r.json().await.expect("problem");
    assert_eq!(body["code"], "analysis_failed");

    let r = post_raw(
        &s,
        &format!("{path}?categories=kopi%00teh"),
        &t,
        "text/csv",
        dirty_csv().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 422, "control characters in categories");
    let r = post_raw(&s, path, &t, "image/png", b"x".to_vec()).await;
    assert_eq!(r.status(), 415);
    let r = post_raw(&s, path, &t, "text/csv", vec![b'1'; 70 * 1024]).await;
    assert_eq!(r.status(), 413);
    let r = s
        .client
        .post(sibling.url(path))
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body(vec![b'1'; 20 * 1024])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 503, "past the upload budget");
    assert!(r.headers().contains_key("retry-after"));
    sibling.stop().await;
    let r = post_raw(
        &s,
        &format!("{path}?horizon=0&iqr=100"),
        &t,
        "text/csv",
        dirty_csv().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.expect("problem");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["horizon", "iqr"]);
    let r = post_raw(
        &s,
        &format!("{path}?frequency=fortnight"),
        &t,
        "text/csv",
        dirty_csv().into_bytes(),
    )
    .await;
    assert_eq!(r.status(), 400);
    let r = post_raw(
        &s,
        path,
        &t,
        "text/csv",
        b"\xff\xfe\x00garbage\n\x01\x02".to_vec(),
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = post_raw(&s, path, &t, "application/json", b"{\"data\": 5}".to_vec()).await;
    assert_eq!(r.status(), 422);
    // A form without the file field, and one with another field.
    let form = reqwest::multipart::Form::new().text("other", "x");
    let r = s
        .client
        .post(s.url(path))
        .bearer_auth(&t)
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 400);
    // The failed run is stored with its problem; its report answers that problem.
    let r = post_raw(
        &s,
        path,
        &t,
        "text/csv",
        b"date,value\nnot a date,1\n".to_vec(),
    )
    .await;
    assert_eq!(r.status(), 422);
    let id = r.headers()["x-run-id"].to_str().expect("id").to_string();
    let run: AnalysisRun = serde_json::from_value(
        s.get(&format!("/api/v1/analytics/runs/{id}"), Some(&t))
            .await
            .body,
    )
    .expect("run");
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(
        run.error.as_ref().map(|e| e.code.as_str()),
        Some("analysis_failed")
    );
    let r = s.get(&run.report_url, Some(&t)).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["code"], "analysis_failed");
    s.stop().await;
}

engine_tests!(jobs_are_shared_and_survive_workers);
async fn jobs_are_shared_and_survive_workers(engine: Engine) {
    // An instance that only takes requests: its jobs stay queued.
    let settings = Settings {
        analytics_worker: false,
        analytics_jobs_per_user: 2,
        analytics_async_bytes: 1024,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    let t = s.learner("jobs@example.id").await.access_token;
    let data = dirty_csv().into_bytes();
    assert!(data.len() > 1024);
    // Large inputs become jobs by themselves; small ones on ?async=true.
    let r = post_raw(
        &s,
        "/api/v1/analytics/analyze",
        &t,
        "text/csv",
        data.clone(),
    )
    .await;
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let first: AnalysisRun = r.json().await.expect("run");
    assert_eq!(first.status, RunStatus::Queued);
    assert_eq!(location, format!("/api/v1/analytics/runs/{}", first.id));
    let small = b"date,value\n2024-01-01,1\n2024-02-01,2\n".to_vec();
    let r = post_raw(
        &s,
        "/api/v1/analytics/analyze?async=true",
        &t,
        "text/csv",
        small,
    )
    .await;
    assert_eq!(r.status(), 202);
    let second: AnalysisRun = r.json().await.expect("run");
    // The per-account cap: 429 with Retry-After.
    let r = post_raw(
        &s,
        "/api/v1/analytics/analyze?async=true",
        &t,
        "text/csv",
        data.clone(),
    )
    .await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let r = s.get(&first.report_url, Some(&t)).await;
    assert_eq!(r.status, 409, "not done yet");

    // A run claimed by a worker that died: its lease has lapsed.
    analysis_run::Entity::update_many()
        .col_expr(analysis_run::Column::Status, Expr::value("running"))
        .col_expr(
            analysis_run::Column::ClaimedBy,
            Expr::value(Some("dead-worker".to_string())),
        )
        .col_expr(
            analysis_run::Column::LeaseUntil,
            Expr::value(Some(chrono::Utc::now() - chrono::Duration::seconds(5))),
        )
        .col_expr(analysis_run::Column::Attempts, Expr::value(1))
        .filter(analysis_run::Column::Id.eq(uuid::Uuid::parse_str(&second.id).expect("uuid")))
        .exec(&s.db.db)
        .await
        .expect("simulate a dead worker");

    // Another instance with a worker takes both up.
    let worker = Settings {
        rate_limit_enabled: false,
        analytics_poll_ms: 50,
        ..Settings::default()
    };
    let sibling = s.sibling(worker).await;
    let done = wait_done(&s, &t, &first.id).await;
    assert_eq!(done.status, RunStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.attempts, 1);
    let r = s.get(&done.report_url, Some(&t)).await;
    assert_eq!(r.body, local(&data, &AnalysisOptions::default()));
    let done = wait_done(&s, &t, &second.id).await;
    assert_eq!(done.status, RunStatus::Succeeded, "{:?}", done.error);
    assert_eq!(done.attempts, 2, "taken up again after the dead worker");
    sibling.stop().await;
    s.stop().await;
}

engine_tests!(two_workers_never_claim_one_run);
async fn two_workers_never_claim_one_run(engine: Engine) {
    let db = support::TestDb::new(engine).await;
    let owner = pintar_server::accounts::bootstrap::create_admin(
        &db.db,
        "owner@example.id",
        support::PASSWORD,
    )
    .await
    .expect("owner")
    .id;
    let new = NewRun {
        owner,
        source: "body".into(),
        format: InputFormat::Csv,
        input_bytes: 3,
        options: AnalysisOptions::default(),
    };
    let limits = runs::JobLimits {
        per_user: 100,
        queued: 100,
    };
    for _ in 0..20 {
        runs::enqueue(&db.db, &new, b"x,y".to_vec(), limits)
            .await
            .expect("enqueue");
    }
    let lease = Duration::from_secs(60);
    let claim_all = |name: &'static str| {
        let conn = db.db.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                match runs::claim(&conn, name, lease).await {
                    Ok(Some(c)) => got.push(c.id),
                    Ok(None) => return got,
                    Err(e) => {
                        // SQLite may report a busy lock under contention: try again.
                        assert!(
                            e.to_string().contains("locked") || e.to_string().contains("busy"),
                            "{e}"
                        );
                    }
                }
            }
        })
    };
    let (a, b) = (claim_all("w1"), claim_all("w2"));
    let (a, b) = (a.await.expect("w1"), b.await.expect("w2"));
    let mut all: Vec<_> = a.iter().chain(b.iter()).collect();
    assert_eq!(all.len(), 20, "w1 {} + w2 {}", a.len(), b.len());
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 20, "a run was claimed twice");
    let running = analysis_run::Entity::find()
        .filter(analysis_run::Column::Status.eq("running"))
        .all(&db.db)
        .await
        .expect("runs");
    assert_eq!(running.len(), 20);
    // Only the holder may finish it.
    let id = a.first().or(b.first()).copied().expect("one");
    let holder = running
        .iter()
        .find(|r| r.id == id)
        .and_then(|r| r.claimed_by.clone())
        .expect("holder");
    assert!(holder.starts_with("w1/") || holder.starts_with("w2/"));
    // The same worker under another claim of the same run holds nothing.
    let other = format!("{}/stale", holder.split('/').next().unwrap_or_default());
    let failed = || runs::Outcome::Failed(pintar_core::api::Problem::new(422, "x", "y"));
    assert!(
        !runs::finish(&db.db, id, &other, failed(), runs::Spent::default())
            .await
            .expect("finish")
    );
    assert!(
        runs::finish(&db.db, id, &holder, failed(), runs::Spent::default())
            .await
            .expect("finish")
    );
    // On shutdown a worker hands its claims back, undoing their attempt.
    let released = runs::release(&db.db, "w2").await.expect("release");
    assert_eq!(
        released as usize,
        b.len() - usize::from(holder.starts_with("w2/"))
    );
    let queued = analysis_run::Entity::find()
        .filter(analysis_run::Column::Status.eq("queued"))
        .all(&db.db)
        .await
        .expect("runs");
    assert_eq!(queued.len(), released as usize);
    assert!(
        queued
            .iter()
            .all(|r| r.attempts == 0 && r.claimed_by.is_none())
    );
    db.cleanup().await;
}
