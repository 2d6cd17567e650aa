//! Platform analytics on both engines: learning events written with the changes they record,
//! every aggregate against data seeded for the test, who may see what, and bad parameters.

use crate::support;
use pintar_server::engine_tests;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use pintar_core::api::{
    ActivitySeries, CourseCompletion, CourseDetail, CourseEngagement, CourseProgressDistribution,
    Page, UserCourseProgress,
};
use pintar_server::storage::entities::{
    activity_event, content, content_progress, course, enrollment, section, user,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};
use support::{Engine, TestServer};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("timestamp")
        .with_timezone(&Utc)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0)
        .single()
        .expect("t0")
}

/// A learner inserted directly (cannot sign in).
async fn learner(db: &DatabaseConnection, n: u32) -> Uuid {
    let id = Uuid::now_v7();
    user::ActiveModel {
        id: Set(id),
        email: Set(format!("seed{n}@example.id")),
        password_hash: Set("!".into()),
        display_name: Set(format!("Seed {n}")),
        role: Set("public".into()),
        is_active: Set(true),
        created_at: Set(t0()),
        updated_at: Set(t0()),
        last_login_at: Set(None),
        email_verified_at: Set(None),
    }
    .insert(db)
    .await
    .expect("user");
    id
}

async fn new_course(db: &DatabaseConnection, slug: &str, status: &str) -> Uuid {
    let id = Uuid::now_v7();
    course::ActiveModel {
        id: Set(id),
        slug: Set(slug.into()),
        title: Set(format!("Course {slug}")),
        summary: Set("S".into()),
        description: Set("D".into()),
        level: Set("beginner".into()),
        tags: Set(json!([])),
        estimated_minutes: Set(10),
        status: Set(status.into()),
        created_by: Set(None),
        created_at: Set(t0()),
        updated_at: Set(t0()),
        published_at: Set(None),
    }
    .insert(db)
    .await
    .expect("course");
    id
}

async fn new_section(db: &DatabaseConnection, course_id: Uuid, position: i32) -> Uuid {
    let id = Uuid::now_v7();
    section::ActiveModel {
        id: Set(id),
        course_id: Set(course_id),
        title: Set(format!("Section {position}")),
        position: Set(position),
        created_at: Set(t0()),
        updated_at: Set(t0()),
    }
    .insert(db)
    .await
    .expect("section");
    id
}

async fn new_item(db: &DatabaseConnection, course_id: Uuid, section_id: Uuid, pos: i32) -> Uuid {
    let id = Uuid::now_v7();
    content::ActiveModel {
        id: Set(id),
        section_id: Set(section_id),
        course_id: Set(course_id),
        kind: Set("lesson".into()),
        title: Set(format!("Item {pos}")),
        body: Set(Some("B".into())),
        video_url: Set(None),
        quiz: Set(None),
        pass_mark: Set(None),
        max_attempts: Set(None),
        position: Set(pos),
        estimated_minutes: Set(5),
        created_at: Set(t0()),
        updated_at: Set(t0()),
    }
    .insert(db)
    .await
    .expect("content");
    id
}

/// Enrols `u` at `t0` and completes `items` at `t0 + 1 min`; completes the course after
/// `completed_after` seconds when given.
async fn study(
    db: &DatabaseConnection,
    u: Uuid,
    course_id: Uuid,
    items: &[Uuid],
    completed_after: Option<i64>,
) {
    enrollment::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(u),
        course_id: Set(course_id),
        enrolled_at: Set(t0()),
        completed_at: Set(completed_after.map(|s| t0() + Duration::seconds(s))),
        certificate_code: Set(completed_after.map(|_| format!("PE-{}", Uuid::now_v7().simple()))),
    }
    .insert(db)
    .await
    .expect("enrolment");
    for item in items {
        content_progress::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(u),
            course_id: Set(course_id),
            content_id: Set(*item),
            completed_at: Set(Some(t0() + Duration::minutes(1))),
            last_accessed_at: Set(t0() + Duration::minutes(1)),
        }
        .insert(db)
        .await
        .expect("progress");
    }
}

async fn event(
    db: &DatabaseConnection,
    u: Uuid,
    course_id: Uuid,
    kind: &str,
    when: &str,
    metadata: Value,
) {
    activity_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(u)),
        kind: Set(kind.into()),
        course_id: Set(Some(course_id)),
        content_id: Set(None),
        metadata: Set(metadata),
        created_at: Set(at(when)),
    }
    .insert(db)
    .await
    .expect("event");
}

/// What the seeded world is made of.
struct World {
    c1: Uuid,
    c2: Uuid,
    items: Vec<Uuid>,
    /// u3 can sign in: the learner of the role checks.
    u3: Uuid,
    u3_token: String,
    u2: Uuid,
    developer: String,
    admin: String,
    key_analytics: String,
    key_learning: String,
}

/// Course 1: two sections of two items; seven learners at 100 % (three, done after 100 s,
/// 300 s and 1000 s), 25 %, 50 %, 75 % and 0 %. Course 2: one item, two learners done after
/// 60 s and 120 s. Course 3: a draft nobody takes. Events in March 2026.
async fn world(s: &TestServer) -> World {
    let db = &s.db.db;
    let c1 = new_course(db, "c1-export-basics", "published").await;
    let c2 = new_course(db, "c2-incoterms", "published").await;
    new_course(db, "c3-draft", "draft").await;
    let s1 = new_section(db, c1, 0).await;
    let s2 = new_section(db, c1, 1).await;
    let a = new_item(db, c1, s1, 0).await;
    let b = new_item(db, c1, s1, 1).await;
    let c = new_item(db, c1, s2, 0).await;
    let d = new_item(db, c1, s2, 1).await;
    let s21 = new_section(db, c2, 0).await;
    let only = new_item(db, c2, s21, 0).await;

    // u3 signs in: registered through the API.
    let t = s.learner("u3@example.id").await;
    let me = s.get("/api/v1/users/me", Some(&t.access_token)).await;
    let u3: Uuid = me.body["id"].as_str().expect("id").parse().expect("uuid");
    let u1 = learner(db, 1).await;
    let u2 = learner(db, 2).await;
    let u4 = learner(db, 4).await;
    let u5 = learner(db, 5).await;
    let u6 = learner(db, 6).await;
    let u7 = learner(db, 7).await;
    study(db, u1, c1, &[a, b, c, d], Some(100)).await;
    study(db, u5, c1, &[a, b, c, d], Some(300)).await;
    study(db, u7, c1, &[a, b, c, d], Some(1000)).await;
    study(db, u2, c1, &[a], None).await;
    study(db, u3, c1, &[a, b, c], None).await;
    study(db, u6, c1, &[b, c], None).await;
    study(db, u4, c1, &[], None).await;
    // u4 opened an item without completing it: still at 0 %.
    content_progress::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(u4),
        course_id: Set(c1),
        content_id: Set(a),
        completed_at: Set(None),
        last_accessed_at: Set(t0()),
    }
    .insert(db)
    .await
    .expect("opened");
    study(db, u1, c2, &[only], Some(60)).await;
    study(db, u2, c2, &[only], Some(120)).await;

    let none = json!({});
    event(db, u1, c1, "enrolled", "2026-02-15T10:00:00Z", none.clone()).await;
    event(db, u2, c1, "enrolled", "2026-03-05T08:00:00Z", none.clone()).await;
    event(db, u3, c1, "enrolled", "2026-03-30T08:00:00Z", none.clone()).await;
    event(
        db,
        u2,
        c1,
        "content_opened",
        "2026-03-05T08:05:00Z",
        none.clone(),
    )
    .await;
    event(
        db,
        u2,
        c1,
        "content_opened",
        "2026-03-10T12:00:00Z",
        none.clone(),
    )
    .await;
    event(
        db,
        u3,
        c1,
        "content_opened",
        "2026-03-30T09:00:00Z",
        none.clone(),
    )
    .await;
    event(
        db,
        u4,
        c1,
        "content_opened",
        "2026-03-26T23:59:59Z",
        none.clone(),
    )
    .await;
    event(
        db,
        u3,
        c1,
        "quiz_attempted",
        "2026-03-30T10:00:00Z",
        json!({"score": 50.0, "passed": false}),
    )
    .await;
    event(
        db,
        u3,
        c1,
        "quiz_attempted",
        "2026-03-31T23:59:59Z",
        json!({"score": 100.0, "passed": true}),
    )
    .await;
    event(
        db,
        u2,
        c1,
        "quiz_attempted",
        "2026-02-20T10:00:00Z",
        json!({"score": 0.0, "passed": false}),
    )
    .await;
    // The first instant after the window: counted nowhere in March.
    event(
        db,
        u5,
        c1,
        "content_opened",
        "2026-04-01T00:00:00Z",
        none.clone(),
    )
    .await;

    // A developer with keys, and an admin.
    let dev = s.learner("dev@example.id").await.access_token;
    assert_eq!(
        s.post("/api/v1/auth/upgrade-role", Some(&dev), json!({}))
            .await
            .status,
        201
    );
    let developer: pintar_core::api::TokenResponse = s
        .login("dev@example.id", support::PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let key = |scopes: Value| {
        let token = developer.access_token.clone();
        async move {
            let r = s
                .post(
                    "/api/v1/developer/key",
                    Some(&token),
                    json!({"name": "analytics", "scopes": scopes}),
                )
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            r.body["key"].as_str().expect("key").to_string()
        }
    };
    let key_analytics = key(json!(["analytics"])).await;
    let key_learning = key(json!(["learning", "courses:read"])).await;
    let admin = s.admin("kepala@example.id").await;
    World {
        c1,
        c2,
        items: vec![a, b, c, d],
        u3,
        u3_token: t.access_token,
        u2,
        developer: developer.access_token,
        admin,
        key_analytics,
        key_learning,
    }
}

fn decode<T: serde::de::DeserializeOwned>(r: &support::Reply) -> T {
    assert_eq!(r.status, 200, "{:?}", r.body);
    serde_json::from_value(r.body.clone()).expect("decodes")
}

async fn with_key(s: &TestServer, path: &str, key: &str) -> (u16, Value) {
    let res = s
        .client
        .get(s.url(path))
        .header("x-api-key", key)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

engine_tests!(aggregates_match_the_seeded_data);
async fn aggregates_match_the_seeded_data(engine: Engine) {
    let s = TestServer::start(engine).await;
    let w = world(&s).await;
    let dev = Some(w.developer.as_str());

    // Progress distribution: drafts for admins only; courses by title.
    let p: Page<CourseProgressDistribution> =
        decode(&s.get("/api/v1/analytics/course-progress", dev).await);
    assert_eq!(p.total, 2, "{engine:?}: no drafts for developers");
    let c1 = &p.items[0];
    assert_eq!(c1.course_id, w.c1.to_string());
    assert_eq!((c1.items, c1.learners, c1.completed), (4, 7, 3));
    assert_eq!(c1.average_percent, 64.3, "(3 × 100 + 25 + 50 + 75 + 0) / 7");
    let buckets: Vec<(&str, u64)> = c1
        .buckets
        .iter()
        .map(|b| (b.label.as_str(), b.learners))
        .collect();
    assert_eq!(
        buckets,
        [
            ("0", 1),
            ("1-25", 1),
            ("26-50", 1),
            ("51-75", 1),
            ("76-99", 0),
            ("100", 3)
        ]
    );
    let c2 = &p.items[1];
    assert_eq!(
        (c2.items, c2.learners, c2.completed, c2.average_percent),
        (1, 2, 2, 100.0)
    );
    let admin_view: Page<CourseProgressDistribution> = decode(
        &s.get("/api/v1/analytics/course-progress", Some(&w.admin))
            .await,
    );
    assert_eq!(admin_view.total, 3);
    let draft = admin_view
        .items
        .iter()
        .find(|c| c.course_slug == "c3-draft")
        .expect("draft");
    assert_eq!(
        (
            draft.learners,
            draft.buckets.iter().map(|b| b.learners).sum::<u64>()
        ),
        (0, 0)
    );
    let paged: Page<CourseProgressDistribution> = decode(
        &s.get("/api/v1/analytics/course-progress?per_page=1&page=2", dev)
            .await,
    );
    assert_eq!((paged.total, paged.items.len()), (2, 1));
    assert_eq!(paged.items[0].course_id, w.c2.to_string());

    // Completion: rate, median (odd and even counts), drop-off per section.
    let p: Page<CourseCompletion> = decode(&s.get("/api/v1/analytics/completion-rates", dev).await);
    let c1 = &p.items[0];
    assert_eq!(
        (c1.learners, c1.completed, c1.completion_rate),
        (7, 3, 42.9)
    );
    assert_eq!(
        c1.median_seconds_to_complete,
        Some(300.0),
        "of 100, 300, 1000"
    );
    let drop: Vec<u64> = c1.drop_off.iter().map(|d| d.learners).collect();
    assert_eq!(
        drop,
        [1, 2],
        "u2 stopped in section 1; u3 and u6 in section 2"
    );
    assert_eq!(c1.drop_off[0].title, "Section 0");
    assert_eq!(c1.not_started, 1, "u4 opened but completed nothing");
    let c2 = &p.items[1];
    assert_eq!(
        (c2.learners, c2.completed, c2.completion_rate),
        (2, 2, 100.0)
    );
    assert_eq!(c2.median_seconds_to_complete, Some(90.0), "of 60 and 120");
    assert_eq!((c2.not_started, c2.drop_off[0].learners), (0, 0));

    // Engagement over March 2026.
    let p: Page<CourseEngagement> = decode(
        &s.get(
            "/api/v1/analytics/course-engagement?from=2026-03-01&to=2026-03-31",
            dev,
        )
        .await,
    );
    let e = &p.items[0];
    assert_eq!(e.course_id, w.c1.to_string());
    assert_eq!(
        (e.enrollments, e.content_opens, e.quiz_attempts),
        (2, 4, 2),
        "{engine:?}"
    );
    assert_eq!((e.active_learners_7d, e.active_learners_30d), (2, 3));
    assert_eq!(e.average_quiz_score, Some(75.0));
    let e2 = &p.items[1];
    assert_eq!(
        (
            e2.enrollments,
            e2.active_learners_30d,
            e2.average_quiz_score
        ),
        (0, 0, None)
    );
    // One day: the last second of March is in, the quiz of the 30th is not.
    let p: Page<CourseEngagement> = decode(
        &s.get(
            "/api/v1/analytics/course-engagement?from=2026-03-31&to=2026-03-31",
            dev,
        )
        .await,
    );
    assert_eq!(
        (p.items[0].quiz_attempts, p.items[0].average_quiz_score),
        (1, Some(100.0))
    );
    assert_eq!(p.items[0].active_learners_7d, 2);

    // Activity per day: every day of March, zeros included.
    let a: ActivitySeries = decode(
        &s.get(
            "/api/v1/analytics/activity?metric=content_opens&interval=day&to=2026-03-31&points=31&horizon=7",
            dev,
        )
        .await,
    );
    assert_eq!(a.points.len(), 31);
    assert_eq!(a.from, NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"));
    let busy: Vec<(u32, f64)> = a
        .points
        .iter()
        .filter(|p| p.value > 0.0)
        .map(|p| (chrono::Datelike::day(&p.date), p.value))
        .collect();
    assert_eq!(busy, [(5, 1.0), (10, 1.0), (26, 1.0), (30, 1.0)]);
    // The forecast is the engine's, on the same values, floored at zero.
    let values: Vec<f64> = a.points.iter().map(|p| p.value).collect();
    let f = a.forecast.expect("forecast");
    let engine_says =
        pintar_core::analytics::forecast::auto_forecast(&values, 7, 7).expect("engine forecast");
    assert_eq!(f.model, engine_says.prediction.label);
    assert_eq!(f.points.len(), 7);
    assert_eq!(
        f.points[0].date,
        NaiveDate::from_ymd_opt(2026, 4, 1).expect("date")
    );
    for (p, v) in f.points.iter().zip(&engine_says.prediction.point) {
        assert_eq!(p.value, v.max(0.0));
        assert!(p.lower_95 >= 0.0 && p.lower_95 <= p.lower_80 && p.upper_80 <= p.upper_95);
    }

    // Per ISO week (Monday start), distinct learners; one course; no forecast.
    let a: ActivitySeries = decode(
        &s.get(
            &format!(
                "/api/v1/analytics/activity?metric=active_learners&interval=week&to=2026-03-31&points=2&course_id={}",
                w.c1
            ),
            dev,
        )
        .await,
    );
    let weeks: Vec<(String, f64)> = a
        .points
        .iter()
        .map(|p| (p.date.to_string(), p.value))
        .collect();
    assert_eq!(
        weeks,
        [
            ("2026-03-23".to_string(), 1.0),
            ("2026-03-30".to_string(), 2.0)
        ],
        "u4 in the first week; u3 and u5 in the week holding 31 March"
    );
    assert!(a.forecast.is_none());
    assert!(a.note.expect("note").contains("at least 4"));
    for (metric, total) in [
        ("enrollments", 2.0),
        ("enrolments", 2.0), // the name before 0.2, still accepted
        ("quiz_attempts", 2.0),
        ("completions", 0.0),
    ] {
        let a: ActivitySeries = decode(
            &s.get(
                &format!("/api/v1/analytics/activity?metric={metric}&to=2026-03-31&points=31&forecast=false"),
                dev,
            )
            .await,
        );
        assert_eq!(
            a.points.iter().map(|p| p.value).sum::<f64>(),
            total,
            "{metric}"
        );
        assert!(a.forecast.is_none() && a.note.is_none());
    }
    let other: ActivitySeries = decode(
        &s.get(
            &format!("/api/v1/analytics/activity?metric=content_opens&to=2026-03-31&points=31&course_id={}", w.c2),
            dev,
        )
        .await,
    );
    assert!(other.points.iter().all(|p| p.value == 0.0));
    assert_eq!(other.forecast.expect("flat").model, "constant");

    // User progress: u3 has a, b and c of course 1 done; d is next.
    let p: Page<UserCourseProgress> = decode(
        &s.get("/api/v1/analytics/user-progress", Some(&w.u3_token))
            .await,
    );
    assert_eq!(p.total, 1);
    let mine = &p.items[0];
    assert_eq!((mine.completed, mine.total, mine.percent), (3, 4, 75.0));
    assert_eq!(mine.user_id, w.u3.to_string());
    let next = mine.next.as_ref().expect("next");
    assert_eq!(next.content_id, w.items[3].to_string());
    assert_eq!(mine.last_activity_at, at("2026-03-31T23:59:59Z"));
    s.stop().await;
}

engine_tests!(who_sees_what);
async fn who_sees_what(engine: Engine) {
    let s = TestServer::start(engine).await;
    let w = world(&s).await;
    let aggregates = [
        "/api/v1/analytics/course-progress",
        "/api/v1/analytics/course-engagement",
        "/api/v1/analytics/completion-rates",
        "/api/v1/analytics/activity",
    ];
    for path in aggregates {
        let r = s.get(path, Some(&w.u3_token)).await;
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (403, Some("forbidden")),
            "{engine:?} {path}"
        );
        assert_eq!(s.get(path, None).await.status, 401, "{path}");
        assert_eq!(s.get(path, Some(&w.developer)).await.status, 200, "{path}");
        assert_eq!(s.get(path, Some(&w.admin)).await.status, 200, "{path}");
        assert_eq!(with_key(&s, path, &w.key_analytics).await.0, 200, "{path}");
        let (status, body) = with_key(&s, path, &w.key_learning).await;
        assert_eq!(status, 403, "{path}: a key without the analytics scope");
        assert!(
            body["detail"]
                .as_str()
                .is_some_and(|d| d.contains("analytics"))
        );
    }

    // A learner sees their own progress, and no one else's.
    let own = format!("/api/v1/analytics/user-progress?user_id={}", w.u3);
    let p: Page<UserCourseProgress> = decode(&s.get(&own, Some(&w.u3_token)).await);
    assert!(p.items.iter().all(|i| i.user_id == w.u3.to_string()));
    let theirs = format!("/api/v1/analytics/user-progress?user_id={}", w.u2);
    assert_eq!(s.get(&theirs, Some(&w.u3_token)).await.status, 403);
    assert_eq!(s.get(&theirs, Some(&w.developer)).await.status, 403);
    assert_eq!(with_key(&s, &theirs, &w.key_analytics).await.0, 403);
    // The developer's own progress, through the key: enrolled nowhere.
    let (status, body) = with_key(&s, "/api/v1/analytics/user-progress", &w.key_analytics).await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(0)));

    // An admin: anyone's (u2: course 1 at 25 %, course 2 done), or everyone's, paged.
    let p: Page<UserCourseProgress> = decode(&s.get(&theirs, Some(&w.admin)).await);
    assert_eq!(p.total, 2);
    let mut percents: Vec<f64> = p.items.iter().map(|i| i.percent).collect();
    percents.sort_by(f64::total_cmp);
    assert_eq!(percents, [25.0, 100.0]);
    let done = p
        .items
        .iter()
        .find(|i| i.course_id == w.c2.to_string())
        .expect("c2");
    assert!(done.next.is_none() && done.completed_at.is_some());
    let all: Page<UserCourseProgress> = decode(
        &s.get(
            "/api/v1/analytics/user-progress?per_page=4&page=3",
            Some(&w.admin),
        )
        .await,
    );
    assert_eq!(
        (all.total, all.items.len()),
        (9, 1),
        "nine enrolments over pages of four"
    );
    s.stop().await;
}

engine_tests!(bad_parameters_are_problems);
async fn bad_parameters_are_problems(engine: Engine) {
    let s = TestServer::start(engine).await;
    let admin = s.admin("kepala@example.id").await;
    let cases = [
        (
            "/api/v1/analytics/course-engagement?from=2026-04-01&to=2026-03-01",
            422,
        ),
        (
            "/api/v1/analytics/course-engagement?from=2020-01-01&to=2026-03-01",
            422,
        ),
        (
            "/api/v1/analytics/course-engagement?from=1900-01-01&to=1900-01-02",
            422,
        ),
        ("/api/v1/analytics/course-engagement?from=yesterday", 400),
        ("/api/v1/analytics/activity?horizon=0", 422),
        ("/api/v1/analytics/activity?horizon=53", 422),
        ("/api/v1/analytics/activity?points=0", 422),
        ("/api/v1/analytics/activity?interval=day&points=732", 422),
        ("/api/v1/analytics/activity?interval=week&points=262", 422),
        ("/api/v1/analytics/activity?points=99999999999", 400),
        ("/api/v1/analytics/activity?to=1970-01-02&points=5", 422),
        ("/api/v1/analytics/activity?metric=revenue", 400),
        ("/api/v1/analytics/activity?interval=month", 400),
        ("/api/v1/analytics/activity?course_id=not-a-uuid", 400),
        ("/api/v1/analytics/user-progress?user_id=42", 400),
        ("/api/v1/analytics/user-progress?per_page=500", 422),
        ("/api/v1/analytics/completion-rates?page=0", 422),
        ("/api/v1/analytics/course-progress?per_page=0", 422),
    ];
    for (path, status) in cases {
        let r = s.get(path, Some(&admin)).await;
        assert_eq!(r.status, status, "{engine:?} {path}: {:?}", r.body);
        assert_eq!(
            r.headers["content-type"], "application/problem+json",
            "{path}"
        );
        assert!(
            r.body["code"].is_string() && r.body["detail"].is_string(),
            "{path}"
        );
    }
    // The widest allowed window and series answer.
    for path in [
        "/api/v1/analytics/course-engagement?from=2023-04-01&to=2026-03-31",
        "/api/v1/analytics/activity?interval=day&points=731&horizon=52",
        "/api/v1/analytics/activity?interval=week&points=261&horizon=52",
    ] {
        assert_eq!(s.get(path, Some(&admin)).await.status, 200, "{path}");
    }
    s.stop().await;
}

/// The events of one learner in `course`, oldest first: `(kind, metadata)`.
async fn events_of(db: &DatabaseConnection, u: &str, course: &str) -> Vec<(String, Value)> {
    activity_event::Entity::find()
        .filter(activity_event::Column::UserId.eq(Uuid::parse_str(u).expect("uuid")))
        .filter(activity_event::Column::CourseId.eq(Uuid::parse_str(course).expect("uuid")))
        .order_by_asc(activity_event::Column::Id)
        .all(db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| (e.kind, e.metadata))
        .collect()
}

engine_tests!(learning_records_its_events);
async fn learning_records_its_events(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;
    let slug = "hs-codes-and-market-research";
    let detail: CourseDetail = decode(&s.get(&format!("/api/v1/courses/{slug}"), None).await);
    let course_id = detail.course.id.clone();
    let t = s.learner("dewi@example.id").await;
    let tok = Some(t.access_token.as_str());
    let me = s.get("/api/v1/users/me", tok).await.body["id"]
        .as_str()
        .expect("id")
        .to_string();

    // Refused requests record nothing.
    let items: Vec<_> = detail
        .outline
        .iter()
        .flat_map(|x| x.items.clone())
        .collect();
    let first = &items[0];
    let path = |id: &str| format!("/api/v1/courses/{course_id}/contents/{id}");
    assert_eq!(
        s.get(&path(&first.id), tok).await.status,
        403,
        "not enrolled"
    );
    assert!(events_of(&s.db.db, &me, &course_id).await.is_empty());

    assert_eq!(
        s.post(&format!("/api/v1/courses/{slug}/enroll"), tok, json!({}))
            .await
            .status,
        201
    );
    assert_eq!(
        s.post(&format!("/api/v1/courses/{slug}/enroll"), tok, json!({}))
            .await
            .status,
        200
    );
    assert_eq!(s.get(&path(&first.id), tok).await.status, 200);
    // The right answers, from the seed file.
    let docs = pintar_server::learning::seed::documents().expect("seed documents");
    let doc = docs.iter().find(|d| d.slug == slug).expect("seed course");
    let right: Vec<Vec<u32>> = doc
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| i.quiz.as_ref())
        .expect("a quiz")
        .questions
        .iter()
        .map(|q| q.answers.clone())
        .collect();
    let wrong: Vec<Vec<u32>> = right.iter().map(|_| vec![]).collect();
    for item in &items {
        if item.kind.as_str() == "quiz" {
            let r = s
                .post(
                    &format!("{}/attempts", path(&item.id)),
                    tok,
                    json!({"answers": wrong}),
                )
                .await;
            assert_eq!(
                (r.status, r.body["passed"].as_bool()),
                (201, Some(false)),
                "{:?}",
                r.body
            );
            let r = s
                .post(
                    &format!("{}/attempts", path(&item.id)),
                    tok,
                    json!({"answers": right}),
                )
                .await;
            assert_eq!(
                (r.status, r.body["passed"].as_bool()),
                (201, Some(true)),
                "{:?}",
                r.body
            );
        } else {
            let r = s
                .post(&format!("{}/complete", path(&item.id)), tok, json!({}))
                .await;
            assert_eq!(r.status, 200, "{:?}", r.body);
            // Completing again changes nothing and records nothing.
            assert_eq!(
                s.post(&format!("{}/complete", path(&item.id)), tok, json!({}))
                    .await
                    .status,
                200
            );
        }
    }
    let events = events_of(&s.db.db, &me, &course_id).await;
    let kinds: Vec<&str> = events.iter().map(|(k, _)| k.as_str()).collect();
    let mut expected = vec!["enrolled", "content_opened"];
    for item in &items {
        if item.kind.as_str() == "quiz" {
            expected.extend(["quiz_attempted", "quiz_attempted", "content_completed"]);
        } else {
            expected.push("content_completed");
        }
    }
    expected.push("course_completed");
    assert_eq!(kinds, expected, "{engine:?}");
    let scores: Vec<(f64, bool)> = events
        .iter()
        .filter(|(k, _)| k == "quiz_attempted")
        .map(|(_, m)| {
            (
                m["score"].as_f64().expect("score"),
                m["passed"].as_bool().expect("passed"),
            )
        })
        .collect();
    assert_eq!(scores, [(0.0, false), (100.0, true)]);

    // And the analytics see them: today, one enrolment and one completion.
    let admin = s.admin("kepala@example.id").await;
    let p: Page<UserCourseProgress> = decode(
        &s.get(
            &format!("/api/v1/analytics/user-progress?user_id={me}"),
            Some(&admin),
        )
        .await,
    );
    assert_eq!(
        (p.items[0].percent, p.items[0].next.is_none()),
        (100.0, true)
    );
    let a: ActivitySeries = decode(
        &s.get(
            "/api/v1/analytics/activity?metric=completions&points=1&forecast=false",
            Some(&admin),
        )
        .await,
    );
    assert_eq!(a.points[0].value, 1.0);
    s.stop().await;
}
