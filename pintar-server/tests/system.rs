//! Health, readiness, and the shape of every error, on both engines.

mod support;

use pintar_server::Settings;
use support::{ENGINES, Engine, TestServer};

#[tokio::test]
async fn health_and_ready() {
    for engine in ENGINES {
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
}

#[tokio::test]
async fn unknown_route_is_a_problem_with_the_request_id() {
    for engine in ENGINES {
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
}

#[tokio::test]
async fn a_given_request_id_is_kept() {
    let s = TestServer::start(Engine::Sqlite).await;
    let res = s
        .client
        .get(s.url("/missing"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .expect("request");
    assert_eq!(res.headers()["x-request-id"], "trace-me-42");
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["request_id"], "trace-me-42");
    s.stop().await;
}

#[tokio::test]
async fn oversized_bodies_get_413_and_wrong_methods_405() {
    let settings = Settings {
        max_upload_bytes: 1024,
        ..Settings::default()
    };
    let s = TestServer::start_with(Engine::Sqlite, settings).await;
    let res = s
        .client
        .post(s.url("/health"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "payload_too_large");
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
