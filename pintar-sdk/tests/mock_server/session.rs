//! Sessions: renewal on 401 (once, shared by concurrent calls), refused refreshes, lazy
//! password sign-in, the token listener, and secrets kept out of `Debug`.

use crate::support;

use futures_util::future::join_all;
use pintar_sdk::types::{RefreshRequest, Role};
use pintar_sdk::{Client, Error, Tokens};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;
use wiremock::Mock;
use wiremock::matchers::{body_json, method};

#[tokio::test]
async fn a_401_renews_once_with_the_refresh_token_and_the_call_is_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(problem(401, "unauthorized", "the access token has expired"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .and(no_auth())
        .and(body_json(json!({"refresh_token": "refresh-1"})))
        .respond_with(json(200, &token_response("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-2"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server, "access-1", "refresh-1");
    let me = client.auth().me().await.expect("me after renewal");
    assert_eq!(me, user(Role::Public));
    let now = client.tokens().expect("tokens");
    assert_eq!(now.access_token, "access-2");
    assert_eq!(now.refresh_token, "refresh-2", "refresh tokens rotate");
    assert!(now.expires_at.is_some());
}

#[tokio::test]
async fn concurrent_401s_share_exactly_one_refresh() {
    const CALLS: usize = 8;
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("stale"))
        .respond_with(problem(401, "unauthorized", "the access token has expired"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .and(body_json(RefreshRequest {
            refresh_token: "refresh-1".into(),
        }))
        // Slow enough that every caller is waiting for it.
        .respond_with(
            json(200, &token_response("fresh", "refresh-2")).set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("fresh"))
        .respond_with(json(200, &user(Role::Developer)))
        .expect(CALLS as u64)
        .mount(&server)
        .await;

    let client = token_client(&server, "stale", "refresh-1");
    let calls = (0..CALLS).map(|_| {
        let c = client.clone();
        async move { c.auth().me().await }
    });
    for result in join_all(calls).await {
        assert_eq!(result.expect("every call succeeds").role, Role::Developer);
    }
    let stale_hits = requests(&server)
        .await
        .iter()
        .filter(|r| {
            r.headers
                .get("authorization")
                .is_some_and(|v| v == "Bearer stale")
        })
        .count();
    assert_eq!(stale_hits, CALLS, "all calls went out with the stale token");
}

#[tokio::test]
async fn a_refused_refresh_is_unauthenticated_and_does_not_loop() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(problem(401, "unauthorized", "the access token has expired"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .respond_with(problem(
            401,
            "unauthorized",
            "the refresh token was revoked",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server, "access-1", "refresh-1");
    let err = client.auth().me().await.expect_err("signed out");
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(client.tokens(), None, "the dead session is dropped");

    // The next call fails at once, without a request (the catch-all would see one).
    let err = client.auth().me().await.expect_err("still signed out");
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_second_401_after_renewal_is_returned_not_renewed_again() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .respond_with(problem(401, "unauthorized", "account disabled"))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .respond_with(json(200, &token_response("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server, "access-1", "refresh-1");
    let err = client.auth().me().await.expect_err("401");
    assert_eq!(err.status(), Some(401));
    assert_eq!(err.api().expect("api error").code, "unauthorized");
}

#[tokio::test]
async fn password_credentials_sign_in_lazily_on_the_first_call() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .and(no_auth())
        .and(body_json(
            json!({"email": "siti@example.id", "password": "kopi-luwak-2024"}),
        ))
        .respond_with(json(200, &token_response("access-1", "refresh-1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(2)
        .mount(&server)
        .await;

    let client = builder(&server)
        .password("siti@example.id", "kopi-luwak-2024")
        .build()
        .expect("client");
    assert!(
        requests(&server).await.is_empty(),
        "building signs nothing in"
    );
    assert_eq!(client.tokens(), None);

    client.auth().me().await.expect("first call signs in");
    client
        .auth()
        .me()
        .await
        .expect("second call reuses the session");
    assert_eq!(
        client.tokens().map(|t| t.access_token).as_deref(),
        Some("access-1")
    );
}

#[tokio::test]
async fn concurrent_first_calls_sign_in_once() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(
            json(200, &token_response("access-1", "refresh-1"))
                .set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(5)
        .mount(&server)
        .await;

    let client = builder(&server)
        .password("siti@example.id", "kopi-luwak-2024")
        .build()
        .expect("client");
    let calls = (0..5).map(|_| async { client.auth().me().await });
    for r in join_all(calls).await {
        r.expect("me");
    }
}

#[tokio::test]
async fn password_credentials_sign_in_again_when_the_refresh_is_refused() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(json(200, &token_response("access-1", "refresh-1")))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(json(200, &token_response("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(problem(401, "unauthorized", "session ended"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .and(body_json(json!({"refresh_token": "refresh-1"})))
        .respond_with(problem(401, "unauthorized", "session ended"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-2"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .password("siti@example.id", "kopi-luwak-2024")
        .build()
        .expect("client");
    client.auth().me().await.expect("signed in again");
}

#[tokio::test]
async fn wrong_password_is_the_api_error_of_the_sign_in() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(problem(
            401,
            "invalid_credentials",
            "wrong email or password",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .password("siti@example.id", "wrong-password")
        .build()
        .expect("client");
    let err = client.auth().me().await.expect_err("refused");
    let api = err.api().expect("api error");
    assert_eq!(
        (api.status, api.code.as_str()),
        (401, "invalid_credentials")
    );
}

#[tokio::test]
async fn on_tokens_sees_the_sign_in_and_every_rotation() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(json(200, &token_response("access-1", "refresh-1")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-1"))
        .respond_with(problem(401, "unauthorized", "expired"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .and(body_json(json!({"refresh_token": "refresh-1"})))
        .respond_with(json(200, &token_response("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-2"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;

    let seen: Arc<Mutex<Vec<Tokens>>> = Arc::default();
    let sink = Arc::clone(&seen);
    let client = builder(&server)
        .password("siti@example.id", "kopi-luwak-2024")
        .on_tokens(move |t| sink.lock().expect("lock").push(t.clone()))
        .build()
        .expect("client");
    client.auth().me().await.expect("me");

    let seen = seen.lock().expect("lock");
    let pairs: Vec<_> = seen
        .iter()
        .map(|t| (t.access_token.as_str(), t.refresh_token.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("access-1", "refresh-1"), ("access-2", "refresh-2")]
    );
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_before_it_is_sent() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/refresh"))
        .and(body_json(json!({"refresh_token": "refresh-1"})))
        .respond_with(json(200, &token_response("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(bearer("access-2"))
        .respond_with(json(200, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;

    let expired = Tokens {
        access_token: "access-1".into(),
        refresh_token: "refresh-1".into(),
        expires_at: Some(chrono::Utc::now() - chrono::Duration::minutes(1)),
    };
    let client = builder(&server).tokens(expired).build().expect("client");
    client.auth().me().await.expect("me");
}

#[tokio::test]
async fn api_keys_are_never_renewed() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(with_key())
        .respond_with(problem(401, "invalid_api_key", "the API key was revoked"))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server).auth().me().await.expect_err("401");
    assert_eq!(err.api().expect("api").code, "invalid_api_key");
}

#[tokio::test]
async fn secrets_never_show_in_debug_output() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/token"))
        .respond_with(json(
            200,
            &token_response("eyJhbGciOiJIUzI1NiJ9.access-secret", "refresh-secret"),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .respond_with(problem(403, "forbidden", "no"))
        .mount(&server)
        .await;

    let password = builder(&server)
        .password("siti@example.id", "kopi-luwak-2024")
        .build()
        .expect("client");
    let err = password.auth().me().await.expect_err("403");
    let key = key_client(&server);
    let key_err = key.auth().me().await.expect_err("403");
    let tokens = token_client(&server, "access-token-secret", "refresh-token-secret");
    let builder_text = format!("{:?}", Client::builder().api_key(KEY));

    let text = format!(
        "{password:?} {err:?} {key:?} {key_err:?} {tokens:?} {:?} {builder_text}",
        password.tokens()
    );
    for secret in [
        "kopi-luwak-2024",
        "access-secret",
        "refresh-secret",
        KEY,
        "access-token-secret",
        "refresh-token-secret",
    ] {
        assert!(!text.contains(secret), "{secret} leaked in {text}");
    }
    assert!(text.contains("siti@example.id"), "the email is not secret");
}
