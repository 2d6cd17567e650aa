//! `client.auth()` and `client.keys()`: registration, sign-in, refresh, sign-out, the
//! developer upgrade, the account, and API keys.

use crate::support;

use pintar_sdk::Error;
use pintar_sdk::types::{Role, Scope, UpdateProfileRequest, UpgradeResponse};
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, method};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn register_is_anonymous_and_leaves_out_a_missing_display_name() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/auth/register"))
        .and(no_auth())
        .and(body_json(
            json!({"email": "siti@example.id", "password": "kopi-luwak-2024"}),
        ))
        .respond_with(json(201, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/auth/register"))
        .and(no_auth())
        .and(body_json(json!({
            "email": "siti@example.id",
            "password": "kopi-luwak-2024",
            "display_name": "Siti Rahma"
        })))
        .respond_with(json(201, &user(Role::Public)))
        .expect(1)
        .mount(&server)
        .await;

    // Even a client with a key registers anonymously.
    let client = key_client(&server);
    let me = client
        .auth()
        .register("siti@example.id", "kopi-luwak-2024", None)
        .await
        .expect("registered");
    assert_eq!(me, user(Role::Public));
    client
        .auth()
        .register("siti@example.id", "kopi-luwak-2024", Some("Siti Rahma"))
        .await
        .expect("registered with a name");
}

#[tokio::test]
async fn login_refresh_and_logout_drive_the_session() {
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
    Mock::given(method("POST"))
        .and(api("/auth/logout"))
        .and(no_auth())
        .and(body_json(
            json!({"refresh_token": "refresh-2", "everywhere": true}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .and(no_auth())
        .respond_with(json(200, &page(vec![course(1)], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let client = anon_client(&server);
    let t = client
        .auth()
        .login("siti@example.id", "kopi-luwak-2024")
        .await
        .expect("signed in");
    assert_eq!(
        (t.access_token.as_str(), t.refresh_token.as_str()),
        ("access-1", "refresh-1")
    );
    assert_eq!(client.tokens(), Some(t));
    client.auth().me().await.expect("me with the session");

    let t = client.auth().refresh().await.expect("refreshed");
    assert_eq!(t.access_token, "access-2");

    client.auth().logout(true).await.expect("signed out");
    assert_eq!(client.tokens(), None);
    // Signed out: back to anonymous calls.
    client.courses().list().send().await.expect("public list");
    // Logging out with no session sends nothing.
    client.auth().logout(false).await.expect("nothing to do");
}

#[tokio::test]
async fn refresh_without_a_session_is_unauthenticated() {
    let server = server().await;
    let err = key_client(&server)
        .auth()
        .refresh()
        .await
        .expect_err("no session");
    assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
}

#[tokio::test]
async fn upgrade_returns_the_first_key() {
    let server = server().await;
    let answer = UpgradeResponse {
        role: Role::Developer,
        api_key: key_created(),
    };
    Mock::given(method("POST"))
        .and(api("/auth/upgrade-role"))
        .and(bearer("access"))
        .respond_with(json(201, &answer))
        .expect(1)
        .mount(&server)
        .await;

    let got = token_client(&server, "access", "refresh")
        .auth()
        .upgrade()
        .await
        .expect("upgraded");
    assert_eq!(got, answer);
    assert_eq!(got.api_key.key, KEY);
}

#[tokio::test]
async fn me_and_update_me() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .and(with_key())
        .respond_with(json(200, &user(Role::Developer)))
        .expect(1)
        .mount(&server)
        .await;
    let mut renamed = user(Role::Developer);
    renamed.display_name = "Siti R.".into();
    Mock::given(method("PATCH"))
        .and(api("/users/me"))
        .and(bearer("access"))
        .and(body_json(json!({
            "display_name": "Siti R.",
            "password": "teh-tarik-2025",
            "current_password": "kopi-luwak-2024"
        })))
        .respond_with(json(200, &renamed))
        .expect(1)
        .mount(&server)
        .await;

    let me = key_client(&server).auth().me().await.expect("me");
    assert_eq!(me.role, Role::Developer);
    let change = UpdateProfileRequest {
        display_name: Some("Siti R.".into()),
        password: Some("teh-tarik-2025".into()),
        current_password: Some("kopi-luwak-2024".into()),
    };
    let got = token_client(&server, "access", "refresh")
        .auth()
        .update_me(&change)
        .await
        .expect("updated");
    assert_eq!(got, renamed);
}

#[tokio::test]
async fn keys_create_with_scopes_and_expiry() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/developer/key"))
        .and(bearer("access"))
        .and(body_json(json!({
            "name": "ci",
            "scopes": ["analytics", "courses:read"],
            "expires_in_days": 90
        })))
        .respond_with(json(201, &key_created()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/developer/key"))
        .and(bearer("access"))
        .and(body_json(json!({"name": "laptop"})))
        .respond_with(json(201, &key_created()))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server, "access", "refresh");
    let created = client
        .keys()
        .create("ci")
        .scopes([Scope::Analytics, Scope::CoursesRead])
        .expires_in_days(90)
        .send()
        .await
        .expect("created");
    assert_eq!(created, key_created());
    assert!(
        !format!("{created:?}").contains(KEY),
        "the key stays out of Debug"
    );
    client
        .keys()
        .create("laptop")
        .send()
        .await
        .expect("created");
}

#[tokio::test]
async fn keys_list_and_revoke() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/developer/keys"))
        .and(bearer("access"))
        .and(no_query())
        .respond_with(json(200, &vec![key_info()]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(api(&format!("/developer/keys/{KEY_ID}")))
        .and(bearer("access"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = token_client(&server, "access", "refresh");
    assert_eq!(client.keys().list().await.expect("keys"), vec![key_info()]);
    client.keys().revoke(KEY_ID).await.expect("revoked");
}
