//! Bounded cost for every caller, on both engines: the two files that held the pool for
//! minutes are answered at once, every analysis (synchronous or queued) has a deadline,
//! each account is bounded in CPU time, storage, uploads in flight and key traffic, queued
//! jobs are shared round robin, and a job whose process died twice is failed, not retried.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{AnalysisRun, RunStatus};
use pintar_server::Settings;
use pintar_server::storage::entities::{analysis_charge, analysis_run};
use reqwest::Method;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use std::time::{Duration, Instant};
use support::{Engine, PASSWORD, TestServer};

/// `columns` series of three rows: two consecutive days and one 999 days later.
fn far_apart(columns: usize) -> String {
    let mut out = String::from("date");
    for c in 0..columns {
        out.push_str(&format!(",s{c}"));
    }
    out.push('\n');
    for date in ["2020-01-01", "2020-01-02", "2022-09-26"] {
        out.push_str(date);
        for c in 0..columns {
            out.push_str(&format!(",{}", c % 7 + 1));
        }
        out.push('\n');
    }
    out
}

/// `series` honest monthly series of `months` values, as a wide CSV.
fn monthly(series: usize, months: usize) -> String {
    let mut out = String::from("date");
    for c in 0..series {
        out.push_str(&format!(",produk_{c}"));
    }
    out.push('\n');
    for m in 0..months {
        out.push_str(&format!("{}-{:02}-01", 2015 + m / 12, m % 12 + 1));
        for c in 0..series {
            let v = 100.0 + (c % 13) as f64 * 3.0 + m as f64 * 1.5 + ((m * 7 + c) % 11) as f64;
            out.push_str(&format!(",{v}"));
        }
        out.push('\n');
    }
    out
}

/// Posts `csv` for analysis with `auth` (a bearer token, or `key:` and an API key).
async fn analyze(s: &TestServer, auth: &str, csv: String, query: &str) -> reqwest::Response {
    let req = s
        .client
        .post(s.url(&format!("/api/v1/analytics/analyze{query}")))
        .header("content-type", "text/csv")
        .body(csv);
    let req = match auth.strip_prefix("key:") {
        Some(key) => req.header("x-api-key", key),
        None => req.bearer_auth(auth),
    };
    req.send().await.expect("analyze")
}

async fn problem(res: reqwest::Response) -> (u16, String, Option<String>) {
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let body: serde_json::Value = res.json().await.unwrap_or_default();
    (
        status,
        body["code"].as_str().unwrap_or_default().to_string(),
        retry,
    )
}

async fn wait_for_run(
    s: &TestServer,
    token: &str,
    id: &str,
    done: fn(&AnalysisRun) -> bool,
) -> AnalysisRun {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let r = s
            .get(&format!("/api/v1/analytics/runs/{id}"), Some(token))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let run: AnalysisRun = serde_json::from_value(r.body).expect("run");
        if done(&run) {
            return run;
        }
        assert!(Instant::now() < deadline, "run {id} stuck: {run:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn finished(run: &AnalysisRun) -> bool {
    matches!(run.status, RunStatus::Succeeded | RunStatus::Failed)
}

engine_tests!(the_reported_files_get_a_clear_answer_at_once);
async fn the_reported_files_get_a_clear_answer_at_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    // A learner registered a minute ago.
    let t = s.learner("baru@example.id").await;
    for columns in [1_000, 10_000] {
        let csv = far_apart(columns);
        let started = Instant::now();
        let res = analyze(&s, &t.access_token, csv, "").await;
        let (status, code, _) = problem(res).await;
        assert_eq!(
            (status, code.as_str()),
            (422, "analysis_too_large"),
            "{columns}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{columns} columns: {:?}",
            started.elapsed()
        );
    }
    // The pool is free for the next caller.
    let res = analyze(&s, &t.access_token, monthly(2, 36), "").await;
    assert_eq!(res.status(), 200);
    s.stop().await;
}

engine_tests!(every_analysis_has_a_deadline_synchronous_or_queued);
async fn every_analysis_has_a_deadline_synchronous_or_queued(engine: Engine) {
    let settings = Settings {
        analytics_deadline_secs: 1,
        analytics_threads: 1,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    let t = s.learner("lambat@example.id").await;
    let heavy = monthly(1_500, 60);
    let started = Instant::now();
    let (status, code, _) = problem(analyze(&s, &t.access_token, heavy.clone(), "").await).await;
    assert_eq!((status, code.as_str()), (422, "analysis_deadline"));
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );

    let res = analyze(&s, &t.access_token, heavy, "?async=true").await;
    assert_eq!(res.status(), 202);
    let run: AnalysisRun = res.json().await.expect("run");
    let run = wait_for_run(&s, &t.access_token, &run.id, finished).await;
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(
        run.error.as_ref().map(|p| p.code.as_str()),
        Some("analysis_deadline"),
        "{run:?}"
    );
    // The pool is free again.
    assert_eq!(
        analyze(&s, &t.access_token, monthly(2, 36), "")
            .await
            .status(),
        200
    );
    s.stop().await;
}

engine_tests!(accounts_are_bounded_in_cpu_time_and_storage);
async fn accounts_are_bounded_in_cpu_time_and_storage(engine: Engine) {
    let settings = Settings {
        analytics_stored_bytes_per_user: 4_000,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;

    // Storage: the first report fits, the next one does not.
    let t = s.learner("gudang@example.id").await;
    let res = analyze(&s, &t.access_token, monthly(3, 48), "").await;
    assert_eq!(res.status(), 200);
    let (status, code, retry) =
        problem(analyze(&s, &t.access_token, monthly(3, 48), "").await).await;
    assert_eq!((status, code.as_str()), (429, "storage_exceeded"));
    assert!(retry.is_some());

    // CPU time: an account that used its hour waits for it.
    let t = s.learner("sibuk@example.id").await;
    let me = s.get("/api/v1/users/me", Some(&t.access_token)).await;
    let id: uuid::Uuid = me.body["id"].as_str().expect("id").parse().expect("uuid");
    let now = chrono::Utc::now();
    let heavy = uuid::Uuid::now_v7();
    analysis_run::ActiveModel {
        id: Set(heavy),
        user_id: Set(Some(id)),
        source: Set("earlier.csv".into()),
        status: Set("succeeded".into()),
        options: Set(json!({})),
        summary: Set(json!({})),
        report: Set(None),
        duration_ms: Set(901_000),
        created_at: Set(now),
        input_format: Set("csv".into()),
        input_bytes: Set(1),
        error: Set(None),
        attempts: Set(1),
        claimed_by: Set(None),
        lease_until: Set(None),
        started_at: Set(Some(now)),
        finished_at: Set(Some(now)),
        cpu_ms: Set(901_000),
        stored_bytes: Set(0),
    }
    .insert(&s.db.db)
    .await
    .expect("a heavy run");
    analysis_charge::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        user_id: Set(id),
        charged_at: Set(now),
        cpu_ms: Set(901_000),
    }
    .insert(&s.db.db)
    .await
    .expect("its charge");
    // Deleting the run does not give its time back.
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/analytics/runs/{heavy}"),
            Some(&t.access_token),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    let (status, code, retry) =
        problem(analyze(&s, &t.access_token, monthly(1, 24), "").await).await;
    assert_eq!((status, code.as_str()), (429, "analysis_time_exceeded"));
    let wait: u64 = retry.expect("retry-after").parse().expect("seconds");
    assert!((3000..=3600).contains(&wait), "{wait}");
    s.stop().await;
}

engine_tests!(an_accounts_slow_uploads_hold_only_its_own_share);
async fn an_accounts_slow_uploads_hold_only_its_own_share(engine: Engine) {
    let settings = Settings {
        analytics_upload_share_bytes: 64 * 1024,
        analytics_upload_budget_bytes: 256 * 1024,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    let a = s.learner("pelan@example.id").await;
    let b = s.learner("cepat@example.id").await;
    // A announces 10 MB and sends 60 KiB (of its 64 KiB share), then waits: only what
    // arrived is reserved.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let mut head = monthly(40, 12).into_bytes();
    head.resize(60 * 1024, b'\n');
    tx.send(Ok(head)).await.expect("send");
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let slow = s
        .client
        .post(s.url("/api/v1/analytics/analyze"))
        .bearer_auth(&a.access_token)
        .header("content-type", "text/csv")
        .header("content-length", (10 * 1024 * 1024).to_string())
        .body(reqwest::Body::wrap_stream(stream))
        .send();
    let slow = tokio::spawn(slow);
    tokio::time::sleep(Duration::from_millis(500)).await;

    // A second upload of A finds its share taken; B's goes through.
    let (status, code, retry) =
        problem(analyze(&s, &a.access_token, monthly(3, 200), "").await).await;
    assert_eq!((status, code.as_str()), (429, "upload_share_exceeded"));
    assert!(retry.is_some());
    assert_eq!(
        analyze(&s, &b.access_token, monthly(3, 200), "")
            .await
            .status(),
        200
    );
    drop(tx);
    let _ = slow.await;
    s.stop().await;
}

engine_tests!(api_keys_count_against_their_accounts_budget);
async fn api_keys_count_against_their_accounts_budget(engine: Engine) {
    let settings = Settings {
        rate_limit_api_key_per_hour: 4,
        rate_limit_per_minute: 1_000,
        rate_limit_auth_per_minute: 1_000,
        ..Settings::default()
    };
    let s = TestServer::start_limited(engine, settings).await;
    let t = s.learner("kunci@example.id").await;
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            None,
        )
        .await;
    let first = r.body["api_key"]["key"].as_str().expect("key").to_string();
    let r = s
        .post(
            "/api/v1/developer/key",
            Some(&t.access_token),
            json!({"name": "kedua"}),
        )
        .await;
    let second = r.body["key"].as_str().expect("key").to_string();
    let call = |key: String| {
        s.client
            .get(s.url("/api/v1/courses"))
            .header("x-api-key", key)
            .send()
    };
    for key in [&first, &second, &first, &second] {
        assert_eq!(call(key.clone()).await.expect("call").status(), 200);
    }
    let res = call(second.clone()).await.expect("call");
    assert_eq!(res.status(), 429, "a second key is no second budget");
    assert!(res.headers().contains_key("retry-after"));
    s.stop().await;
}

engine_tests!(queued_jobs_are_shared_round_robin_across_accounts);
async fn queued_jobs_are_shared_round_robin_across_accounts(engine: Engine) {
    let settings = Settings {
        analytics_threads: 1,
        ..Settings::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    let heavy = s.learner("banyak@example.id").await;
    let light = s.learner("sedikit@example.id").await;
    let mut heavy_runs = Vec::new();
    for _ in 0..5 {
        let res = analyze(&s, &heavy.access_token, monthly(300, 60), "?async=true").await;
        assert_eq!(res.status(), 202);
        let run: AnalysisRun = res.json().await.expect("run");
        heavy_runs.push(run.id);
    }
    let res = analyze(&s, &light.access_token, monthly(2, 24), "?async=true").await;
    assert_eq!(res.status(), 202);
    let small: AnalysisRun = res.json().await.expect("run");
    let small = wait_for_run(&s, &light.access_token, &small.id, finished).await;
    assert_eq!(small.status, RunStatus::Succeeded);
    let queued_at = small.created_at;
    let started = small.started_at.expect("started");
    // How many of the heavy account's jobs started between the small job's arrival and its
    // start: at most the one that was free to start first.
    let mut ahead = 0;
    for id in &heavy_runs {
        let run = wait_for_run(&s, &heavy.access_token, id, finished).await;
        if run
            .started_at
            .is_some_and(|at| at > queued_at && at < started)
        {
            ahead += 1;
        }
    }
    assert!(ahead <= 1, "{ahead} heavy jobs went first");
    s.stop().await;
}

/// A `pintar-server` process over `database_url`, its address, killed on drop.
struct Process {
    child: std::process::Child,
    base: String,
}

impl Process {
    fn start(database_url: &str, dir: &std::path::Path) -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pintar-server"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PINTAR_DATA_DIR", dir)
            .env("DATABASE_URL", database_url)
            .env("PINTAR_BIND", "127.0.0.1:0")
            .env(
                "PINTAR_JWT_SECRET",
                "fault-test-secret-fault-test-secret-0123",
            )
            .env("PINTAR_SEED_DEMO", "false")
            .env("PINTAR_RATE_LIMIT_ENABLED", "false")
            .env("PINTAR_ANALYTICS_THREADS", "1")
            .env("PINTAR_ANALYTICS_LEASE_SECS", "1")
            .env("PINTAR_ANALYTICS_POLL_MS", "100")
            .env("PINTAR_ADMIN_EMAIL", "admin@example.id")
            .env("PINTAR_ADMIN_PASSWORD", PASSWORD)
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start pintar-server");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("address=") {
                    let addr: String = line[i + 8..]
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .collect();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server logs its address");
        Self {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// Kills the process at once (SIGKILL: no graceful hand-back of its claims).
    fn crash(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn run_row(s: &TestServer, id: uuid::Uuid) -> analysis_run::Model {
    analysis_run::Entity::find_by_id(id)
        .one(&s.db.db)
        .await
        .expect("query")
        .expect("run")
}

/// Waits until the run is being analysed for the `attempt`th time.
async fn running(s: &TestServer, id: uuid::Uuid, attempt: i32) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = run_row(s, id).await;
        if run.status == "running" && run.attempts == attempt {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "attempt {attempt} never ran: {run:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

engine_tests!(a_job_that_kills_its_server_twice_is_failed_not_tried_a_third_time);
async fn a_job_that_kills_its_server_twice_is_failed_not_tried_a_third_time(engine: Engine) {
    // The database outlives the processes (SQLite's file, PostgreSQL's database).
    let s = TestServer::start(engine).await;
    let dir = tempfile::tempdir().expect("dir");
    let first = Process::start(&s.db.url, dir.path());
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/auth/register", first.base))
        .json(&json!({"email": "racun@example.id", "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 201);
    let tokens: serde_json::Value = http
        .post(format!("{}/api/v1/auth/token", first.base))
        .json(&json!({"email": "racun@example.id", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    let token = tokens["access_token"].as_str().expect("token").to_string();
    let res = http
        .post(format!(
            "{}/api/v1/analytics/analyze?async=true",
            first.base
        ))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(monthly(2_500, 60))
        .send()
        .await
        .expect("queue");
    assert_eq!(res.status(), 202);
    let run: AnalysisRun = res.json().await.expect("run");
    let id: uuid::Uuid = run.id.parse().expect("uuid");

    // The job takes the process down while it runs, twice.
    running(&s, id, 1).await;
    first.crash();
    let second = Process::start(&s.db.url, dir.path());
    running(&s, id, 2).await;
    second.crash();

    // The third process fails the job with the reason instead of running it again.
    let mut third = Process::start(&s.db.url, dir.path());
    let deadline = Instant::now() + Duration::from_secs(60);
    let failed = loop {
        let run = run_row(&s, id).await;
        if run.status != "running" && run.status != "queued" {
            break run;
        }
        assert!(Instant::now() < deadline, "still {run:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(failed.status, "failed");
    assert_eq!(failed.attempts, 2, "no third attempt");
    let error = failed.error.expect("a reason");
    assert_eq!(error["code"], "analysis_interrupted", "{error}");
    assert!(
        third.child.try_wait().expect("status").is_none(),
        "still up"
    );
    let res = http
        .get(format!("{}/api/v1/analytics/runs/{id}", third.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("run");
    let seen: AnalysisRun = res.json().await.expect("run");
    assert_eq!(seen.status, RunStatus::Failed);
    drop(third);
    s.stop().await;
}
