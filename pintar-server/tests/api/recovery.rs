//! Accounts people can recover, on both engines, as their owner and as an attacker would
//! try them: email verification (what an unverified account may not do, the single-use
//! link, re-sending), password reset (the same answer for every address, single use, every
//! session ends), change of email, the session list, and the owner's export and deletion.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{AccountExport, CourseDetail, SessionInfo, TokenResponse, UserProfile};
use pintar_server::storage::entities::{
    account_token, activity_event, analysis_run, audit_log, email_outbox, enrollment, user,
};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use serde_json::json;
use std::time::Duration;
use support::{Engine, PASSWORD, TestServer};

/// The token of an emailed link.
fn token(link: &str) -> String {
    link.split("token=")
        .nth(1)
        .expect("a token in the link")
        .to_string()
}

async fn tokens(s: &TestServer, email: &str, password: &str) -> TokenResponse {
    let res = s.login(email, password).await;
    assert_eq!(res.status(), 200, "login {email}");
    res.json().await.expect("tokens")
}

async fn user_id(s: &TestServer, email: &str) -> uuid::Uuid {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&s.db.db)
        .await
        .expect("query")
        .expect("user")
        .id
}

async fn mails(s: &TestServer, to: &str) -> Vec<email_outbox::Model> {
    email_outbox::Entity::find()
        .filter(email_outbox::Column::ToAddress.eq(to))
        .all(&s.db.db)
        .await
        .expect("outbox")
}

engine_tests!(unverified_accounts_learn_but_cannot_upgrade_make_keys_or_get_mail);
async fn unverified_accounts_learn_but_cannot_upgrade_make_keys_or_get_mail(engine: Engine) {
    let s = TestServer::start(engine).await;
    let email = "tamu@example.id";
    let res = s.register_unverified(email).await;
    assert_eq!(res.status(), 201, "{engine:?}");
    let me: UserProfile = res.json().await.expect("profile");
    assert!(!me.email_verified);
    let t = tokens(&s, email, PASSWORD).await;
    let tok = Some(t.access_token.as_str());

    // The only email is the link, and it carries no text the registrant chose.
    let sent = mails(&s, email).await;
    assert_eq!(
        sent.iter().map(|m| m.kind.as_str()).collect::<Vec<_>>(),
        ["verify_email"]
    );
    assert!(!sent[0].body.contains("Siti Rahma"), "{}", sent[0].body);
    assert!(
        !sent[0]
            .html_body
            .clone()
            .unwrap_or_default()
            .contains("Siti")
    );

    // No upgrade, and no key even when an admin makes the account a developer; the role
    // email is recorded but not sent.
    let r = s
        .call(Method::POST, "/api/v1/auth/upgrade-role", tok, None)
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("email_unverified"))
    );
    let admin = s.admin("admin@example.id").await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{}", me.id),
            Some(&admin),
            Some(json!({"role": "developer"})),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let r = s
        .post("/api/v1/developer/key", tok, json!({"name": "ci"}))
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("email_unverified"))
    );
    let role_mail = mails(&s, email)
        .await
        .into_iter()
        .find(|m| m.kind == "role_changed")
        .expect("recorded");
    assert_eq!(role_mail.status, "suppressed");
    assert!(
        role_mail
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("not verified"))
    );

    // Made-up tokens do nothing; the real one works once.
    for bad in ["nope".to_string(), "x".repeat(129), String::new()] {
        let r = s
            .post("/api/v1/auth/verify-email", None, json!({"token": bad}))
            .await;
        assert_eq!(r.status, 422, "{bad:?}");
    }
    let link = s.emailed_link(email, "verify_email").await;
    assert!(link.contains("/verify-email?token="), "{link}");
    let r = s
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token(&link)}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["email_verified"], true);
    let again = s
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token(&link)}),
        )
        .await;
    assert_eq!(again.status, 422);
    let r = s
        .post("/api/v1/developer/key", tok, json!({"name": "ci"}))
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    s.stop().await;
}

engine_tests!(verification_links_expire_and_resending_is_limited);
async fn verification_links_expire_and_resending_is_limited(engine: Engine) {
    let s = TestServer::start(engine).await;
    let email = "ulang@example.id";
    assert_eq!(s.register_unverified(email).await.status(), 201);
    let t = tokens(&s, email, PASSWORD).await;
    let tok = Some(t.access_token.as_str());
    let first = s.emailed_link(email, "verify_email").await;
    let resend = || s.call(Method::POST, "/api/v1/auth/verify-email/resend", tok, None);

    // The registration's email went out a moment ago.
    let r = resend().await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (429, Some("too_many_emails"))
    );
    let wait: u64 = r.headers["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");

    // A minute later a new link replaces the first.
    let db = s.db.db.clone();
    let age = |by: i64| {
        let db = db.clone();
        async move {
            account_token::Entity::update_many()
                .col_expr(
                    account_token::Column::CreatedAt,
                    Expr::value(chrono::Utc::now() - chrono::Duration::seconds(by)),
                )
                .exec(&db)
                .await
                .expect("age");
        }
    };
    age(61).await;
    let r = resend().await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let second = s.emailed_link(email, "verify_email").await;
    assert_ne!(first, second);
    let r = s
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token(&first)}),
        )
        .await;
    assert_eq!(r.status, 422, "the replaced link is dead");

    // An expired link is dead too.
    account_token::Entity::update_many()
        .col_expr(
            account_token::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&s.db.db)
        .await
        .expect("expire");
    let r = s
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token(&second)}),
        )
        .await;
    assert_eq!(r.status, 422);

    // Five an hour at most.
    for _ in 0..3 {
        age(61).await;
        assert_eq!(resend().await.status, 202);
    }
    age(61).await;
    let r = resend().await;
    assert_eq!(r.status, 429, "{:?}", r.body);
    let wait: u64 = r.headers["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!(wait > 60, "waits for the hour: {wait}");

    // The newest link still works, and then there is nothing to resend.
    let newest = s.emailed_link(email, "verify_email").await;
    let r = s
        .post(
            "/api/v1/auth/verify-email",
            None,
            json!({"token": token(&newest)}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(resend().await.status, 409);
    s.stop().await;
}

engine_tests!(password_reset_answers_alike_and_ends_every_session);
async fn password_reset_answers_alike_and_ends_every_session(engine: Engine) {
    let s = TestServer::start(engine).await;
    let email = "lupa@example.id";
    let t1 = s.learner(email).await;
    let t2 = tokens(&s, email, PASSWORD).await;
    let ask = |address: &'static str| {
        s.post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": address}),
        )
    };

    // The same answer for an account and for no account, and the answer does not wait for
    // the lookup: it comes while the account's row is locked by another writer.
    let id = user_id(&s, email).await;
    let lock = s.db.db.begin().await.expect("begin");
    match engine {
        Engine::Postgres => {
            lock.execute_unprepared(&format!(
                "SELECT id FROM users WHERE id = '{id}' FOR UPDATE"
            ))
            .await
            .expect("lock");
        }
        Engine::Sqlite => {
            lock.execute_unprepared(&format!(
                "UPDATE users SET updated_at = updated_at WHERE id = '{id}'"
            ))
            .await
            .expect("write lock");
        }
    }
    let known = tokio::time::timeout(Duration::from_secs(3), ask(email))
        .await
        .expect("answered without waiting for the account");
    let unknown = ask("tidak-ada@example.id").await;
    lock.rollback().await.expect("unlock");
    assert_eq!(known.status, 202, "{:?}", known.body);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let r = s
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "bukan email"}),
        )
        .await;
    assert_eq!(r.status, 422);

    let link = s.emailed_link(email, "password_reset").await;
    assert!(link.contains("/reset-password?token="), "{link}");
    assert!(mails(&s, "tidak-ada@example.id").await.is_empty());

    // A stranger asking again does not cancel the link the owner holds.
    assert_eq!(ask(email).await.status, 202);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while s.emailed_link(email, "password_reset").await == link {
        assert!(
            std::time::Instant::now() < deadline,
            "no second reset email"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Whoever knew the old password asked to move the account to their address; the reset
    // must end that link too.
    let r = s
        .post(
            "/api/v1/users/me/email",
            Some(&t1.access_token),
            json!({"new_email": "penyerang@example.id", "current_password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    let takeover = s
        .emailed_link("penyerang@example.id", "email_change_verify")
        .await;

    // A password that breaks the rules leaves the link usable.
    let confirm = |password: &'static str| {
        s.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({"token": token(&link), "password": password}),
        )
    };
    assert_eq!(confirm("short").await.status, 422);
    let r = confirm("teh-tarik-manis-2025").await;
    assert_eq!(r.status, 200, "{:?}", r.body);

    // Every session ended; the old password is gone; the link is spent.
    assert_eq!(
        s.get("/api/v1/users/me", Some(&t1.access_token))
            .await
            .status,
        401
    );
    let r = s
        .post(
            "/api/v1/auth/refresh",
            None,
            json!({"refresh_token": t2.refresh_token}),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(s.login(email, PASSWORD).await.status(), 401);
    assert_eq!(s.login(email, "teh-tarik-manis-2025").await.status(), 200);
    assert_eq!(confirm("teh-tarik-manis-2026").await.status, 422);
    let r = s
        .post(
            "/api/v1/auth/email-change/confirm",
            None,
            json!({"token": token(&takeover)}),
        )
        .await;
    assert_eq!(r.status, 422, "the change of email died with the reset");

    // A disabled account gets no link.
    let admin = s.admin("admin@example.id").await;
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{id}"),
            Some(&admin),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, 200);
    let before = mails(&s, email).await.len();
    assert_eq!(ask(email).await.status, 202);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(mails(&s, email).await.len(), before);
    s.stop().await;
}

engine_tests!(changing_the_email_verifies_the_new_address_and_tells_the_old);
async fn changing_the_email_verifies_the_new_address_and_tells_the_old(engine: Engine) {
    let s = TestServer::start(engine).await;
    let t = s.learner("lama@example.id").await;
    s.learner("ambil@example.id").await;
    let tok = Some(t.access_token.as_str());
    let change = |new: &'static str, password: &'static str| {
        s.post(
            "/api/v1/users/me/email",
            tok,
            json!({"new_email": new, "current_password": password}),
        )
    };
    let r = change("baru@example.id", "salah-sekali-123").await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "current_password");
    assert_eq!(change("ambil@example.id", PASSWORD).await.status, 409);
    assert_eq!(change("bukan-email", PASSWORD).await.status, 422);
    let r = change("Baru@Example.id", PASSWORD).await;
    assert_eq!(r.status, 202, "{:?}", r.body);

    // Nothing changes until the new address answers.
    let me = s.get("/api/v1/users/me", tok).await;
    assert_eq!(me.body["email"], "lama@example.id");
    let link = s
        .emailed_link("baru@example.id", "email_change_verify")
        .await;
    assert!(link.contains("/confirm-email?token="), "{link}");
    let r = s
        .post(
            "/api/v1/auth/email-change/confirm",
            None,
            json!({"token": token(&link)}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(
        (r.body["email"].as_str(), r.body["email_verified"].as_bool()),
        (Some("baru@example.id"), Some(true))
    );
    let notice = mails(&s, "lama@example.id")
        .await
        .into_iter()
        .find(|m| m.kind == "email_changed")
        .expect("the old address is told");
    assert!(notice.body.contains("b•••@example.id"), "{}", notice.body);
    assert_eq!(notice.status, "pending");
    assert_eq!(s.login("lama@example.id", PASSWORD).await.status(), 401);
    assert_eq!(s.login("baru@example.id", PASSWORD).await.status(), 200);
    let again = s
        .post(
            "/api/v1/auth/email-change/confirm",
            None,
            json!({"token": token(&link)}),
        )
        .await;
    assert_eq!(again.status, 422);
    s.stop().await;
}

engine_tests!(sessions_are_listed_and_the_others_can_be_ended);
async fn sessions_are_listed_and_the_others_can_be_ended(engine: Engine) {
    let s = TestServer::start(engine).await;
    let email = "sesi@example.id";
    let t1 = s.learner(email).await;
    let res = s
        .client
        .post(s.url("/api/v1/auth/token"))
        .header("user-agent", "pintar-cli/9.9 (laptop kantor)")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let t2: TokenResponse = res.json().await.expect("tokens");
    let r = s
        .get("/api/v1/users/me/sessions", Some(&t1.access_token))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let list: Vec<SessionInfo> = serde_json::from_value(r.body).expect("sessions");
    assert_eq!(list.len(), 2);
    assert_eq!(list.iter().filter(|s| s.current).count(), 1);
    assert!(
        list.iter().any(
            |x| !x.current && x.user_agent.as_deref() == Some("pintar-cli/9.9 (laptop kantor)")
        )
    );
    assert!(list.iter().all(|x| x.ip.as_deref() == Some("127.0.0.1")));

    let r = s
        .call(
            Method::POST,
            "/api/v1/users/me/sessions/end-others",
            Some(&t1.access_token),
            None,
        )
        .await;
    assert_eq!((r.status, r.body["ended"].as_u64()), (200, Some(1)));
    assert_eq!(
        s.get("/api/v1/users/me", Some(&t2.access_token))
            .await
            .status,
        401
    );
    assert_eq!(
        s.get("/api/v1/users/me", Some(&t1.access_token))
            .await
            .status,
        200
    );
    let r = s
        .get("/api/v1/users/me/sessions", Some(&t1.access_token))
        .await;
    assert_eq!(r.body.as_array().map(Vec::len), Some(1));
    s.stop().await;
}

/// Enrols `tok` in the Incoterms course and completes its first item; returns the course.
async fn study(s: &TestServer, tok: &str) -> CourseDetail {
    let slug = "incoterms-2020";
    let r = s
        .post(
            &format!("/api/v1/courses/{slug}/enroll"),
            Some(tok),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let detail: CourseDetail = serde_json::from_value(
        s.get(&format!("/api/v1/courses/{slug}"), Some(tok))
            .await
            .body,
    )
    .expect("detail");
    let first = &detail.outline[0].items[0];
    let r = s
        .post(
            &format!("/api/v1/courses/{slug}/contents/{}/complete", first.id),
            Some(tok),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    detail
}

/// Makes `tok`'s account a developer and runs one small analysis with its key; returns the
/// key.
async fn analyse_with_a_key(s: &TestServer, tok: &str) -> String {
    let r = s
        .call(Method::POST, "/api/v1/auth/upgrade-role", Some(tok), None)
        .await;
    assert_eq!(r.status, 201, "{:?}", r.body);
    let key = r.body["api_key"]["key"].as_str().expect("key").to_string();
    let csv = "date,value\n2024-01-01,10\n2024-02-01,12\n2024-03-01,11\n2024-04-01,13\n";
    let res = s
        .client
        .post(s.url("/api/v1/analytics/analyze"))
        .header("x-api-key", &key)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("analyze");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    key
}

engine_tests!(owners_export_everything_held_about_them);
async fn owners_export_everything_held_about_them(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let t = s.learner("data@example.id").await;
    let course = study(&s, &t.access_token).await;
    let key = analyse_with_a_key(&s, &t.access_token).await;

    // Keys are machines' credentials: they cannot take the owner's data.
    let res = s
        .client
        .get(s.url("/api/v1/users/me/export"))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 401);

    let res = s
        .client
        .get(s.url("/api/v1/users/me/export"))
        .bearer_auth(&t.access_token)
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("text")
            .starts_with("attachment")
    );
    let text = res.text().await.expect("body");
    assert!(!text.contains(&key), "no key secret in an export");
    let doc: AccountExport = serde_json::from_str(&text).expect("an export");
    assert_eq!(doc.format, "pintar-account-export/1");
    assert_eq!(doc.profile.email, "data@example.id");
    assert_eq!(doc.enrollments.len(), 1);
    assert_eq!(doc.enrollments[0].course_id, course.course.id);
    assert!(doc.progress.iter().any(|p| p.completed_at.is_some()));
    assert!(!doc.activity.is_empty());
    assert_eq!(doc.analysis_runs.len(), 1);
    assert_eq!(doc.api_keys.len(), 1);
    assert_eq!(doc.sessions.iter().filter(|x| x.current).count(), 1);
    s.stop().await;
}

engine_tests!(deleting_an_account_erases_the_person_and_keeps_an_anonymous_trail);
async fn deleting_an_account_erases_the_person_and_keeps_an_anonymous_trail(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let email = "hapus@example.id";
    let t = s.learner(email).await;
    let id = user_id(&s, email).await;
    study(&s, &t.access_token).await;
    let key = analyse_with_a_key(&s, &t.access_token).await;
    // A certificate, as completing the course would issue.
    enrollment::Entity::update_many()
        .col_expr(
            enrollment::Column::CertificateCode,
            Expr::value("PE-HAPU-S123-4567"),
        )
        .col_expr(
            enrollment::Column::CompletedAt,
            Expr::value(chrono::Utc::now()),
        )
        .filter(enrollment::Column::UserId.eq(id))
        .exec(&s.db.db)
        .await
        .expect("certificate");
    assert_eq!(
        s.get("/api/v1/certificates/PE-HAPU-S123-4567", None)
            .await
            .status,
        200
    );

    async fn delete(s: &TestServer, token: &str, password: &str) -> support::Reply {
        s.call(
            Method::DELETE,
            "/api/v1/users/me",
            Some(token),
            Some(json!({"current_password": password})),
        )
        .await
    }
    assert_eq!(
        delete(&s, &t.access_token, "bukan-sandinya-1").await.status,
        422
    );
    let r = s
        .client
        .delete(s.url("/api/v1/users/me"))
        .header("x-api-key", &key)
        .json(&json!({"current_password": PASSWORD}))
        .send()
        .await
        .expect("delete");
    assert_eq!(r.status(), 401, "keys cannot delete accounts");
    let r = delete(&s, &t.access_token, PASSWORD).await;
    assert_eq!(r.status, 204, "{:?}", r.body);

    // Gone: sessions, keys, sign-in, the certificate.
    assert_eq!(
        s.get("/api/v1/users/me", Some(&t.access_token))
            .await
            .status,
        401
    );
    let r = s
        .client
        .get(s.url("/api/v1/analytics/runs"))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("runs");
    assert_eq!(r.status(), 401);
    assert_eq!(s.login(email, PASSWORD).await.status(), 401);
    assert_eq!(
        s.get("/api/v1/certificates/PE-HAPU-S123-4567", None)
            .await
            .status,
        404
    );
    let db = &s.db.db;
    assert!(
        user::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("q")
            .is_none()
    );
    let runs = analysis_run::Entity::find()
        .filter(analysis_run::Column::UserId.eq(id))
        .all(db)
        .await
        .expect("q");
    assert!(runs.is_empty());
    let events = activity_event::Entity::find()
        .filter(activity_event::Column::UserId.eq(id))
        .all(db)
        .await
        .expect("q");
    assert!(events.is_empty(), "learning events lose their owner");
    assert!(mails(&s, email).await.is_empty());

    // The trail keeps its rows, without the person.
    let trail = audit_log::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(audit_log::Column::RecordId.eq(id.to_string()))
                .add(audit_log::Column::ActorId.eq(id)),
        )
        .all(db)
        .await
        .expect("q");
    assert!(
        trail.len() >= 3,
        "registration, upgrade, deletion: {}",
        trail.len()
    );
    for row in &trail {
        let text = format!("{:?} {:?}", row.old_values, row.new_values);
        assert!(!text.contains(email) && !text.contains("Siti"), "{text}");
        assert!(row.actor_ip.is_none(), "{row:?}");
    }
    assert!(
        trail
            .iter()
            .any(|r| r.operation == "delete" && r.table_name == "users")
    );
    // Rows of its learning (enrolment, progress) keep no trace of it either.
    let learning = audit_log::Entity::find()
        .filter(audit_log::Column::TableName.is_in(["enrollments", "content_progress"]))
        .all(db)
        .await
        .expect("q");
    assert!(!learning.is_empty(), "studying was audited");
    for row in &learning {
        let text = format!("{:?} {:?}", row.old_values, row.new_values);
        assert!(!text.contains(&id.to_string()), "{text}");
    }

    // The last admin cannot leave the platform without one.
    let admin = s.admin("admin@example.id").await;
    let r = delete(&s, &admin, PASSWORD).await;
    assert_eq!(r.status, 409, "{:?}", r.body);
    s.stop().await;
}
