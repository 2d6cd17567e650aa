//! Content management, users and the audit trail, on both engines.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{AuditEntry, CourseDetail, CourseDocument, Created, Page, UserProfile};
use pintar_server::storage::entities::email_outbox;
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use support::{Engine, PASSWORD, TestServer};

engine_tests!(admins_author_reorder_publish_export_and_import_courses);
async fn admins_author_reorder_publish_export_and_import_courses(engine: Engine) {
    let s = TestServer::start(engine).await;
    let admin = s.admin("admin@example.id").await;
    let a = Some(admin.as_str());

    let r = s
        .post(
            "/api/v1/admin/courses",
            a,
            json!({"slug": "packing-for-export", "title": "Packing for export",
                   "summary": "Cartons, pallets and marks.", "level": "beginner", "tags": ["packing"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{engine:?} {}", r.body);
    let course: CourseDetail = serde_json::from_value(r.body).expect("course");
    assert_eq!(course.course.status.as_str(), "draft");
    let cpath = format!("/api/v1/admin/courses/{}", course.course.id);

    // Drafts are invisible to everyone but admins; an empty course cannot be published.
    assert_eq!(
        s.get("/api/v1/courses/packing-for-export", None)
            .await
            .status,
        404
    );
    assert_eq!(
        s.get("/api/v1/courses/packing-for-export", a).await.status,
        200
    );
    assert_eq!(
        s.post(&format!("{cpath}/publish"), a, json!({}))
            .await
            .status,
        409
    );

    let mut sections = Vec::new();
    for title in ["Cartons", "Pallets"] {
        let r = s
            .post(&format!("{cpath}/sections"), a, json!({"title": title}))
            .await;
        assert_eq!(r.status, 201);
        sections.push(serde_json::from_value::<Created>(r.body).expect("id").id);
    }
    let lesson = json!({"kind": "lesson", "title": "Double-wall cartons", "body": "Use **double-wall** cartons for heavy goods."});
    let r = s
        .post(
            &format!("/api/v1/admin/sections/{}/contents", sections[0]),
            a,
            lesson,
        )
        .await;
    assert_eq!(r.status, 201);
    let lesson_id = serde_json::from_value::<Created>(r.body).expect("id").id;
    let quiz = json!({"kind": "quiz", "title": "Check", "quiz": {"pass_mark": 50, "questions": [
        {"prompt": "ISPM 15 is about?", "choices": ["Wood packaging", "Cartons"], "answers": [0]}]}});
    let r = s
        .post(
            &format!("/api/v1/admin/sections/{}/contents", sections[1]),
            a,
            quiz,
        )
        .await;
    let quiz_id = serde_json::from_value::<Created>(r.body).expect("id").id;

    // Invalid content lists its fields.
    let bad = json!({"kind": "quiz", "title": "", "quiz": {"pass_mark": 0, "questions": [
        {"prompt": "?", "choices": ["only one"], "answers": [3]}]}});
    let r = s
        .post(
            &format!("/api/v1/admin/sections/{}/contents", sections[1]),
            a,
            bad,
        )
        .await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    for f in [
        "title",
        "quiz.pass_mark",
        "quiz.questions[0].choices",
        "quiz.questions[0].answers",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }

    // Reorder: swap the sections.
    let order = json!({"sections": [
        {"id": sections[1], "items": [quiz_id]},
        {"id": sections[0], "items": [lesson_id]}]});
    let r = s
        .call(Method::PUT, &format!("{cpath}/order"), a, Some(order))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let d: CourseDetail = serde_json::from_value(r.body).expect("detail");
    assert_eq!(d.outline[0].title, "Pallets");
    assert_eq!(d.outline[1].items[0].id, lesson_id);
    let partial = json!({"sections": [{"id": sections[1], "items": [quiz_id]}]});
    let r = s
        .call(Method::PUT, &format!("{cpath}/order"), a, Some(partial))
        .await;
    assert_eq!(r.status, 422);

    // Publish: now listed.
    let r = s.post(&format!("{cpath}/publish"), a, json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.body["published_at"].is_string());
    let list = s.get("/api/v1/courses", None).await;
    assert_eq!(list.body["total"], 1, "catalog sees the change at once");

    // Export, then import under another slug: the same course.
    let r = s.get(&format!("{cpath}/export"), a).await;
    let mut doc: CourseDocument = serde_json::from_value(r.body).expect("document");
    assert_eq!(
        doc.sections[0].items[0]
            .quiz
            .as_ref()
            .expect("quiz")
            .questions[0]
            .answers,
        [0]
    );
    let r = s.post("/api/v1/admin/courses/import", a, json!(doc)).await;
    assert_eq!(r.status, 409, "slug taken");
    doc.slug = "packing-for-export-copy".into();
    let r = s.post("/api/v1/admin/courses/import", a, json!(doc)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let copy: CourseDetail = serde_json::from_value(r.body).expect("copy");
    let reexport: CourseDocument = serde_json::from_value(
        s.get(
            &format!("/api/v1/admin/courses/{}/export", copy.course.id),
            a,
        )
        .await
        .body,
    )
    .expect("document");
    assert_eq!(reexport, doc, "export → import → export round-trips");

    // Patch fields; a learner cannot.
    let r = s
        .call(
            Method::PATCH,
            &cpath,
            a,
            Some(json!({"title": "Packing and marking", "level": "intermediate"})),
        )
        .await;
    assert_eq!(
        (r.status, r.body["title"].as_str()),
        (200, Some("Packing and marking"))
    );
    let learner = s.learner("eka@example.id").await;
    let l = Some(learner.access_token.as_str());
    let r = s
        .call(Method::PATCH, &cpath, l, Some(json!({"title": "x"})))
        .await;
    assert_eq!(r.status, 403);

    // Delete is refused while someone is enrolled; archive works and hides it.
    assert_eq!(
        s.post("/api/v1/courses/packing-for-export/enroll", l, json!({}))
            .await
            .status,
        201
    );
    assert_eq!(s.call(Method::DELETE, &cpath, a, None).await.status, 409);
    let r = s
        .call(
            Method::PATCH,
            &cpath,
            a,
            Some(json!({"status": "archived"})),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        s.get("/api/v1/courses/packing-for-export", None)
            .await
            .status,
        404
    );
    assert_eq!(
        s.get("/api/v1/courses/packing-for-export", l).await.status,
        200,
        "enrolled keep access"
    );
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/courses/{}", copy.course.id),
            a,
            None,
        )
        .await;
    assert_eq!(r.status, 204);

    // New sections go last, also after a deletion left a gap in the positions.
    let mut extra = Vec::new();
    for title in ["Extra 1", "Extra 2"] {
        let r = s
            .post(&format!("{cpath}/sections"), a, json!({"title": title}))
            .await;
        extra.push(serde_json::from_value::<Created>(r.body).expect("id").id);
    }
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/admin/sections/{}", extra[0]),
            a,
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    s.post(&format!("{cpath}/sections"), a, json!({"title": "Extra 3"}))
        .await;
    let d: CourseDetail =
        serde_json::from_value(s.get("/api/v1/courses/packing-for-export", a).await.body)
            .expect("detail");
    let titles: Vec<&str> = d.outline.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(titles, ["Pallets", "Cartons", "Extra 2", "Extra 3"]);

    // Content changes are audited.
    let r = s
        .get(
            "/api/v1/admin/audit-logs?table=sections&operation=update",
            a,
        )
        .await;
    let p: Page<AuditEntry> = serde_json::from_value(r.body).expect("audit");
    assert_eq!(p.total, 2, "both moved sections audited");
    let r = s
        .get("/api/v1/admin/audit-logs?table=courses&operation=delete", a)
        .await;
    assert_eq!(r.body["total"], 1);
    s.stop().await;
}

engine_tests!(admins_manage_users_and_read_the_audit_trail);
async fn admins_manage_users_and_read_the_audit_trail(engine: Engine) {
    let s = TestServer::start(engine).await;
    let admin = s.admin("root@example.id").await;
    let a = Some(admin.as_str());
    for i in 0..3 {
        s.learner(&format!("learner{i}@example.id")).await;
    }
    let r = s.get("/api/v1/admin/users?role=public&per_page=2", a).await;
    assert_eq!(r.status, 200, "{engine:?}");
    let p: Page<UserProfile> = serde_json::from_value(r.body).expect("users");
    assert_eq!((p.total, p.items.len()), (3, 2));
    assert!(
        r.headers["link"]
            .to_str()
            .expect("link")
            .contains("role=public")
    );
    let r = s.get("/api/v1/admin/users?q=LEARNER1", a).await;
    assert_eq!(r.body["total"], 1);
    let r = s.get("/api/v1/admin/users?q=%25", a).await;
    assert_eq!(r.body["total"], 0, "% is literal");
    let target = p.items[0].clone();

    // Role change: audited, and emailed in the same transaction.
    let path = format!("/api/v1/admin/users/{}", target.id);
    let r = s
        .call(Method::PATCH, &path, a, Some(json!({"role": "developer"})))
        .await;
    assert_eq!(
        (r.status, r.body["role"].as_str()),
        (200, Some("developer"))
    );
    let mails = email_outbox::Entity::find()
        .filter(email_outbox::Column::Kind.eq("role_changed"))
        .all(&s.db.db)
        .await
        .expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to_address, target.email);

    // Disable: sign-in fails; re-enable: it works again.
    let r = s
        .call(Method::PATCH, &path, a, Some(json!({"is_active": false})))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(s.login(&target.email, PASSWORD).await.status(), 401);
    s.call(Method::PATCH, &path, a, Some(json!({"is_active": true})))
        .await;
    assert_eq!(s.login(&target.email, PASSWORD).await.status(), 200);

    // Admins cannot change themselves; learners cannot call this at all.
    let me: UserProfile =
        serde_json::from_value(s.get("/api/v1/users/me", a).await.body).expect("me");
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/admin/users/{}", me.id),
            a,
            Some(json!({"role": "public"})),
        )
        .await;
    assert_eq!(r.status, 409);
    let learner = s
        .login("learner2@example.id", PASSWORD)
        .await
        .json::<pintar_core::api::TokenResponse>()
        .await
        .expect("tokens");
    assert_eq!(
        s.get("/api/v1/admin/users", Some(&learner.access_token))
            .await
            .status,
        403
    );

    // The trail: filter by record and actor, newest first, no secrets.
    let r = s
        .get(
            &format!(
                "/api/v1/admin/audit-logs?table=users&record_id={}&actor_id={}",
                target.id, me.id
            ),
            a,
        )
        .await;
    let p: Page<AuditEntry> = serde_json::from_value(r.body).expect("trail");
    assert_eq!(p.total, 3, "role, disable, enable");
    assert_eq!(
        p.items[0].new_values.as_ref().expect("new")["is_active"],
        true
    );
    assert!(
        p.items
            .windows(2)
            .all(|w| w[0].created_at >= w[1].created_at)
    );
    let text = serde_json::to_string(&p).expect("json");
    assert!(!text.contains("password_hash") && !text.contains("argon2"));
    let r = s.get("/api/v1/admin/audit-logs?operation=drop", a).await;
    assert_eq!(r.status, 422);
    let r = s
        .get(
            "/api/v1/admin/audit-logs?since=2000-01-01T00:00:00Z&per_page=1",
            a,
        )
        .await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));
    s.stop().await;
}
