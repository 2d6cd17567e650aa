//! Browsing, enrolment, content, progress, quizzes and certificates, on both engines.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{
    AttemptResult, Certificate, ContentView, CourseDetail, CourseProgress, CourseSummary,
    Enrollment, Page,
};
use serde_json::{Value, json};
use support::{Engine, TestServer};

fn page(body: &Value) -> Page<CourseSummary> {
    serde_json::from_value(body.clone()).expect("page of courses")
}

/// The right answers of the seed quiz in `slug`, from the seed file itself.
fn right_answers(slug: &str) -> Vec<Vec<u32>> {
    let docs = pintar_server::learning::seed::documents().expect("seed documents");
    let doc = docs.iter().find(|d| d.slug == slug).expect("seed course");
    let quiz = doc
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| i.quiz.as_ref())
        .expect("a quiz");
    quiz.questions.iter().map(|q| q.answers.clone()).collect()
}

engine_tests!(catalog_lists_searches_filters_sorts_and_pages);
async fn catalog_lists_searches_filters_sorts_and_pages(engine: Engine) {
    let s = TestServer::start(engine).await;
    assert_eq!(s.seed().await, 4, "{engine:?}");
    assert_eq!(s.seed().await, 0, "seeding twice adds nothing");

    let all = s.get("/api/v1/courses", None).await;
    assert_eq!(all.status, 200);
    let p = page(&all.body);
    assert_eq!((p.total, p.items.len()), (4, 4));
    let titles: Vec<_> = p.items.iter().map(|c| c.title.clone()).collect();
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(titles, sorted, "default order is by title");
    assert!(p.items.iter().all(|c| c.items >= 5 && c.sections == 3));
    assert_eq!(all.headers["x-total-count"], "4");

    let r = s.get("/api/v1/courses?q=INCOTERMS", None).await;
    assert_eq!(page(&r.body).items[0].slug, "incoterms-2020");
    let r = s.get("/api/v1/courses?level=intermediate", None).await;
    assert_eq!(page(&r.body).total, 2);
    let r = s
        .get("/api/v1/courses?tag=Letter%20of%20credit", None)
        .await;
    assert_eq!(page(&r.body).items[0].slug, "export-payment-methods");
    let r = s.get("/api/v1/courses?sort=-estimated_minutes", None).await;
    let mins: Vec<u32> = page(&r.body)
        .items
        .iter()
        .map(|c| c.estimated_minutes)
        .collect();
    assert!(mins.windows(2).all(|w| w[0] >= w[1]), "{mins:?}");

    let r = s
        .get("/api/v1/courses?per_page=3&page=2&level=beginner", None)
        .await;
    let p = page(&r.body);
    assert_eq!((p.total, p.page, p.items.len()), (2, 2, 0));
    let r = s.get("/api/v1/courses?per_page=1&page=2", None).await;
    let link = r.headers["link"].to_str().expect("link");
    assert!(link.contains("page=1&per_page=1>; rel=\"prev\""), "{link}");
    assert!(link.contains("page=3&per_page=1>; rel=\"next\""), "{link}");
    assert!(link.contains("page=4&per_page=1>; rel=\"last\""), "{link}");

    for bad in ["sort=price", "level=expert", "per_page=0", "page=0"] {
        let r = s.get(&format!("/api/v1/courses?{bad}"), None).await;
        assert!(r.status == 422 || r.status == 400, "{bad}: {}", r.status);
        assert!(r.body["code"].is_string(), "{bad}: problem body");
    }
    s.stop().await;
}

engine_tests!(a_learner_studies_a_course_to_its_certificate);
async fn a_learner_studies_a_course_to_its_certificate(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let slug = "incoterms-2020";

    // The outline is public; content is not.
    let outline = s.get(&format!("/api/v1/courses/{slug}"), None).await;
    assert_eq!(outline.status, 200, "{engine:?}");
    let detail: CourseDetail = serde_json::from_value(outline.body.clone()).expect("detail");
    assert!(!detail.enrolled);
    assert!(
        !outline.body.to_string().contains("\"body\""),
        "no lesson bodies in outlines"
    );
    let items: Vec<_> = detail
        .outline
        .iter()
        .flat_map(|s| s.items.clone())
        .collect();
    let first = &items[0];
    let content_path = format!("/api/v1/courses/{}/contents/{}", detail.course.id, first.id);
    assert_eq!(s.get(&content_path, None).await.status, 401);

    let t = s.learner("dewi@example.id").await;
    let tok = Some(t.access_token.as_str());
    let r = s.get(&content_path, tok).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (403, Some("forbidden"))
    );
    assert_eq!(
        s.get(&format!("/api/v1/courses/{slug}/progress"), tok)
            .await
            .status,
        403
    );

    // Enrol, twice: 201 then 200.
    let r = s
        .post(&format!("/api/v1/courses/{slug}/enroll"), tok, json!({}))
        .await;
    assert_eq!(r.status, 201);
    let r = s
        .post(&format!("/api/v1/courses/{slug}/enroll"), tok, json!({}))
        .await;
    assert_eq!(r.status, 200);
    let e: Enrollment = serde_json::from_value(r.body).expect("enrollment");
    assert_eq!(e.percent, 0.0);

    // A lesson has its body; opening it is recorded.
    let r = s.get(&content_path, tok).await;
    assert_eq!(r.status, 200);
    let lesson: ContentView = serde_json::from_value(r.body).expect("content");
    assert!(lesson.body.as_deref().is_some_and(|b| b.len() > 500));
    let p: CourseProgress = serde_json::from_value(
        s.get(&format!("/api/v1/courses/{slug}/progress"), tok)
            .await
            .body,
    )
    .expect("progress");
    assert_eq!((p.completed, p.items.len()), (0, 1));
    assert_eq!(
        p.next.as_ref().map(|n| n.content_id.clone()),
        Some(first.id.clone())
    );

    // The quiz comes without answers, and cannot be "completed" by hand.
    let quiz_item = items
        .iter()
        .find(|i| i.kind.as_str() == "quiz")
        .expect("quiz");
    let quiz_path = format!("/api/v1/courses/{slug}/contents/{}", quiz_item.id);
    let r = s.get(&quiz_path, tok).await;
    assert_eq!(r.status, 200);
    let questions = r.body["quiz"]["questions"]
        .as_array()
        .expect("questions")
        .clone();
    assert!(
        questions.iter().all(|q| q.get("answers").is_none()),
        "answers leaked"
    );
    assert!(!r.body.to_string().contains("explanation"));
    let r = s
        .post(&format!("{quiz_path}/complete"), tok, json!({}))
        .await;
    assert_eq!(r.status, 409);

    // Complete every lesson in order; progress rolls up and points to the next item.
    let lessons: Vec<_> = items.iter().filter(|i| i.kind.as_str() != "quiz").collect();
    for (n, item) in lessons.iter().enumerate() {
        let r = s
            .post(
                &format!("/api/v1/courses/{slug}/contents/{}/complete", item.id),
                tok,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let p: CourseProgress = serde_json::from_value(r.body).expect("progress");
        assert_eq!(p.completed as usize, n + 1);
        assert!(p.certificate_code.is_none());
    }
    // Completing again is idempotent.
    let again = s
        .post(
            &format!("/api/v1/courses/{slug}/contents/{}/complete", lessons[0].id),
            tok,
            json!({}),
        )
        .await;
    let p: CourseProgress = serde_json::from_value(again.body).expect("progress");
    assert_eq!(p.completed as usize, lessons.len());
    assert_eq!(
        p.next.as_ref().map(|n| n.content_id.clone()),
        Some(quiz_item.id.clone())
    );
    let expected = (lessons.len() as f64 * 1000.0 / items.len() as f64).round() / 10.0;
    assert_eq!(p.percent, expected);
    assert!(p.sections.iter().take(2).all(|x| x.percent == 100.0));

    // A failed attempt: graded, nothing revealed, attempts counted.
    let right = right_answers(slug);
    let wrong: Vec<Vec<u32>> = right
        .iter()
        .map(|a| vec![if a.contains(&0) { 1 } else { 0 }])
        .collect();
    let r = s
        .post(
            &format!("{quiz_path}/attempts"),
            tok,
            json!({"answers": wrong}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let a: AttemptResult = serde_json::from_value(r.body).expect("attempt");
    assert!(!a.passed && a.score < 70.0);
    assert_eq!((a.attempt, a.attempts_left), (1, Some(2)));
    assert!(a.questions.iter().all(|q| q.correct_answers.is_none()));
    assert!(a.progress.certificate_code.is_none());

    // Malformed answers are a validation error, not an attempt.
    let r = s
        .post(
            &format!("{quiz_path}/attempts"),
            tok,
            json!({"answers": [[0]]}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (422, Some("validation_failed"))
    );

    // The right answers pass, complete the quiz and the course.
    let r = s
        .post(
            &format!("{quiz_path}/attempts"),
            tok,
            json!({"answers": right}),
        )
        .await;
    let a: AttemptResult = serde_json::from_value(r.body).expect("attempt");
    assert!(a.passed);
    assert_eq!((a.score, a.best_score, a.attempt), (100.0, 100.0, 2));
    assert!(
        a.questions
            .iter()
            .all(|q| q.correct && q.correct_answers.is_some())
    );
    assert_eq!(a.progress.percent, 100.0);
    assert!(a.progress.next.is_none() && a.progress.completed_at.is_some());
    let code = a.progress.certificate_code.clone().expect("certificate");

    // Anyone can verify the certificate, in any letter case.
    let r = s
        .get(
            &format!("/api/v1/certificates/{}", code.to_lowercase()),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let cert: Certificate = serde_json::from_value(r.body).expect("certificate");
    assert_eq!(
        (cert.learner.as_str(), cert.course_title.as_str()),
        ("Siti Rahma", "Incoterms 2020 for Indonesian Exporters")
    );
    assert_eq!(
        s.get("/api/v1/certificates/PE-0000-0000-0000", None)
            .await
            .status,
        404
    );

    // My enrolments show it complete; it cannot be left.
    let r = s.get("/api/v1/users/me/enrollments", tok).await;
    let mine: Page<Enrollment> = serde_json::from_value(r.body).expect("enrollments");
    assert_eq!((mine.total, mine.items[0].percent), (1, 100.0));
    assert_eq!(
        mine.items[0].certificate_code.as_deref(),
        Some(code.as_str())
    );
    let r = s
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/courses/{slug}/enroll"),
            tok,
            None,
        )
        .await;
    assert_eq!(r.status, 409);

    // Every change is in the audit log, in its own table.
    use pintar_server::storage::entities::audit_log;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for table in ["enrollments", "content_progress", "quiz_attempts"] {
        let n = audit_log::Entity::find()
            .filter(audit_log::Column::TableName.eq(table))
            .all(&s.db.db)
            .await
            .expect("audit")
            .len();
        assert!(n > 0, "{table} audited");
    }
    s.stop().await;
}

engine_tests!(attempts_run_out_and_unenrolment_is_idempotent);
async fn attempts_run_out_and_unenrolment_is_idempotent(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let slug = "export-payment-methods";
    let t = s.learner("budi@example.id").await;
    let tok = Some(t.access_token.as_str());
    assert_eq!(
        s.post(&format!("/api/v1/courses/{slug}/enroll"), tok, json!({}))
            .await
            .status,
        201
    );
    let detail: CourseDetail =
        serde_json::from_value(s.get(&format!("/api/v1/courses/{slug}"), tok).await.body)
            .expect("detail");
    assert!(detail.enrolled, "{engine:?}");
    let quiz = detail
        .outline
        .iter()
        .flat_map(|x| &x.items)
        .find(|i| i.kind.as_str() == "quiz")
        .expect("quiz");
    let path = format!("/api/v1/courses/{slug}/contents/{}/attempts", quiz.id);
    let n = right_answers(slug).len();
    let blank: Vec<Vec<u32>> = vec![vec![]; n];
    for attempt in 1..=3 {
        let r = s.post(&path, tok, json!({"answers": blank})).await;
        let a: AttemptResult = serde_json::from_value(r.body).expect("attempt");
        assert_eq!(a.attempt, attempt);
        assert!(
            a.questions
                .iter()
                .all(|q| q.correct_answers.is_none() && q.explanation.is_none()),
            "never revealed without a pass, even with no attempts left (attempt {attempt})"
        );
    }
    let r = s.post(&path, tok, json!({"answers": blank})).await;
    assert_eq!(r.status, 409);

    // Unenrol twice: both 204; the course is no longer marked enrolled.
    for _ in 0..2 {
        let r = s
            .call(
                reqwest::Method::DELETE,
                &format!("/api/v1/courses/{slug}/enroll"),
                tok,
                None,
            )
            .await;
        assert_eq!(r.status, 204);
    }
    let r = s.get(&format!("/api/v1/courses/{slug}"), tok).await;
    assert_eq!(r.body["enrolled"], false);
    let r = s.get("/api/v1/users/me/enrollments", tok).await;
    assert_eq!(r.body["total"], 0);
    assert_eq!(
        s.post("/api/v1/courses/no-such-course/enroll", tok, json!({}))
            .await
            .status,
        404
    );
    s.stop().await;
}
