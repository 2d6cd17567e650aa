//! Trust at the key layer, tried as an attacker would: each test reproduces a failure that
//! was seen on the server (junk keys opening rate-limit buckets, keys reaching past their
//! scopes, revocations waiting for token expiry, validation before authorization,
//! unbounded input) and shows it is closed, on SQLite and PostgreSQL.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{ApiKeyCreated, Role, TokenResponse, UpgradeResponse};
use pintar_server::Settings;
use pintar_server::storage::entities::{audit_log, quiz_attempt};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Engine, PASSWORD, TestServer};

fn limited(auth: u32, general: u32) -> Settings {
    Settings {
        rate_limit_enabled: true,
        rate_limit_auth_per_minute: auth,
        rate_limit_per_minute: general,
        ..Settings::default()
    }
}

/// A key of the right shape that no one was ever given.
fn junk_key(i: usize) -> String {
    format!("pk_{:0>43}", i)
}

/// Makes `email` a developer; returns a fresh session and the first key (every scope).
async fn developer(s: &TestServer, email: &str) -> (TokenResponse, String) {
    let t = s.learner(email).await;
    let up = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            json!({}),
        )
        .await;
    assert_eq!(up.status, 201, "{:?}", up.body);
    let up: UpgradeResponse = serde_json::from_value(up.body).expect("upgrade");
    (t, up.api_key.key)
}

async fn with_key(s: &TestServer, method: Method, path: &str, key: &str, body: Value) -> u16 {
    s.client
        .request(method, s.url(path))
        .header("x-api-key", key)
        .json(&body)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

engine_tests!(junk_keys_open_no_rate_limit_buckets);
async fn junk_keys_open_no_rate_limit_buckets(engine: Engine) {
    let s = TestServer::start_limited(engine, limited(20, 10)).await;
    let sign_in = |key: Option<String>| {
        let mut req = s
            .client
            .post(s.url("/api/v1/auth/token"))
            .json(&json!({"email": "target@example.id", "password": "guess-guess-guess"}));
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        req.send()
    };
    for _ in 0..20 {
        assert_eq!(sign_in(None).await.expect("sign in").status(), 401);
    }
    assert_eq!(sign_in(None).await.expect("sign in").status(), 429);
    // Thirty more, each with another well-formed junk key: still this address's budget.
    for i in 0..30 {
        let res = sign_in(Some(junk_key(i))).await.expect("sign in");
        assert_eq!(res.status(), 429, "junk key {i} reached the password check");
    }
    // A malformed key is refused before anything else.
    let res = sign_in(Some("pk_short".into())).await.expect("sign in");
    assert_eq!(res.status(), 401);

    // Elsewhere, a key that fails verification counts against the client's address...
    for i in 0..10 {
        let status = with_key(
            &s,
            Method::GET,
            "/api/v1/courses",
            &junk_key(100 + i),
            json!({}),
        )
        .await;
        assert_eq!(status, 401);
    }
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/courses",
            &junk_key(200),
            json!({})
        )
        .await,
        429
    );
    assert_eq!(s.get("/api/v1/courses", None).await.status, 429);
    s.stop().await;
}

engine_tests!(a_verified_key_has_its_own_budget);
async fn a_verified_key_has_its_own_budget(engine: Engine) {
    // Generous sign-in limits so the set-up passes; ten general requests per client.
    let s = TestServer::start_limited(engine, limited(100, 10)).await;
    let (_, key) = developer(&s, "kunci@example.id").await;
    for _ in 0..10 {
        s.get("/api/v1/courses", None).await;
    }
    assert_eq!(s.get("/api/v1/courses", None).await.status, 429);
    // The address is spent; the verified key counts in its own tier, by key id.
    let res = s
        .client
        .get(s.url("/api/v1/courses"))
        .header("authorization", format!("ApiKey {key}"))
        .send()
        .await
        .expect("courses");
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["ratelimit-limit"], "1000");
    s.stop().await;
}

engine_tests!(keys_stay_in_their_scopes);
async fn keys_stay_in_their_scopes(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (t, _) = developer(&s, "sempit@example.id").await;
    let created = s
        .post(
            "/api/v1/developer/key",
            Some(&t.access_token),
            json!({"name": "analytics only", "scopes": ["analytics"], "expires_in_days": 1}),
        )
        .await;
    assert_eq!(created.status, 201);
    let narrow: ApiKeyCreated = serde_json::from_value(created.body).expect("key");
    // It cannot mint a wider, longer-lived key, list keys, or change the account: a key is
    // no credential for these (401, as without a session).
    let wider = json!({"name": "wider", "expires_in_days": 3650});
    assert_eq!(
        with_key(
            &s,
            Method::POST,
            "/api/v1/developer/key",
            &narrow.key,
            wider
        )
        .await,
        401
    );
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/developer/keys",
            &narrow.key,
            json!({})
        )
        .await,
        401
    );
    let rename = json!({"display_name": "pwned"});
    assert_eq!(
        with_key(&s, Method::PATCH, "/api/v1/users/me", &narrow.key, rename).await,
        401
    );
    assert_eq!(
        with_key(
            &s,
            Method::POST,
            "/api/v1/auth/upgrade-role",
            &narrow.key,
            json!({})
        )
        .await,
        401
    );
    // It can say whose it is, but not read the catalog or learn (no such scopes).
    assert_eq!(
        with_key(&s, Method::GET, "/api/v1/users/me", &narrow.key, json!({})).await,
        200
    );
    assert_eq!(
        with_key(&s, Method::GET, "/api/v1/courses", &narrow.key, json!({})).await,
        403
    );
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/users/me/enrollments",
            &narrow.key,
            json!({})
        )
        .await,
        403
    );
    // HEAD is GET without the body, and gets GET's rule.
    for (path, status) in [
        ("/api/v1/users/me/enrollments", 403),
        ("/api/v1/developer/keys", 401),
        ("/api/v1/courses", 403),
    ] {
        let res = s
            .client
            .head(s.url(path))
            .header("x-api-key", &narrow.key)
            .send()
            .await
            .expect("head");
        assert_eq!(res.status(), status, "HEAD {path}");
    }
    let me = s.get("/api/v1/users/me", Some(&t.access_token)).await;
    assert_ne!(me.body["display_name"], "pwned");

    // An admin's key reaches no /admin route.
    let admin = s.admin("kepala@example.id").await;
    let admin_key = s
        .post(
            "/api/v1/developer/key",
            Some(&admin),
            json!({"name": "admin's"}),
        )
        .await;
    let admin_key = admin_key.body["key"].as_str().expect("key").to_string();
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/admin/users",
            &admin_key,
            json!({})
        )
        .await,
        401
    );
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/admin/audit-logs",
            &admin_key,
            json!({})
        )
        .await,
        401
    );
    let doc = json!({"slug": "via-key", "title": "T", "summary": "S", "level": "beginner", "sections": []});
    assert_eq!(
        with_key(
            &s,
            Method::POST,
            "/api/v1/admin/courses/import",
            &admin_key,
            doc
        )
        .await,
        401
    );
    s.stop().await;
}

/// Polls `check` until it returns true or `limit` passes; returns how long it took.
async fn within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() <= limit {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

engine_tests!(revocations_bite_on_the_next_request);
async fn revocations_bite_on_the_next_request(engine: Engine) {
    let s = TestServer::start(engine).await;
    let admin = s.admin("kepala@example.id").await;
    let id_of = |body: &Value| body["id"].as_str().expect("id").to_string();
    let set = |id: String, patch: Value| {
        let s = &s;
        let admin = admin.clone();
        async move {
            let r = s
                .call(
                    Method::PATCH,
                    &format!("/api/v1/admin/users/{id}"),
                    Some(&admin),
                    Some(patch),
                )
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
        }
    };

    // Disabling: the learner's access token stops at once.
    let learner = s.learner("nonaktif@example.id").await;
    let me = s.get("/api/v1/users/me", Some(&learner.access_token)).await;
    assert_eq!(me.status, 200);
    set(id_of(&me.body), json!({"is_active": false})).await;
    assert_eq!(
        s.get("/api/v1/users/me", Some(&learner.access_token))
            .await
            .status,
        401
    );

    // Demotion: an admin's token loses /admin at once.
    let second = s.admin("wakil@example.id").await;
    assert_eq!(
        s.get("/api/v1/admin/users", Some(&second)).await.status,
        200
    );
    let me = s.get("/api/v1/users/me", Some(&second)).await;
    set(id_of(&me.body), json!({"role": "public"})).await;
    assert_eq!(
        s.get("/api/v1/admin/users", Some(&second)).await.status,
        403
    );

    // Demoting a developer revokes their keys.
    let (dev, key) = developer(&s, "turun@example.id").await;
    assert_eq!(
        with_key(&s, Method::GET, "/api/v1/courses", &key, json!({})).await,
        200
    );
    let me = s.get("/api/v1/users/me", Some(&dev.access_token)).await;
    set(id_of(&me.body), json!({"role": "public"})).await;
    assert_eq!(
        with_key(&s, Method::GET, "/api/v1/courses", &key, json!({})).await,
        401
    );
    assert_eq!(
        s.get("/api/v1/developer/keys", Some(&dev.access_token))
            .await
            .status,
        403
    );
    let me = s.get("/api/v1/users/me", Some(&dev.access_token)).await;
    assert_eq!(me.body["role"], json!(Role::Public));

    // Logout ends that session's access token; logout everywhere ends them all.
    let first = s.learner("keluar@example.id").await;
    let other: TokenResponse = s
        .login("keluar@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let third: TokenResponse = s
        .login("keluar@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let r = s
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        s.get("/api/v1/users/me", Some(&first.access_token))
            .await
            .status,
        401
    );
    assert_eq!(
        s.get("/api/v1/users/me", Some(&other.access_token))
            .await
            .status,
        200
    );
    let r = s
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": other.refresh_token, "everywhere": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        s.get("/api/v1/users/me", Some(&other.access_token))
            .await
            .status,
        401
    );
    assert_eq!(
        s.get("/api/v1/users/me", Some(&third.access_token))
            .await
            .status,
        401
    );
    s.stop().await;
}

engine_tests!(other_instances_follow_within_the_cache_time);
async fn other_instances_follow_within_the_cache_time(engine: Engine) {
    let s = TestServer::start(engine).await;
    let b = s.sibling(Settings::default()).await;
    let admin = s.admin("kepala@example.id").await;
    let (dev, key) = developer(&s, "dua@example.id").await;
    let on_b = |auth: (&'static str, String)| {
        let client = s.client.clone();
        let url = b.url("/api/v1/users/me");
        async move {
            client
                .get(url)
                .header(auth.0, auth.1)
                .send()
                .await
                .expect("me")
                .status()
                .as_u16()
        }
    };
    let bearer = || ("authorization", format!("Bearer {}", dev.access_token));
    let api_key = || ("x-api-key", key.clone());
    // Instance B has both cached as good.
    assert_eq!(on_b(bearer()).await, 200);
    assert_eq!(on_b(api_key()).await, 200);
    // Instance A revokes the key and disables the account.
    let keys = s
        .get("/api/v1/developer/keys", Some(&dev.access_token))
        .await;
    let key_id = keys.body[0]["id"].as_str().expect("id").to_string();
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/developer/keys/{key_id}"),
            Some(&dev.access_token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let took = within(Duration::from_millis(1500), || async {
        on_b(api_key()).await == 401
    })
    .await;
    assert!(
        took.is_some(),
        "the revoked key still works on the other instance"
    );
    let me = s.get("/api/v1/users/me", Some(&dev.access_token)).await;
    let id = me.body["id"].as_str().expect("id").to_string();
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{id}"),
            Some(&admin),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, 200);
    let took = within(Duration::from_millis(1500), || async {
        on_b(bearer()).await == 401
    })
    .await;
    assert!(
        took.is_some(),
        "the disabled account still works on the other instance"
    );
    b.stop().await;
    s.stop().await;
}

engine_tests!(authorization_comes_before_validation);
async fn authorization_comes_before_validation(engine: Engine) {
    let s = TestServer::start(engine).await;
    let learner = s.learner("penasaran@example.id").await.access_token;
    let r = s
        .post("/api/v1/admin/courses", Some(&learner), json!({}))
        .await;
    assert_eq!(r.status, 403, "{:?}", r.body);
    assert_eq!(
        s.post("/api/v1/admin/courses", None, json!({}))
            .await
            .status,
        401
    );
    for body in ["{not json", "[]", ""] {
        let res = s
            .client
            .post(s.url("/api/v1/admin/courses/import"))
            .bearer_auth(&learner)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("import");
        assert_eq!(res.status(), 403, "{body:?}");
    }
    let res = s
        .client
        .put(s.url(&format!("/api/v1/admin/contents/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&learner)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .expect("put");
    assert_eq!(
        res.status(),
        403,
        "media type is not looked at before the role"
    );
    s.stop().await;
}

engine_tests!(credentials_never_cached_or_echoed);
async fn credentials_never_cached_or_echoed(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.register("rahasia@example.id").await;
    let res = s.login("rahasia@example.id", PASSWORD).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let t: TokenResponse = res.json().await.expect("tokens");
    let r = s
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": t.refresh_token}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["cache-control"], "no-store");
    let debug = format!("{t:?}");
    assert!(
        !debug.contains(&t.access_token) && !debug.contains(&t.refresh_token),
        "{debug}"
    );
    let r = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            json!({}),
        )
        .await;
    assert_eq!(r.headers["cache-control"], "no-store");
    let created: ApiKeyCreated = serde_json::from_value(r.body["api_key"].clone()).expect("key");
    assert!(!format!("{created:?}").contains(&created.key));
    s.stop().await;
}

engine_tests!(free_text_is_validated);
async fn free_text_is_validated(engine: Engine) {
    let s = TestServer::start(engine).await;
    let register = |email: &str, name: &str| {
        s.post(
            "/api/v1/auth/register",
            None,
            json!({"email": email, "password": PASSWORD, "display_name": name}),
        )
    };
    let r = register("bad\r\nBcc: victim@example.com", "Budi").await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "email");
    for name in ["Bu\u{0}di", "Budi\r\nX-Injected: 1", "\u{1b}[31mred", ""] {
        let r = register("budi@example.id", name).await;
        assert_eq!(r.status, 422, "{name:?}");
        assert_eq!(r.body["errors"][0]["field"], "display_name");
    }
    let t = s.learner("budi@example.id").await;
    let r = s
        .call(
            Method::PATCH,
            "/api/v1/users/me",
            Some(&t.access_token),
            Some(json!({"display_name": "a\nb"})),
        )
        .await;
    assert_eq!(r.status, 422);
    s.stop().await;
}

engine_tests!(quiz_answers_are_bounded);
async fn quiz_answers_are_bounded(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let t = s.learner("kuis@example.id").await.access_token;
    let slug = "incoterms-2020";
    assert!(
        s.post(
            &format!("/api/v1/courses/{slug}/enroll"),
            Some(&t),
            json!({})
        )
        .await
        .status
            < 300
    );
    let detail = s.get(&format!("/api/v1/courses/{slug}"), None).await.body;
    let quiz = detail["outline"]
        .as_array()
        .expect("outline")
        .iter()
        .flat_map(|sec| sec["items"].as_array().cloned().unwrap_or_default())
        .find(|i| i["kind"] == "quiz")
        .expect("quiz");
    let qid = quiz["id"].as_str().expect("id");
    let view = s
        .get(&format!("/api/v1/courses/{slug}/contents/{qid}"), Some(&t))
        .await;
    let questions = view.body["quiz"]["questions"]
        .as_array()
        .expect("questions")
        .len();
    let mut answers = vec![json!([0]); questions];
    answers[0] = json!(vec![0; 20_000]);
    let r = s
        .post(
            &format!("/api/v1/courses/{slug}/contents/{qid}/attempts"),
            Some(&t),
            json!({"answers": answers}),
        )
        .await;
    // 20,000 choices for one question: refused by name, before anything is stored.
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert_eq!(r.body["errors"][0]["field"], "answers[0]");
    // So are repeated choices.
    answers[0] = json!([0, 0]);
    let r = s
        .post(
            &format!("/api/v1/courses/{slug}/contents/{qid}/attempts"),
            Some(&t),
            json!({"answers": answers}),
        )
        .await;
    assert_eq!(r.status, 422, "{:?}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("more than once"))
    );
    // And a body past the small default limit never reaches the handler.
    answers[0] = json!(vec![0; 40_000]);
    let r = s
        .post(
            &format!("/api/v1/courses/{slug}/contents/{qid}/attempts"),
            Some(&t),
            json!({"answers": answers}),
        )
        .await;
    assert_eq!(r.status, 413, "{:?}", r.body);
    assert_eq!(
        quiz_attempt::Entity::find()
            .count(&s.db.db)
            .await
            .expect("count"),
        0
    );
    let audited = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.eq("quiz_attempts"))
        .count(&s.db.db)
        .await
        .expect("count");
    assert_eq!(audited, 0);
    s.stop().await;
}

engine_tests!(request_ids_and_methods_are_bounded);
async fn request_ids_and_methods_are_bounded(engine: Engine) {
    let s = TestServer::start(engine).await;
    let long = "r".repeat(5000);
    let res = s
        .client
        .post(s.url("/api/v1/auth/register"))
        .header("x-request-id", &long)
        .json(&json!({"email": "panjang@example.id", "password": PASSWORD, "display_name": "P"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 201);
    let echoed = res.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    assert!(echoed != long && echoed.len() <= 64, "{echoed}");
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.eq("users"))
        .all(&s.db.db)
        .await
        .expect("audit");
    assert!(
        rows.iter()
            .all(|r| r.request_id.as_deref() == Some(echoed.as_str()))
    );
    // A short, plain id is kept.
    let r = s
        .client
        .get(s.url("/api/v1/courses"))
        .header("x-request-id", "ci-run-7")
        .send()
        .await
        .expect("courses");
    assert_eq!(r.headers()["x-request-id"], "ci-run-7");
    // Made-up methods share one metrics label.
    for m in ["FOOBAR", "BAZQUUX", "XYZZY"] {
        let method = Method::from_bytes(m.as_bytes()).expect("method");
        let _ = s
            .client
            .request(method, s.url("/api/v1/courses"))
            .send()
            .await;
    }
    let metrics = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(!metrics.contains("FOOBAR") && !metrics.contains("XYZZY"));
    assert!(metrics.contains("method=\"other\""), "{metrics}");
    s.stop().await;
}

engine_tests!(concurrent_imports_of_one_slug_conflict);
async fn concurrent_imports_of_one_slug_conflict(engine: Engine) {
    let s = TestServer::start(engine).await;
    let admin = s.admin("kepala@example.id").await;
    let lesson = json!({"kind": "lesson", "title": "T", "body": "B"});
    let doc = json!({"slug": "balapan", "title": "Race", "summary": "S", "level": "beginner",
                     "sections": [{"title": "S", "items": [lesson]}]});
    let import = || s.post("/api/v1/admin/courses/import", Some(&admin), doc.clone());
    let (a, b, c, d) = tokio::join!(import(), import(), import(), import());
    let mut statuses = vec![a.status, b.status, c.status, d.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409], "{engine:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_silent_redis_costs_one_timeout_then_limits_are_local() {
    // A Redis that accepts connections and never answers.
    let blackhole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = blackhole.local_addr().expect("addr").port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = blackhole.accept().await {
            open.push(socket);
        }
    });
    let settings = Settings {
        redis_url: Some(format!("redis://127.0.0.1:{port}")),
        ..limited(100, 10)
    };
    let s = TestServer::start_limited(Engine::Sqlite, settings).await;
    let started = Instant::now();
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(s.get("/api/v1/courses", None).await.status);
    }
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "30 requests took {took:?}");
    // Counted in memory meanwhile: the limit still holds.
    assert_eq!(&statuses[..10], &[200; 10]);
    assert!(statuses[10..].iter().all(|s| *s == 429), "{statuses:?}");
    s.stop().await;
    held.abort();
}

engine_tests!(review_findings_stay_closed);
async fn review_findings_stay_closed(engine: Engine) {
    let s = TestServer::start(engine).await;
    // create-admin on an existing account is a password reset: old sessions end.
    let squatter = s.learner("ops@example.id").await;
    pintar_server::accounts::bootstrap::create_admin(
        &s.db.db,
        "ops@example.id",
        "operator-password-1",
    )
    .await
    .expect("promote");
    let r = s
        .get("/api/v1/admin/users", Some(&squatter.access_token))
        .await;
    assert_eq!(
        r.status, 401,
        "the squatter's session must not become an admin's"
    );

    // An old refresh token cannot log its owner out everywhere.
    let first = s.learner("lama@example.id").await;
    let rotated = s
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": first.refresh_token}),
        )
        .await;
    assert_eq!(rotated.status, 200);
    let current: TokenResponse = serde_json::from_value(rotated.body).expect("tokens");
    let r = s
        .post(
            "/api/v1/auth/logout",
            None,
            json!({"refresh_token": first.refresh_token, "everywhere": true}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        s.get("/api/v1/users/me", Some(&current.access_token))
            .await
            .status,
        200
    );

    // An admin's key is a machine's credential: no drafts.
    let admin = s.admin("kepala@example.id").await;
    let draft = json!({"slug": "rahasia", "title": "Draft", "summary": "S", "level": "beginner"});
    assert_eq!(
        s.post("/api/v1/admin/courses", Some(&admin), draft)
            .await
            .status,
        201
    );
    assert_eq!(
        s.get("/api/v1/courses/rahasia", Some(&admin)).await.status,
        200
    );
    let admin_key = s
        .post("/api/v1/developer/key", Some(&admin), json!({"name": "k"}))
        .await
        .body["key"]
        .as_str()
        .expect("key")
        .to_string();
    assert_eq!(
        with_key(
            &s,
            Method::GET,
            "/api/v1/courses/rahasia",
            &admin_key,
            json!({})
        )
        .await,
        404
    );

    // At most 20 live keys per account (the admin holds one already).
    let mut statuses = Vec::new();
    for i in 0..20 {
        let r = s
            .post(
                "/api/v1/developer/key",
                Some(&admin),
                json!({"name": format!("k{i}")}),
            )
            .await;
        statuses.push(r.status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 19);
    assert_eq!(statuses.last(), Some(&409));
    s.stop().await;
}
