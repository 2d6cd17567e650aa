//! Rate limits, client addresses behind proxies, metrics, and the OpenAPI document and docs.

use crate::support;
use pintar_server::engine_tests;

use pintar_server::Settings;
use pintar_server::storage::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use support::{Engine, TestServer};

fn limited(auth: u32, general: u32, key: u32, proxies: &[&str]) -> Settings {
    Settings {
        rate_limit_enabled: true,
        rate_limit_auth_per_minute: auth,
        rate_limit_per_minute: general,
        rate_limit_api_key_per_hour: key,
        trusted_proxies: proxies.iter().map(|p| p.to_string()).collect(),
        ..Settings::default()
    }
}

engine_tests!(auth_general_and_key_limits_are_separate_and_announced);
async fn auth_general_and_key_limits_are_separate_and_announced(engine: Engine) {
    let s = TestServer::start_limited(engine, limited(3, 5, 4, &[])).await;
    // Auth: three tries, then 429 with the headers and a problem body.
    for i in 0..3 {
        let r = s
            .post(
                "/api/v1/auth/token",
                None,
                json!({"email": "x@example.id", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(r.status, 401, "{engine:?}");
        assert_eq!(r.headers["ratelimit-limit"], "3");
        assert_eq!(
            r.headers["ratelimit-remaining"],
            (2 - i).to_string().as_str()
        );
        assert!(r.headers.contains_key("ratelimit-reset"));
    }
    let r = s
        .post(
            "/api/v1/auth/token",
            None,
            json!({"email": "x@example.id", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["code"], "rate_limited");
    assert!(r.body["request_id"].is_string());
    let wait: u64 = r.headers["retry-after"]
        .to_str()
        .expect("retry-after")
        .parse()
        .expect("seconds");
    assert!((1..=120).contains(&wait), "{wait}");

    // Other routes have their own budget; health and metrics have none.
    for _ in 0..5 {
        assert_eq!(s.get("/api/v1/courses", None).await.status, 200);
    }
    assert_eq!(s.get("/api/v1/courses", None).await.status, 429);
    for _ in 0..10 {
        assert_eq!(s.get("/health", None).await.status, 200);
    }
    s.stop().await;
}

#[tokio::test]
async fn trusted_proxies_decide_whose_address_counts() {
    // Behind a trusted proxy each forwarded client has its own budget, and the audit log
    // records the client's address.
    let s = TestServer::start_limited(Engine::Sqlite, limited(2, 100, 100, &["127.0.0.1"])).await;
    for client in ["198.51.100.1", "198.51.100.2"] {
        for _ in 0..2 {
            let r = s
                .client
                .post(s.url("/api/v1/auth/token"))
                .header("x-forwarded-for", format!("6.6.6.6, {client}"))
                .json(&json!({"email": "x@example.id", "password": "wrong-password"}))
                .send()
                .await
                .expect("send");
            assert_eq!(r.status(), 401);
        }
    }
    let r = s
        .client
        .post(s.url("/api/v1/auth/register"))
        .header("x-forwarded-for", "198.51.100.3")
        .json(
            &json!({"email": "ip@example.id", "password": support::PASSWORD, "display_name": "Ip"}),
        )
        .send()
        .await
        .expect("register");
    assert_eq!(r.status(), 201);
    let row = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.eq("users"))
        .one(&s.db.db)
        .await
        .expect("audit")
        .expect("row");
    assert_eq!(row.actor_ip.as_deref(), Some("198.51.100.3"));
    s.stop().await;

    // Without trust, the header is ignored: one budget for the socket address.
    let s = TestServer::start_limited(Engine::Sqlite, limited(2, 100, 100, &[])).await;
    let mut statuses = Vec::new();
    for client in ["198.51.100.1", "198.51.100.2", "198.51.100.3"] {
        let r = s
            .client
            .post(s.url("/api/v1/auth/token"))
            .header("x-forwarded-for", client)
            .json(&json!({"email": "x@example.id", "password": "wrong-password"}))
            .send()
            .await
            .expect("send");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [401, 401, 429]);
    s.stop().await;
}

#[tokio::test]
async fn api_keys_have_their_own_hourly_budget() {
    let s = TestServer::start_limited(Engine::Sqlite, limited(100, 100, 3, &[])).await;
    let t = s.learner("kunci@example.id").await;
    let up = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&t.access_token),
            json!({}),
        )
        .await;
    let key = up.body["api_key"]["key"].as_str().expect("key").to_string();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let r = s
            .client
            .get(s.url("/api/v1/users/me"))
            .header("x-api-key", &key)
            .send()
            .await
            .expect("me");
        assert_eq!(r.headers()["ratelimit-limit"], "3");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 429]);
    // The same address without the key is still within its own budget.
    assert_eq!(
        s.get("/api/v1/users/me", Some(&t.access_token))
            .await
            .status,
        200
    );
    s.stop().await;
}

engine_tests!(metrics_count_requests_by_route_logins_and_pool);
async fn metrics_count_requests_by_route_logins_and_pool(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    s.learner("metrik@example.id").await;
    let _ = s.login("metrik@example.id", "not-the-password").await;
    for _ in 0..3 {
        s.get("/api/v1/courses", None).await;
    }
    s.get("/api/v1/courses/incoterms-2020", None).await;
    s.get("/no/such/route", None).await;
    let r = s
        .client
        .get(s.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("application/openmetrics-text")
    );
    let text = r.text().await.expect("text");
    for line in [
        r#"pintar_http_requests_total{method="GET",route="/api/v1/courses",status="200"} 3"#,
        r#"pintar_http_requests_total{method="GET",route="/api/v1/courses/{id}",status="200"} 1"#,
        r#"pintar_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"pintar_logins_total{outcome="succeeded"} 1"#,
        r#"pintar_logins_total{outcome="failed"} 1"#,
    ] {
        assert!(text.contains(line), "{engine:?}: missing {line} in\n{text}");
    }
    assert!(text.contains("pintar_http_request_duration_seconds_bucket{"));
    assert!(text.contains("pintar_db_pool_connections "));
    s.stop().await;
}

#[tokio::test]
async fn openapi_document_and_docs_page_are_served_locally() {
    let s = TestServer::start(Engine::Sqlite).await;
    let r = s.get("/api/v1/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let paths = r.body["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/courses",
        "/api/v1/courses/{id}/contents/{cid}/attempts",
        "/api/v1/admin/courses/import",
        "/api/v1/auth/token",
        "/api/v1/developer/keys/{id}",
        "/api/v1/certificates/{code}",
    ] {
        assert!(paths.contains_key(p), "{p} documented");
    }
    assert!(r.body["components"]["schemas"]["CourseDocument"].is_object());
    assert!(r.body["components"]["securitySchemes"]["api_key"].is_object());

    let page = s.client.get(s.url("/docs/")).send().await.expect("docs");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("unpkg.com") && !html.contains("cdn."),
        "assets are local"
    );
    let init = s
        .client
        .get(s.url("/docs/swagger-initializer.js"))
        .send()
        .await
        .expect("init");
    assert!(
        init.text()
            .await
            .expect("js")
            .contains("/api/v1/openapi.json")
    );
    let bundle = s
        .client
        .get(s.url("/docs/swagger-ui-bundle.js"))
        .send()
        .await
        .expect("bundle");
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.expect("bytes").len() > 100_000);
    s.stop().await;
}

engine_tests!(api_key_scopes_are_enforced);
async fn api_key_scopes_are_enforced(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let t = s.learner("scope@example.id").await;
    s.post(
        "/api/v1/auth/upgrade-role",
        Some(&t.access_token),
        json!({}),
    )
    .await;
    let dev: pintar_core::api::TokenResponse = s
        .login("scope@example.id", support::PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let mut keys = Vec::new();
    for scopes in [json!(["analytics"]), json!(["learning"])] {
        let r = s
            .post(
                "/api/v1/developer/key",
                Some(&dev.access_token),
                json!({"name": "k", "scopes": scopes}),
            )
            .await;
        keys.push(r.body["key"].as_str().expect("key").to_string());
    }
    let enroll = |key: String| {
        s.client
            .post(s.url("/api/v1/courses/incoterms-2020/enroll"))
            .header("x-api-key", key)
            .send()
    };
    let r = enroll(keys[0].clone()).await.expect("send");
    assert_eq!(r.status(), 403, "{engine:?}");
    let body: serde_json::Value = r.json().await.expect("problem");
    assert!(
        body["detail"]
            .as_str()
            .expect("detail")
            .contains("learning")
    );
    assert_eq!(enroll(keys[1].clone()).await.expect("send").status(), 201);
    s.stop().await;
}

/// Redis for shared rate limits (on this machine and in CI; `PINTAR_TEST_REDIS_URL` overrides).
fn redis_url() -> String {
    std::env::var("PINTAR_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[tokio::test]
async fn instances_sharing_redis_share_the_limits() {
    let prefix = format!("pintar-test-{}", uuid::Uuid::now_v7().simple());
    let settings = || Settings {
        redis_url: Some(redis_url()),
        redis_prefix: prefix.clone(),
        ..limited(3, 100, 100, &[])
    };
    let a = TestServer::start_limited(Engine::Sqlite, settings()).await;
    let b = TestServer::start_limited(Engine::Postgres, settings()).await;
    let mut seen = Vec::new();
    for s in [&a, &a, &b, &b, &a] {
        let r = s
            .post(
                "/api/v1/auth/token",
                None,
                json!({"email": "x@example.id", "password": "wrong-password"}),
            )
            .await;
        seen.push((
            r.status,
            r.headers
                .get("ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                .map(String::from),
        ));
    }
    let statuses: Vec<u16> = seen.iter().map(|x| x.0).collect();
    assert_eq!(statuses, [401, 401, 401, 429, 429], "{seen:?}");
    // Counted in one window, whichever instance answered.
    assert!(
        seen[2]
            .1
            .as_deref()
            .is_some_and(|r| r.parse::<u32>().is_ok_and(|n| n == 0)),
        "{seen:?}"
    );
    a.stop().await;
    b.stop().await;
}
