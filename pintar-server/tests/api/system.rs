//! Health, readiness, and the shape of every error, on both engines.

use crate::support;
use pintar_server::engine_tests;

use pintar_server::Settings;
use support::{Engine, TestServer};

engine_tests!(health_and_ready);
async fn health_and_ready(engine: Engine) {
    let s = TestServer::start(engine).await;
    let health: serde_json::Value = s
        .client
        .get(s.url("/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");
    let res = s.client.get(s.url("/ready")).send().await.expect("ready");
    assert_eq!(res.status(), 200);
    let ready: serde_json::Value = res.json().await.expect("json");
    let expected = match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    assert_eq!(ready["database"], expected, "{engine:?}");
    s.stop().await;
}

engine_tests!(unknown_route_is_a_problem_with_the_request_id);
async fn unknown_route_is_a_problem_with_the_request_id(engine: Engine) {
    let s = TestServer::start(engine).await;
    let res = s
        .client
        .get(s.url("/api/v1/nothing-here"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let id = res.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(!id.is_empty());
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["status"], 404);
    assert_eq!(body["code"], "not_found");
    assert_eq!(body["title"], "Not Found");
    assert_eq!(body["request_id"], id.as_str(), "{engine:?}");
    s.stop().await;
}

#[tokio::test]
async fn a_given_request_id_is_kept() {
    let s = TestServer::start(Engine::Sqlite).await;
    let res = s
        .client
        .get(s.url("/api/v1/missing"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("request");
    assert_eq!(res.headers()["x-request-id"], "trace-me-42");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["request_id"], "trace-me-42");
    // Outside the API a missing page is a page, with the same request id.
    let page = s
        .client
        .get(s.url("/missing"))
        .header("x-request-id", "trace-me-43")
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), 404);
    assert_eq!(page.headers()["x-request-id"], "trace-me-43");
    assert!(page.text().await.expect("text").contains("<html"));
    s.stop().await;
}

#[tokio::test]
async fn bodies_are_small_except_on_upload_routes_and_wrong_methods_get_405() {
    let settings = Settings {
        max_body_bytes: 16 * 1024,
        max_upload_bytes: 256 * 1024,
        ..Settings::default()
    };
    let s = TestServer::start_with(Engine::Sqlite, settings).await;
    let admin = s.admin("root@example.id").await;
    let learner = s.learner("kecil@example.id").await.access_token;
    // 64 KiB of display name: over the small default on an ordinary route.
    let big_name = "x".repeat(64 * 1024);
    let res = s
        .post(
            "/api/v1/auth/register",
            None,
            serde_json::json!({"email": "big@example.id", "password": "long-enough-1", "display_name": big_name}),
        )
        .await;
    assert_eq!(res.status, 413, "{:?}", res.body);
    assert_eq!(res.body["code"], "payload_too_large");
    // The same size is fine on the upload route (course import), for an admin...
    let lesson =
        serde_json::json!({"kind": "lesson", "title": "Besar", "body": "y".repeat(64 * 1024)});
    let doc = serde_json::json!({"slug": "big-import", "title": "Big", "summary": "S", "level": "beginner",
                                 "sections": [{"title": "S", "items": [lesson]}]});
    let res = s
        .post("/api/v1/admin/courses/import", Some(&admin), doc.clone())
        .await;
    assert_eq!(res.status, 201, "{:?}", res.body);
    // ...a learner is refused before the body is read, whatever its size...
    let huge = serde_json::json!({"filler": "z".repeat(512 * 1024)});
    let res = s
        .post("/api/v1/admin/courses/import", Some(&learner), huge.clone())
        .await;
    assert_eq!(res.status, 403);
    // ...and the upload route has its own limit.
    let res = s
        .post("/api/v1/admin/courses/import", Some(&admin), huge)
        .await;
    assert_eq!(res.status, 413);
    assert_eq!(res.body["code"], "payload_too_large");
    let res = s
        .client
        .post(s.url("/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 405);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "method_not_allowed");
    assert!(body["request_id"].is_string());
    s.stop().await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let settings = Settings {
        cors_origins: vec!["https://belajar.pintar-ekspor.id".into()],
        ..Settings::default()
    };
    let s = TestServer::start_with(Engine::Sqlite, settings).await;
    let preflight = |origin: &'static str| {
        s.client
            .request(reqwest::Method::OPTIONS, s.url("/api/v1/users/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let ok = preflight("https://belajar.pintar-ekspor.id")
        .await
        .expect("preflight");
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://belajar.pintar-ekspor.id"
    );
    let evil = preflight("https://evil.example").await.expect("preflight");
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    s.stop().await;
}
