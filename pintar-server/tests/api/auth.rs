//! Accounts over HTTP, on both engines: register, login (JSON and OAuth2 form), the
//! caller's profile, refresh-token rotation and reuse detection, logout, password change,
//! and the audit rows those changes leave.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{Role, TokenResponse, UserProfile};
use pintar_server::storage::entities::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use support::{Engine, PASSWORD, TEST_JWT_SECRET, TestServer};

async fn register(s: &TestServer, email: &str) -> reqwest::Response {
    s.register(email).await
}

async fn login(s: &TestServer, email: &str, password: &str) -> reqwest::Response {
    s.login(email, password).await
}

async fn refresh(s: &TestServer, token: &str) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/auth/refresh"))
        .json(&json!({"refresh_token": token}))
        .send()
        .await
        .expect("refresh")
}

async fn me(s: &TestServer, access: &str) -> reqwest::Response {
    s.client
        .get(s.url("/api/v1/users/me"))
        .bearer_auth(access)
        .send()
        .await
        .expect("me")
}

engine_tests!(register_login_and_profile);
async fn register_login_and_profile(engine: Engine) {
    let s = TestServer::start(engine).await;
    let res = register(&s, "Siti@Example.id").await;
    assert_eq!(res.status(), 201, "{engine:?}");
    let created: UserProfile = res.json().await.expect("profile");
    assert_eq!(
        (created.email.as_str(), created.role),
        ("siti@example.id", Role::Public)
    );

    let dup = register(&s, "siti@example.id").await;
    assert_eq!(dup.status(), 409);
    let body: Value = dup.json().await.expect("problem");
    assert_eq!(body["code"], "conflict");

    let bad = s
        .client
        .post(s.url("/api/v1/auth/register"))
        .json(&json!({"email": "not-an-email", "password": "short", "display_name": " "}))
        .send()
        .await
        .expect("register");
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.expect("problem");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["email", "password", "display_name"]);

    let wrong = login(&s, "siti@example.id", "not the password").await;
    assert_eq!(wrong.status(), 401);
    let unknown = login(&s, "nobody@example.id", PASSWORD).await;
    assert_eq!(unknown.status(), 401);
    let unknown_body: Value = unknown.json().await.expect("problem");
    assert_eq!(unknown_body["detail"], "wrong email or password");

    let tokens: TokenResponse = login(&s, "SITI@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    assert_eq!(tokens.token_type, "Bearer");
    let mine: UserProfile = me(&s, &tokens.access_token).await.json().await.expect("me");
    assert_eq!(mine.id, created.id);

    // The OAuth2 password grant as a form works too.
    let form = s
        .client
        .post(s.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", "siti@example.id"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("form login");
    assert_eq!(form.status(), 200);

    // Registration and the logins are in the audit trail, without the password hash.
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.eq("users"))
        .all(&s.db.db)
        .await
        .expect("audit rows");
    assert_eq!(rows.iter().filter(|r| r.operation == "insert").count(), 1);
    // Two logins and the address confirmed (the harness confirms as an operator would).
    assert_eq!(rows.iter().filter(|r| r.operation == "update").count(), 3);
    for r in &rows {
        let text = serde_json::to_string(&(&r.old_values, &r.new_values)).expect("json");
        assert!(
            !text.contains("argon2") && !text.contains("password"),
            "{text}"
        );
        // Every row came through HTTP but the operator's confirmation (no client address).
        if r.actor_ip.is_some() {
            assert!(r.request_id.is_some() && r.actor_ip.as_deref() == Some("127.0.0.1"));
        }
    }
    assert_eq!(
        rows.iter().filter(|r| r.actor_ip.is_none()).count(),
        1,
        "only the operator's confirmation came from outside HTTP"
    );
    s.stop().await;
}

engine_tests!(bad_and_expired_access_tokens_are_refused);
async fn bad_and_expired_access_tokens_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    assert_eq!(register(&s, "budi@example.id").await.status(), 201);
    let res = s
        .client
        .get(s.url("/api/v1/users/me"))
        .send()
        .await
        .expect("anonymous");
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(me(&s, "garbage").await.status(), 401);

    let tokens: TokenResponse = login(&s, "budi@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let keys = pintar_server::auth::AuthKeys::new(TEST_JWT_SECRET).expect("keys");
    let claims = keys.verify(&tokens.access_token).expect("valid");
    let expired = keys
        .sign(&pintar_server::auth::Claims {
            exp: claims.iat - 1,
            ..claims
        })
        .expect("sign");
    let res = me(&s, &expired).await;
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.expect("problem");
    assert!(body["detail"].as_str().expect("detail").contains("expired"));
    let forged = pintar_server::auth::AuthKeys::new(b"some other secret entirely, 32b+")
        .expect("keys")
        .issue(uuid::Uuid::now_v7(), Role::Admin, uuid::Uuid::now_v7())
        .expect("sign");
    assert_eq!(me(&s, &forged).await.status(), 401);
    s.stop().await;
}

engine_tests!(refresh_rotates_and_reuse_revokes_the_family);
async fn refresh_rotates_and_reuse_revokes_the_family(engine: Engine) {
    let s = TestServer::start(engine).await;
    assert_eq!(register(&s, "dewi@example.id").await.status(), 201);
    let first: TokenResponse = login(&s, "dewi@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let res = refresh(&s, &first.refresh_token).await;
    assert_eq!(res.status(), 200, "{engine:?}");
    let second: TokenResponse = res.json().await.expect("tokens");
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_eq!(me(&s, &second.access_token).await.status(), 200);

    // The first token was rotated away: presenting it again is a theft signal.
    assert_eq!(refresh(&s, &first.refresh_token).await.status(), 401);
    // …which ends the whole family, including the token issued in its place.
    assert_eq!(
        refresh(&s, &second.refresh_token).await.status(),
        401,
        "{engine:?}"
    );

    // A fresh login starts a new family; logout ends it.
    let third: TokenResponse = login(&s, "dewi@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let out = s
        .client
        .post(s.url("/api/v1/auth/logout"))
        .json(&json!({"refresh_token": third.refresh_token}))
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 204);
    assert_eq!(refresh(&s, &third.refresh_token).await.status(), 401);
    assert_eq!(refresh(&s, "never-issued").await.status(), 401);
    s.stop().await;
}

engine_tests!(profile_updates_and_password_change);
async fn profile_updates_and_password_change(engine: Engine) {
    let s = TestServer::start(engine).await;
    assert_eq!(register(&s, "agus@example.id").await.status(), 201);
    let t: TokenResponse = login(&s, "agus@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let patch = |body: Value| {
        s.client
            .patch(s.url("/api/v1/users/me"))
            .bearer_auth(&t.access_token)
            .json(&body)
            .send()
    };
    let renamed: UserProfile = patch(json!({"display_name": "Agus S."}))
        .await
        .expect("patch")
        .json()
        .await
        .expect("profile");
    assert_eq!(renamed.display_name, "Agus S.");
    let res = patch(json!({"password": "a-new-password-1"}))
        .await
        .expect("patch");
    assert_eq!(res.status(), 422, "current password required");
    let res = patch(json!({"password": "a-new-password-1", "current_password": "wrong"}))
        .await
        .expect("patch");
    assert_eq!(res.status(), 422);
    // A second session, on another device.
    let other: TokenResponse = login(&s, "agus@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    assert_eq!(me(&s, &other.access_token).await.status(), 200);
    let res = patch(json!({"password": "a-new-password-1", "current_password": PASSWORD}))
        .await
        .expect("patch");
    assert_eq!(res.status(), 200, "{engine:?}");
    // The other session ends at once, its access token included; this one goes on.
    assert_eq!(me(&s, &other.access_token).await.status(), 401);
    assert_eq!(refresh(&s, &other.refresh_token).await.status(), 401);
    assert_eq!(me(&s, &t.access_token).await.status(), 200);
    assert_eq!(login(&s, "agus@example.id", PASSWORD).await.status(), 401);
    assert_eq!(
        login(&s, "agus@example.id", "a-new-password-1")
            .await
            .status(),
        200
    );
    assert_eq!(refresh(&s, &t.refresh_token).await.status(), 200);
    s.stop().await;
}
