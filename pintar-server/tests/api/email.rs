//! Email delivery: the HTTP email API provider against wiremock (token caching, refresh on
//! 401, retries with backoff on 5xx), SMTP against a real SMTP listener started here, a
//! provider that is down and then up, two workers on one database, a claim left by a worker
//! that died, and the whole path through the API: an upgrade arrives at the provider naming
//! the key's prefix and never its secret. On SQLite and PostgreSQL.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{Page, Role};
use pintar_server::Settings;
use pintar_server::mail::outbox::{self, Email, Queued};
use pintar_server::mail::{DeliveryConfig, Locale, Message, Policy, Provider, Worker};
use pintar_server::storage::entities::email_outbox;
use reqwest::Method;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Engine, TestDb, TestServer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use uuid::Uuid;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// ---------------------------------------------------------------------------------------
// A small SMTP server: enough of RFC 5321 for lettre (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
// QUIT), keeping every message it accepts.

struct SmtpSink {
    addr: SocketAddr,
    messages: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpSink {
    async fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").await.expect("bind")).await
    }

    async fn on(listener: TcpListener) -> Self {
        let addr = listener.local_addr().expect("addr");
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, kept.clone()));
            }
        });
        Self {
            addr,
            messages,
            task,
        }
    }

    fn messages(&self) -> Vec<String> {
        self.messages.lock().expect("lock").clone()
    }

    fn stop(self) {
        self.task.abort();
    }
}

async fn session(socket: tokio::net::TcpStream, kept: Arc<Mutex<Vec<String>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    if write.write_all(b"220 sink.test ESMTP\r\n").await.is_err() {
        return;
    }
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let verb = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if verb.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n"
        } else if verb.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if verb.starts_with("MAIL FROM:") || verb.starts_with("RCPT TO:") {
            b"250 2.1.0 OK\r\n"
        } else if verb == "DATA" {
            if write.write_all(b"354 go ahead\r\n").await.is_err() {
                return;
            }
            let mut data = String::new();
            loop {
                line.clear();
                match lines.read_line(&mut line).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if line == ".\r\n" {
                    break;
                }
                // Dot-stuffing: a leading dot was doubled by the client.
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            kept.lock().expect("lock").push(data);
            b"250 2.0.0 queued\r\n"
        } else if verb == "RSET" || verb == "NOOP" {
            b"250 2.0.0 OK\r\n"
        } else if verb == "QUIT" {
            let _ = write.write_all(b"221 2.0.0 bye\r\n").await;
            return;
        } else {
            b"502 5.5.2 not implemented\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

/// The decoded text of a quoted-printable message (soft breaks joined, `=XX` decoded).
fn unquote(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The outbox id in a message's `Message-ID: <id@pintar-ekspor>`.
fn message_id(raw: &str) -> String {
    raw.lines()
        .find_map(|l| l.strip_prefix("Message-ID: <"))
        .and_then(|rest| rest.split('@').next())
        .expect("a Message-ID header")
        .to_string()
}

// ---------------------------------------------------------------------------------------
// Helpers.

/// Fast delivery settings: short backoff and lease, so tests wait milliseconds.
fn fast(mut s: Settings) -> Settings {
    s.email_poll_ms = 50;
    s.email_backoff_ms = 200;
    s.email_backoff_max_ms = 1_000;
    s.email_send_timeout_ms = 2_000;
    s.email_lease_ms = 3_000;
    s
}

fn smtp_settings(addr: SocketAddr) -> Settings {
    fast(Settings {
        email_provider: "smtp".into(),
        email_smtp_host: Some(addr.ip().to_string()),
        email_smtp_port: addr.port(),
        email_smtp_tls: "none".into(),
        ..Settings::default()
    })
}

fn http_settings(server: &MockServer) -> Settings {
    fast(Settings {
        email_provider: "http".into(),
        email_http_token_url: Some(format!("{}/oauth/token", server.uri())),
        email_http_send_url: Some(format!("{}/v1/messages", server.uri())),
        email_http_api_key: Some("mail-api-key-123".into()),
        ..Settings::default()
    })
}

fn worker(db: &DatabaseConnection, settings: &Settings) -> Worker {
    Worker::new(
        db.clone(),
        Arc::new(Provider::from_settings(settings).expect("provider")),
        DeliveryConfig::from_settings(settings).expect("delivery settings"),
    )
}

const OPEN: Policy = Policy {
    hourly_cap: 1_000,
    locale: Locale::En,
};

/// Queues `n` key emails for one account; returns their ids.
async fn queue_some(db: &DatabaseConnection, n: usize) -> Vec<Uuid> {
    let user = Uuid::now_v7();
    for i in 0..n {
        let email = Email {
            user_id: user,
            to: format!("dev{i}@example.id"),
            message: Message::ApiKeyCreated {
                name: "Siti".into(),
                key_name: format!("key {i}"),
                key_prefix: format!("pk_prefix{i:03}"),
            },
        };
        assert_eq!(
            outbox::queue(db, &OPEN, email).await.expect("queue"),
            Queued::Pending
        );
    }
    rows(db).await.iter().map(|r| r.id).collect()
}

async fn rows(db: &DatabaseConnection) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find().all(db).await.expect("rows")
}

async fn row(db: &DatabaseConnection, id: Uuid) -> email_outbox::Model {
    email_outbox::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("read")
        .expect("row")
}

/// Waits until `check` holds (at most 10 s).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn token(value: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(
        json!({"access_token": value, "token_type": "Bearer", "expires_in": expires_in}),
    )
}

async fn sends(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == "/v1/messages")
        .collect()
}

// ---------------------------------------------------------------------------------------
// The HTTP email API provider.

engine_tests!(http_token_is_fetched_once_for_many_emails);
async fn http_token_is_fetched_once_for_many_emails(engine: Engine) {
    let db = TestDb::new(engine).await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-1", 3600))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(202))
        .expect(4)
        .mount(&api)
        .await;
    let ids = queue_some(&db.db, 4).await;
    let w = worker(&db.db, &http_settings(&api));
    assert_eq!(w.drain().await.expect("drain"), 4);
    api.verify().await;

    // The token request carried the API key; each send its idempotency key and both bodies.
    let requests = api.received_requests().await.expect("recorded");
    let token_req: Value = requests[0].body_json().expect("json");
    assert_eq!(token_req, json!({"api_key": "mail-api-key-123"}));
    let mut seen = Vec::new();
    for r in sends(&api).await {
        let body: Value = r.body_json().expect("json");
        let key = r.headers.get("idempotency-key").expect("idempotency key");
        assert_eq!(
            key.to_str().expect("ascii"),
            body["id"].as_str().expect("id")
        );
        assert!(body["text"].as_str().expect("text").contains("pk_prefix"));
        assert!(
            body["html"]
                .as_str()
                .expect("html")
                .contains("<code>pk_prefix")
        );
        assert_eq!(body["from"], "Pintar Ekspor <no-reply@pintar-ekspor.id>");
        seen.push(body["id"].as_str().expect("id").to_string());
    }
    seen.sort();
    let mut expected: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    expected.sort();
    assert_eq!(seen, expected, "each email sent once");
    for id in ids {
        let r = row(&db.db, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1));
        assert!(r.sent_at.is_some() && r.claimed_by.is_none());
    }
    db.cleanup().await;
}

engine_tests!(http_401_refreshes_the_token_and_retries_once);
async fn http_401_refreshes_the_token_and_retries_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    let api = MockServer::start().await;
    // The first token is refused by the send endpoint (revoked early); the second works.
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-old", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-new", 3600))
        .with_priority(2)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("authorization", "Bearer tok-old"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("authorization", "Bearer tok-new"))
        .respond_with(ResponseTemplate::new(202))
        .expect(2)
        .mount(&api)
        .await;
    let ids = queue_some(&db.db, 2).await;
    let w = worker(&db.db, &http_settings(&api));
    assert_eq!(w.drain().await.expect("drain"), 2);
    api.verify().await;
    let token_requests = api
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/oauth/token")
        .count();
    assert_eq!(
        token_requests, 2,
        "one refresh, then the new token is cached"
    );
    for id in ids {
        let r = row(&db.db, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1), "{r:?}");
    }

    // A 401 even with a fresh token: retried later, not twice within one attempt.
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok-x", 3600))
        .expect(2)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&api)
        .await;
    let db2 = TestDb::new(engine).await;
    let ids = queue_some(&db2.db, 1).await;
    worker(&db2.db, &http_settings(&api))
        .drain()
        .await
        .expect("drain");
    api.verify().await;
    let r = row(&db2.db, ids[0]).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1));
    assert!(
        r.last_error.as_deref().unwrap_or("").contains("401"),
        "{r:?}"
    );
    db2.cleanup().await;
    db.cleanup().await;
}

engine_tests!(http_5xx_is_retried_after_a_backoff_and_4xx_fails);
async fn http_5xx_is_retried_after_a_backoff_and_4xx_fails(engine: Engine) {
    let db = TestDb::new(engine).await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok", 3600))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(202))
        .with_priority(2)
        .mount(&api)
        .await;
    let settings = http_settings(&api);
    let id = queue_some(&db.db, 1).await[0];
    let w = worker(&db.db, &settings);

    // Attempt 1: 503, due again after the backoff (200 ms).
    let before = chrono::Utc::now();
    assert_eq!(w.run_once().await.expect("run"), 1);
    let r = row(&db.db, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 1));
    assert!(
        r.last_error.as_deref().unwrap_or("").contains("503"),
        "{r:?}"
    );
    let wait = r.next_attempt_at - before;
    assert!(
        wait >= chrono::Duration::milliseconds(200) && wait < chrono::Duration::seconds(5),
        "{wait}"
    );
    assert_eq!(
        w.run_once().await.expect("run"),
        0,
        "not due before the backoff"
    );

    // Attempt 2: 503 again; the wait doubles (400 ms).
    tokio::time::sleep(Duration::from_millis(250)).await;
    let before = chrono::Utc::now();
    assert_eq!(w.run_once().await.expect("run"), 1);
    let r = row(&db.db, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("pending", 2));
    let wait = r.next_attempt_at - before;
    assert!(wait >= chrono::Duration::milliseconds(400), "{wait}");

    // Attempt 3: delivered.
    eventually("the third attempt", || async {
        w.run_once().await.expect("run");
        row(&db.db, id).await.status == "sent"
    })
    .await;
    let r = row(&db.db, id).await;
    assert_eq!(r.attempts, 3);
    assert_eq!(sends(&api).await.len(), 3);

    // A 4xx is the message's fault: failed at once, never retried.
    let refusing = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok", 3600))
        .mount(&refusing)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(422))
        .expect(1)
        .mount(&refusing)
        .await;
    let db2 = TestDb::new(engine).await;
    let id = queue_some(&db2.db, 1).await[0];
    let w = worker(&db2.db, &http_settings(&refusing));
    w.drain().await.expect("drain");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(w.drain().await.expect("drain"), 0);
    refusing.verify().await;
    let r = row(&db2.db, id).await;
    assert_eq!((r.status.as_str(), r.attempts), ("failed", 1));
    assert!(
        r.last_error.as_deref().unwrap_or("").contains("422"),
        "{r:?}"
    );
    db2.cleanup().await;
    db.cleanup().await;
}

engine_tests!(retries_stop_at_the_most_attempts);
async fn retries_stop_at_the_most_attempts(engine: Engine) {
    let db = TestDb::new(engine).await;
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok", 3600))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(500))
        .expect(3)
        .mount(&api)
        .await;
    let mut settings = http_settings(&api);
    settings.email_max_attempts = 3;
    settings.email_backoff_ms = 20;
    let id = queue_some(&db.db, 1).await[0];
    let w = worker(&db.db, &settings);
    eventually("three attempts", || async {
        w.run_once().await.expect("run");
        row(&db.db, id).await.status == "failed"
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.drain().await.expect("drain"), 0);
    api.verify().await;
    let r = row(&db.db, id).await;
    assert_eq!(r.attempts, 3);
    assert!(r.last_error.as_deref().unwrap_or("").contains("500"));
    db.cleanup().await;
}

// ---------------------------------------------------------------------------------------
// SMTP.

engine_tests!(smtp_delivers_text_and_html_to_a_real_listener);
async fn smtp_delivers_text_and_html_to_a_real_listener(engine: Engine) {
    let db = TestDb::new(engine).await;
    let sink = SmtpSink::start().await;
    let ids = queue_some(&db.db, 3).await;
    let w = worker(&db.db, &smtp_settings(sink.addr));
    assert_eq!(w.drain().await.expect("drain"), 3);
    let messages = sink.messages();
    assert_eq!(messages.len(), 3);
    for raw in &messages {
        let id: Uuid = message_id(raw).parse().expect("outbox id");
        assert!(ids.contains(&id));
        let r = row(&db.db, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1));
        let text = unquote(raw);
        assert!(
            raw.contains("Subject: A new Pintar Ekspor API key"),
            "{raw}"
        );
        assert!(raw.contains(&format!("To: {}", r.to_address)), "{raw}");
        assert!(
            raw.contains("From: \"Pintar Ekspor\" <no-reply@pintar-ekspor.id>"),
            "{raw}"
        );
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        let n = &r.to_address[3..4];
        assert!(
            text.contains(&format!("Key prefix: pk_prefix00{n}…")),
            "{text}"
        );
        assert!(
            text.contains(&format!("<code>pk_prefix00{n}…</code>")),
            "{text}"
        );
    }
    sink.stop();
    db.cleanup().await;
}

engine_tests!(provider_down_then_up_delivers_each_email_exactly_once);
async fn provider_down_then_up_delivers_each_email_exactly_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    // A port with nothing listening: the SMTP server is down.
    let reserved = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = reserved.local_addr().expect("addr");
    drop(reserved);
    let ids = queue_some(&db.db, 6).await;
    let settings = smtp_settings(addr);
    let w = worker(&db.db, &settings);
    assert_eq!(w.run_once().await.expect("run"), 6);
    for id in &ids {
        let r = row(&db.db, *id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("pending", 1));
        assert!(r.last_error.is_some());
    }

    // The server comes up on that port; the worker, polling, delivers everything.
    let sink = SmtpSink::on(TcpListener::bind(addr).await.expect("rebind")).await;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let bell = Arc::new(tokio::sync::Notify::new());
    let running = tokio::spawn(worker(&db.db, &settings).run(bell.clone(), stopped));
    eventually("every email sent", || async {
        rows(&db.db).await.iter().all(|r| r.status == "sent")
    })
    .await;
    // Let it poll a few more times: nothing is sent again.
    bell.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = stop.send(true);
    running.await.expect("worker stops");

    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for raw in sink.messages() {
        *received.entry(message_id(&raw)).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = ids.iter().map(|i| (i.to_string(), 1)).collect();
    assert_eq!(
        received, expected,
        "each email exactly once at the receiver"
    );
    for id in ids {
        assert_eq!(row(&db.db, id).await.attempts, 2);
    }
    sink.stop();
    db.cleanup().await;
}

// ---------------------------------------------------------------------------------------
// Claims.

engine_tests!(two_workers_on_one_database_send_each_email_once);
async fn two_workers_on_one_database_send_each_email_once(engine: Engine) {
    let db = TestDb::new(engine).await;
    let sink = SmtpSink::start().await;
    let ids = queue_some(&db.db, 40).await;
    let settings = smtp_settings(sink.addr);
    // Two instances: separate connection pools and providers over one database.
    let other = pintar_server::storage::connect(&db.url)
        .await
        .expect("connect");
    let (a, b) = (worker(&db.db, &settings), worker(&other, &settings));
    let (na, nb) = tokio::join!(a.drain(), b.drain());
    let (na, nb) = (na.expect("a"), nb.expect("b"));
    assert_eq!(na + nb, 40, "every email attempted once: {na} + {nb}");
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for raw in sink.messages() {
        *received.entry(message_id(&raw)).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = ids.iter().map(|i| (i.to_string(), 1)).collect();
    assert_eq!(received, expected);
    for r in rows(&db.db).await {
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 1));
    }
    let _ = other.close().await;
    sink.stop();
    db.cleanup().await;
}

engine_tests!(a_claim_left_by_a_dead_worker_is_taken_after_its_lease);
async fn a_claim_left_by_a_dead_worker_is_taken_after_its_lease(engine: Engine) {
    let db = TestDb::new(engine).await;
    let sink = SmtpSink::start().await;
    let mut settings = smtp_settings(sink.addr);
    settings.email_send_timeout_ms = 200;
    settings.email_lease_ms = 400;
    let ids = queue_some(&db.db, 2).await;
    // This worker claims both and "dies" before sending.
    let dead = worker(&db.db, &settings);
    let claimed = dead.claim(10).await.expect("claim");
    assert_eq!(claimed.len(), 2);
    for r in &claimed {
        assert_eq!(r.status, "sending");
        assert_eq!(r.claimed_by.as_deref(), Some(dead.id()));
    }
    // A restarted worker leaves them alone while the lease holds…
    let fresh = worker(&db.db, &settings);
    assert_eq!(fresh.run_once().await.expect("run"), 0);
    assert!(sink.messages().is_empty());
    // …and takes them when it runs out.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(fresh.drain().await.expect("drain"), 2);
    assert_eq!(sink.messages().len(), 2);
    for id in ids {
        let r = row(&db.db, id).await;
        assert_eq!((r.status.as_str(), r.attempts), ("sent", 2), "{r:?}");
    }

    // A dead worker's claim on the last allowed attempt fails the email instead.
    settings.email_max_attempts = 1;
    let id = queue_some(&db.db, 1).await;
    let id = *id
        .iter()
        .find(|i| !claimed.iter().any(|c| c.id == **i))
        .expect("new row");
    let dead = worker(&db.db, &settings);
    assert_eq!(dead.claim(10).await.expect("claim").len(), 1);
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(worker(&db.db, &settings).drain().await.expect("drain"), 0);
    let r = row(&db.db, id).await;
    assert_eq!(r.status, "failed", "{r:?}");
    assert!(r.last_error.as_deref().unwrap_or("").contains("stopped"));
    assert_eq!(sink.messages().len(), 2);
    sink.stop();
    db.cleanup().await;
}

// ---------------------------------------------------------------------------------------
// Through the API.

engine_tests!(an_upgrade_emails_the_key_prefix_and_never_the_secret);
async fn an_upgrade_emails_the_key_prefix_and_never_the_secret(engine: Engine) {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(token("tok", 3600))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&api)
        .await;
    let mut settings = http_settings(&api);
    // Slow polling: the request itself wakes the worker.
    settings.email_poll_ms = 60_000;
    let s = TestServer::start_with(engine, settings).await;
    let t = s.learner("calon.dev@example.id").await;
    let up = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            json!({}),
        )
        .await;
    assert_eq!(up.status, 201, "{:?}", up.body);
    let secret = up.body["api_key"]["key"].as_str().expect("key").to_string();
    let prefix = up.body["api_key"]["prefix"]
        .as_str()
        .expect("prefix")
        .to_string();
    // Registration sent the verification email first; the upgrade's is the other one.
    let upgrade_sends = || async {
        sends(&api)
            .await
            .into_iter()
            .filter(|r| {
                r.body_json::<Value>()
                    .is_ok_and(|b| b["subject"] != "Konfirmasi email Anda untuk Pintar Ekspor")
            })
            .collect::<Vec<_>>()
    };
    eventually("the email at the provider", || async {
        !upgrade_sends().await.is_empty()
    })
    .await;
    let sent = upgrade_sends().await;
    assert_eq!(sent.len(), 1);
    let body: Value = sent[0].body_json().expect("json");
    assert_eq!(body["to"], "calon.dev@example.id");
    // Indonesian by default.
    assert_eq!(
        body["subject"],
        "Selamat datang, developer: kunci API Pintar Ekspor Anda"
    );
    for part in ["text", "html"] {
        let content = body[part].as_str().expect("part");
        assert!(content.contains(&format!("{prefix}…")), "{content}");
        assert!(
            !content.contains(&secret),
            "the secret leaked into the {part} part"
        );
        assert!(
            !content.contains(&secret[prefix.len()..]),
            "part of the secret leaked"
        );
    }
    let raw = String::from_utf8_lossy(&sent[0].body).into_owned();
    assert!(!raw.contains(&secret[prefix.len()..]));

    let admin = s.admin("kepala@example.id").await;
    let list = s.get("/api/v1/admin/emails", Some(&admin)).await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let page: Page<pintar_core::api::OutboxEmail> =
        serde_json::from_value(list.body).expect("page");
    assert_eq!(page.total, 2, "the verification and the upgrade");
    let e = page
        .items
        .iter()
        .find(|e| e.kind != "verify_email")
        .expect("the upgrade's email");
    assert_eq!(
        (
            e.kind.as_str(),
            e.status.as_str(),
            e.attempts,
            e.to.as_str(),
            e.locale.as_str()
        ),
        ("developer_upgrade", "sent", 1, "calon.dev@example.id", "id")
    );
    assert!(e.sent_at.is_some() && e.last_error.is_none());
    s.stop().await;
}

engine_tests!(one_account_cannot_make_the_server_send_more_than_its_hourly_cap);
async fn one_account_cannot_make_the_server_send_more_than_its_hourly_cap(engine: Engine) {
    let settings = fast(Settings {
        email_hourly_cap: 3,
        email_locale: "en".into(),
        ..Settings::default()
    });
    let s = TestServer::start_with(engine, settings).await;
    let t = s.learner("bom@example.id").await;
    let up = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            json!({}),
        )
        .await;
    assert_eq!(up.status, 201);
    let dev = s
        .login("bom@example.id", support::PASSWORD)
        .await
        .json::<pintar_core::api::TokenResponse>()
        .await
        .expect("tokens")
        .access_token;
    for i in 0..5 {
        let r = s
            .post(
                "/api/v1/developer/key",
                Some(&dev),
                json!({"name": format!("k{i}")}),
            )
            .await;
        assert_eq!(
            r.status, 201,
            "the action succeeds past the cap: {:?}",
            r.body
        );
    }
    // Another account is not held back by the first one's cap.
    let other = s.learner("lain@example.id").await;
    assert_eq!(
        s.post(
            "/api/v1/auth/upgrade-role",
            Some(&other.access_token),
            json!({})
        )
        .await
        .status,
        201
    );
    let admin = s.admin("kepala@example.id").await;
    let count = |status: &'static str| {
        let s = &s;
        let admin = admin.clone();
        async move {
            let r = s
                .get(
                    &format!("/api/v1/admin/emails?status={status}&per_page=100"),
                    Some(&admin),
                )
                .await;
            assert_eq!(r.status, 200);
            let page: Page<pintar_core::api::OutboxEmail> =
                serde_json::from_value(r.body).expect("page");
            page.items
        }
    };
    // The verification emails count too: bom's verification, upgrade and first key reach
    // the cap of 3, the other four keys' emails are held; lain's two go out.
    eventually("the capped emails delivered", || async {
        count("sent").await.len() == 5
    })
    .await;
    let suppressed = count("suppressed").await;
    assert_eq!(suppressed.len(), 4, "{suppressed:?}");
    assert!(
        suppressed
            .iter()
            .all(|e| e.to == "bom@example.id" && e.attempts == 0)
    );
    let sent = count("sent").await;
    assert_eq!(sent.iter().filter(|e| e.to == "bom@example.id").count(), 3);
    assert_eq!(sent.iter().filter(|e| e.to == "lain@example.id").count(), 2);
    assert!(sent.iter().all(|e| e.locale == "en"));
    s.stop().await;
}

engine_tests!(a_role_change_is_emailed_in_its_transaction);
async fn a_role_change_is_emailed_in_its_transaction(engine: Engine) {
    let s = TestServer::start_with(engine, fast(Settings::default())).await;
    let t = s.learner("naik@example.id").await;
    let me: pintar_core::api::UserProfile =
        serde_json::from_value(s.get("/api/v1/users/me", Some(&t.access_token)).await.body)
            .expect("me");
    let admin = s.admin("kepala@example.id").await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{}", me.id),
            Some(&admin),
            Some(json!({"role": Role::Developer})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // Only the active flag: no role change, no email.
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{}", me.id),
            Some(&admin),
            Some(json!({"is_active": true})),
        )
        .await;
    assert_eq!(r.status, 200);
    let emails = email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq("naik@example.id"))
        .filter(email_outbox::Column::Kind.ne("verify_email"))
        .all(&s.db.db)
        .await
        .expect("rows");
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].kind, "role_changed");
    assert!(
        emails[0].body.contains("dari pelajar menjadi developer"),
        "{}",
        emails[0].body
    );
    assert!(emails[0].html_body.as_deref().unwrap_or("").contains("<p>"));
    s.stop().await;
}

engine_tests!(only_admins_list_the_outbox);
async fn only_admins_list_the_outbox(engine: Engine) {
    let s = TestServer::start_with(engine, fast(Settings::default())).await;
    let learner = s.learner("murid@example.id").await.access_token;
    let d = s.learner("dev@example.id").await.access_token;
    let up = s
        .post("/api/v1/auth/upgrade-role", Some(&d), json!({}))
        .await;
    let key = up.body["api_key"]["key"].as_str().expect("key").to_string();
    let developer = s
        .login("dev@example.id", support::PASSWORD)
        .await
        .json::<pintar_core::api::TokenResponse>()
        .await
        .expect("tokens")
        .access_token;
    let admin = s.admin("kepala@example.id").await;

    assert_eq!(
        s.get("/api/v1/admin/emails", Some(&admin)).await.status,
        200
    );
    assert_eq!(
        s.get("/api/v1/admin/emails", Some(&learner)).await.status,
        403
    );
    assert_eq!(
        s.get("/api/v1/admin/emails", Some(&developer)).await.status,
        403
    );
    assert_eq!(s.get("/api/v1/admin/emails", None).await.status, 401);
    let with_key = s
        .client
        .get(s.url("/api/v1/admin/emails"))
        .header("X-API-Key", &key)
        .send()
        .await
        .expect("request");
    assert_eq!(with_key.status(), 401);

    // Bounded filters and paging.
    let bad = s
        .get("/api/v1/admin/emails?status=lost", Some(&admin))
        .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "status");
    let long = format!("/api/v1/admin/emails?status={}", "x".repeat(5000));
    assert_eq!(s.get(&long, Some(&admin)).await.status, 422);
    assert_eq!(
        s.get("/api/v1/admin/emails?per_page=500", Some(&admin))
            .await
            .status,
        422
    );
    let page = s.get("/api/v1/admin/emails?per_page=1", Some(&admin)).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.body["items"].as_array().map(Vec::len), Some(1));
    assert!(page.headers.contains_key("link"));
    s.stop().await;
}

#[tokio::test]
async fn bad_email_settings_refuse_to_start() {
    let cases = [
        Settings {
            email_provider: "pigeon".into(),
            ..Settings::default()
        },
        Settings {
            email_provider: "smtp".into(),
            ..Settings::default()
        },
        Settings {
            email_provider: "smtp".into(),
            email_smtp_host: Some("mail.example.id".into()),
            email_smtp_tls: "maybe".into(),
            ..Settings::default()
        },
        Settings {
            email_provider: "http".into(),
            email_http_token_url: Some("ftp://x".into()),
            email_http_send_url: Some("https://x/send".into()),
            email_http_api_key: Some("k".into()),
            ..Settings::default()
        },
        Settings {
            email_from: "not an address".into(),
            email_provider: "smtp".into(),
            email_smtp_host: Some("mail.example.id".into()),
            ..Settings::default()
        },
    ];
    for s in cases {
        assert!(Provider::from_settings(&s).is_err(), "{s:?}");
    }
    let ok = Settings {
        email_provider: "smtp".into(),
        email_smtp_host: Some("mail.example.id".into()),
        email_smtp_tls: "tls".into(),
        ..Settings::default()
    };
    assert_eq!(Provider::from_settings(&ok).expect("smtp").name(), "smtp");
}
