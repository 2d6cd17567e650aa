//! Becoming a developer and using API keys, on both engines.

use crate::support;
use pintar_server::engine_tests;

use chrono::Utc;
use pintar_core::api::{
    ApiKeyCreated, ApiKeyInfo, Role, TokenResponse, UpgradeResponse, UserProfile,
};
use pintar_server::storage::entities::{api_key, audit_log, email_outbox};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use support::{Engine, TestServer};

engine_tests!(upgrade_issues_a_key_that_authenticates);
async fn upgrade_issues_a_key_that_authenticates(engine: Engine) {
    let s = TestServer::start(engine).await;
    let email = "wayan@example.id".to_string();
    let t = s.learner(&email).await;

    // Learners cannot make keys.
    let res = s
        .client
        .post(s.url("/api/v1/developer/key"))
        .bearer_auth(&t.access_token)
        .json(&json!({"name": "ci"}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 403, "{engine:?}");

    let res = s
        .client
        .post(s.url("/api/v1/auth/upgrade-role"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("upgrade");
    assert_eq!(res.status(), 201, "{engine:?}");
    let up: UpgradeResponse = res.json().await.expect("upgrade body");
    assert_eq!(up.role, Role::Developer);
    let key = up.api_key.key.clone();
    assert!(key.starts_with("pk_") && key.len() > 40);
    assert!(key.starts_with(&up.api_key.info.prefix));

    // Upgrading twice is a conflict.
    let again = s
        .client
        .post(s.url("/api/v1/auth/upgrade-role"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("upgrade");
    assert_eq!(again.status(), 409);

    // The key works in both header forms, with the owner's current role.
    for (name, value) in [
        ("authorization", format!("ApiKey {key}")),
        ("x-api-key", key.clone()),
    ] {
        let me: UserProfile = s
            .client
            .get(s.url("/api/v1/users/me"))
            .header(name, value)
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("profile");
        assert_eq!(me.role, Role::Developer, "{name}");
    }

    // A key cannot manage keys, whatever its scopes: that needs a signed-in session.
    for (method, path) in [
        (reqwest::Method::POST, "/api/v1/developer/key"),
        (reqwest::Method::GET, "/api/v1/developer/keys"),
    ] {
        let res = s
            .client
            .request(method, s.url(path))
            .header("x-api-key", &key)
            .json(&json!({"name": "wider", "expires_in_days": 3650}))
            .send()
            .await
            .expect("refused");
        assert_eq!(res.status(), 401, "{path}");
    }
    let session = s
        .login(&email, support::PASSWORD)
        .await
        .json::<TokenResponse>()
        .await
        .expect("tokens")
        .access_token;
    let res = s
        .client
        .post(s.url("/api/v1/developer/key"))
        .bearer_auth(&session)
        .json(&json!({"name": "ci runner", "scopes": ["analytics"], "expires_in_days": 30}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    let second: ApiKeyCreated = res.json().await.expect("key");
    assert_eq!(second.info.scopes, [pintar_core::api::Scope::Analytics]);
    assert!(second.info.expires_at.is_some());
    let listed: Vec<ApiKeyInfo> = s
        .client
        .get(s.url("/api/v1/developer/keys"))
        .bearer_auth(&session)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("keys");
    assert_eq!(listed.len(), 2);
    let text = serde_json::to_string(&listed).expect("json");
    assert!(
        !text.contains(&key) && !text.contains(&second.key),
        "secrets are never listed"
    );

    // Revoke the second; it stops working at once. Revoking again is a no-op.
    for _ in 0..2 {
        let res = s
            .client
            .delete(s.url(&format!("/api/v1/developer/keys/{}", second.info.id)))
            .bearer_auth(&session)
            .send()
            .await
            .expect("revoke");
        assert_eq!(res.status(), 204);
    }
    let res = s
        .client
        .get(s.url("/api/v1/users/me"))
        .header("x-api-key", &second.key)
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), 401);

    // Emails were queued with the prefix, never the secret; audit rows have no hashes.
    let mails = email_outbox::Entity::find()
        .order_by_asc(email_outbox::Column::Id)
        .all(&s.db.db)
        .await
        .expect("outbox");
    let kinds: Vec<&str> = mails.iter().map(|m| m.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["verify_email", "developer_upgrade", "api_key_created"],
        "{engine:?}"
    );
    // Queued, and perhaps already delivered by the worker (the log provider).
    assert!(mails.iter().all(|m| m.to_address == "wayan@example.id"
        && ["pending", "sending", "sent"].contains(&m.status.as_str())));
    assert!(mails.iter().all(|m| {
        let html = m.html_body.as_deref().unwrap_or_default();
        [&key, &second.key]
            .iter()
            .all(|k| !m.body.contains(k.as_str()) && !html.contains(k.as_str()))
    }));
    assert!(mails[1].body.contains(&up.api_key.info.prefix));
    let audits = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.eq("api_keys"))
        .all(&s.db.db)
        .await
        .expect("audit");
    assert_eq!(audits.len(), 3, "two inserts and a revocation");
    assert!(audits.iter().all(|a| {
        !serde_json::to_string(&a.new_values)
            .expect("json")
            .contains("key_hash")
    }));
    s.stop().await;
}

engine_tests!(bad_keys_are_refused);
async fn bad_keys_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let t = s.learner("made@example.id").await;
    let up: UpgradeResponse = s
        .client
        .post(s.url("/api/v1/auth/upgrade-role"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("upgrade")
        .json()
        .await
        .expect("body");
    let get_me = |value: String| {
        s.client
            .get(s.url("/api/v1/users/me"))
            .header("x-api-key", value)
            .send()
    };
    assert_eq!(
        get_me("pk_not-a-real-key".into())
            .await
            .expect("me")
            .status(),
        401
    );
    assert_eq!(get_me("nonsense".into()).await.expect("me").status(), 401);

    // An expired key is refused.
    let stored = api_key::Entity::find()
        .one(&s.db.db)
        .await
        .expect("query")
        .expect("key");
    let mut expired: api_key::ActiveModel = stored.into();
    expired.expires_at = Set(Some(Utc::now() - chrono::Duration::minutes(1)));
    expired.update(&s.db.db).await.expect("expire");
    assert_eq!(
        get_me(up.api_key.key.clone()).await.expect("me").status(),
        401,
        "{engine:?}"
    );

    // Validation names the fields.
    let res = s
        .client
        .post(s.url("/api/v1/developer/key"))
        .bearer_auth(&t.access_token)
        .json(&json!({"name": "", "scopes": ["everything"], "expires_in_days": 0}))
        .send()
        .await
        .expect("create");
    // The role is read on every request: the token issued before the upgrade works at once.
    // An unknown scope does not decode.
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("problem");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("scopes")),
        "{body}"
    );
    let fresh = &t;
    let res = s
        .client
        .post(s.url("/api/v1/developer/key"))
        .bearer_auth(&fresh.access_token)
        .json(&json!({"name": "a\nb", "scopes": ["learning", "learning", "analytics", "courses:read"], "expires_in_days": 0}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("problem");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["name", "scopes", "expires_in_days"]);

    // Someone else's key id is not found.
    let res = s
        .client
        .delete(s.url(&format!("/api/v1/developer/keys/{}", uuid::Uuid::now_v7())))
        .bearer_auth(&fresh.access_token)
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 404);
    s.stop().await;
}
