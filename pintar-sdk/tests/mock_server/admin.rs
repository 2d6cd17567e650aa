//! `client.admin()`: users, the audit log, the email outbox and course administration.

use crate::support;

use pintar_sdk::types::*;
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, method};
use wiremock::{Mock, ResponseTemplate};

const ADMIN_TOKEN: &str = "admin-access";

fn admin_client(server: &wiremock::MockServer) -> pintar_sdk::Client {
    token_client(server, ADMIN_TOKEN, "admin-refresh")
}

fn audit_entry() -> AuditEntry {
    AuditEntry {
        id: "0195a3e0-0000-7000-8000-000000000001".into(),
        actor_id: Some(USER_ID.into()),
        actor_ip: Some("203.0.113.7".into()),
        request_id: Some("req-1".into()),
        operation: "update".into(),
        table: "users".into(),
        record_id: USER_ID.into(),
        old_values: Some(json!({"role": "public"})),
        new_values: Some(json!({"role": "developer"})),
        created_at: at("2025-03-05T04:00:00Z"),
    }
}

fn outbox_email() -> OutboxEmail {
    OutboxEmail {
        id: "0195a3e1-0000-7000-8000-000000000002".into(),
        kind: "api_key_created".into(),
        to: "siti@example.id".into(),
        subject: "Kunci API baru".into(),
        locale: "id".into(),
        status: "failed".into(),
        attempts: 5,
        last_error: Some("550 mailbox unavailable".into()),
        created_at: at("2025-03-05T04:00:00Z"),
        next_attempt_at: at("2025-03-05T05:00:00Z"),
        sent_at: None,
    }
}

fn course_document() -> CourseDocument {
    CourseDocument {
        slug: "incoterms-2020".into(),
        title: "Incoterms 2020".into(),
        summary: "Siapa menanggung apa.".into(),
        description: "## Incoterms".into(),
        level: CourseLevel::Beginner,
        tags: vec!["incoterms".into()],
        estimated_minutes: None,
        status: Some(CourseStatus::Draft),
        sections: vec![SectionDocument {
            title: "Pengantar".into(),
            items: vec![ContentDocument {
                kind: ContentKind::Quiz,
                title: "Kuis".into(),
                estimated_minutes: Some(5),
                body: None,
                video_url: None,
                quiz: Some(QuizDocument {
                    pass_mark: 70,
                    max_attempts: None,
                    questions: vec![Question {
                        prompt: "FOB?".into(),
                        choices: vec!["Penjual".into(), "Pembeli".into()],
                        answers: vec![1],
                        explanation: None,
                    }],
                }),
            }],
        }],
    }
}

#[tokio::test]
async fn users_filters_and_pages() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/admin/users"))
        .and(bearer(ADMIN_TOKEN))
        .and(exact_query(&[
            ("q", "siti"),
            ("role", "developer"),
            ("active", "false"),
            ("page", "1"),
            ("per_page", "100"),
        ]))
        .respond_with(json(200, &page(vec![user(Role::Developer)], 1, 1, 100)))
        .expect(1)
        .mount(&server)
        .await;

    let got = admin_client(&server)
        .admin()
        .users()
        .search("siti")
        .role(Role::Developer)
        .active(false)
        .page(1)
        .per_page(100)
        .send()
        .await
        .expect("users");
    assert_eq!(got.items, vec![user(Role::Developer)]);
}

#[tokio::test]
async fn update_user_set_role_and_set_active_patch_the_user() {
    let server = server().await;
    let p = format!("/admin/users/{USER_ID}");
    for body in [
        json!({"role": "admin", "is_active": true}),
        json!({"role": "developer"}),
        json!({"is_active": false}),
    ] {
        Mock::given(method("PATCH"))
            .and(api(&p))
            .and(bearer(ADMIN_TOKEN))
            .and(body_json(body))
            .respond_with(json(200, &user(Role::Developer)))
            .expect(1)
            .mount(&server)
            .await;
    }

    let client = admin_client(&server);
    let admin = client.admin();
    let change = AdminUserUpdate {
        role: Some(Role::Admin),
        is_active: Some(true),
    };
    admin.update_user(USER_ID, &change).await.expect("updated");
    let got = admin
        .set_role(USER_ID, Role::Developer)
        .await
        .expect("role");
    assert_eq!(got, user(Role::Developer));
    admin.set_active(USER_ID, false).await.expect("disabled");
}

#[tokio::test]
async fn audit_filters_by_table_record_actor_operation_and_time() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/admin/audit-logs"))
        .and(bearer(ADMIN_TOKEN))
        .and(exact_query(&[
            ("table", "users"),
            ("record_id", USER_ID),
            ("actor_id", USER_ID),
            ("operation", "update"),
            ("since", "2025-03-01T00:00:00Z"),
            ("until", "2025-03-31T23:59:59Z"),
        ]))
        .respond_with(json(200, &page(vec![audit_entry()], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = admin_client(&server)
        .admin()
        .audit()
        .table("users")
        .record(USER_ID)
        .actor(USER_ID)
        .operation("update")
        .since(at("2025-03-01T00:00:00Z"))
        .until(at("2025-03-31T23:59:59Z"))
        .send()
        .await
        .expect("audit");
    assert_eq!(got.items, vec![audit_entry()]);
}

#[tokio::test]
async fn emails_filter_by_status() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/admin/emails"))
        .and(bearer(ADMIN_TOKEN))
        .and(exact_query(&[("status", "failed")]))
        .respond_with(json(200, &page(vec![outbox_email()], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = admin_client(&server)
        .admin()
        .emails()
        .status("failed")
        .send()
        .await
        .expect("emails");
    assert_eq!(got.items, vec![outbox_email()]);
}

#[tokio::test]
async fn courses_lists_any_status() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/admin/courses"))
        .and(bearer(ADMIN_TOKEN))
        .and(exact_query(&[("status", "archived"), ("sort", "title")]))
        .respond_with(json(200, &page(vec![course(3)], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = admin_client(&server)
        .admin()
        .courses()
        .status("archived")
        .sort("title")
        .send()
        .await
        .expect("courses");
    assert_eq!(got.items, vec![course(3)]);
}

#[tokio::test]
async fn create_import_and_export_courses() {
    let server = server().await;
    let new = NewCourse {
        slug: "dokumen-ekspor".into(),
        title: "Dokumen Ekspor".into(),
        summary: "PEB, invoice, packing list.".into(),
        description: String::new(),
        level: CourseLevel::Intermediate,
        tags: vec!["dokumen".into()],
        estimated_minutes: Some(60),
    };
    Mock::given(method("POST"))
        .and(api("/admin/courses"))
        .and(bearer(ADMIN_TOKEN))
        .and(body_json(&new))
        .respond_with(json(201, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api("/admin/courses/import"))
        .and(bearer(ADMIN_TOKEN))
        .and(body_json(course_document()))
        .respond_with(json(201, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api(&format!("/admin/courses/{COURSE_ID}/export")))
        .and(bearer(ADMIN_TOKEN))
        .respond_with(json(200, &course_document()))
        .expect(1)
        .mount(&server)
        .await;

    let client = admin_client(&server);
    let admin = client.admin();
    assert_eq!(
        admin.create_course(&new).await.expect("created"),
        course_detail()
    );
    assert_eq!(
        admin
            .import_course(&course_document())
            .await
            .expect("imported"),
        course_detail()
    );
    assert_eq!(
        admin.export_course(COURSE_ID).await.expect("exported"),
        course_document()
    );
}

#[tokio::test]
async fn update_publish_archive_and_delete_a_course() {
    let server = server().await;
    let p = format!("/admin/courses/{COURSE_ID}");
    Mock::given(method("PATCH"))
        .and(api(&p))
        .and(bearer(ADMIN_TOKEN))
        .and(body_json(
            json!({"title": "Incoterms 2020 (revisi)", "estimated_minutes": 50}),
        ))
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(api(&p))
        .and(bearer(ADMIN_TOKEN))
        .and(body_json(json!({"status": "archived"})))
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(api(&format!("{p}/publish")))
        .and(bearer(ADMIN_TOKEN))
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(api(&p))
        .and(bearer(ADMIN_TOKEN))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let client = admin_client(&server);
    let admin = client.admin();
    let patch = CoursePatch {
        title: Some("Incoterms 2020 (revisi)".into()),
        estimated_minutes: Some(50),
        ..CoursePatch::default()
    };
    admin
        .update_course(COURSE_ID, &patch)
        .await
        .expect("updated");
    admin.publish_course(COURSE_ID).await.expect("published");
    admin.archive_course(COURSE_ID).await.expect("archived");
    admin.delete_course(COURSE_ID).await.expect("deleted");
}
