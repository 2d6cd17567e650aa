//! Platform analytics under load: 10,000 learners and 200,000 events, p50/p99 latency of each
//! endpoint through a real server on loopback (rate limits off), on SQLite and PostgreSQL.
//!
//! `cargo bench -p pintar-server --bench platform_analytics [-- sqlite|postgres] [-- --requests N]`
//! PostgreSQL: `PINTAR_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! must allow creating a throw-away database.

#![allow(missing_docs)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use pintar_server::setup::app;
use pintar_server::storage::entities::{
    activity_event, content, content_progress, course, enrollment, section, user,
};
use pintar_server::{AppState, Settings, storage};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, TransactionTrait};
use std::time::Instant;
use uuid::Uuid;

const LEARNERS: usize = 10_000;
const EVENTS: usize = 200_000;
const COURSES: usize = 8;
const SECTIONS: usize = 3;
const ITEMS_PER_SECTION: usize = 4;
const ENROLMENTS_PER_LEARNER: usize = 2;
const CHUNK: usize = 1_000;
const PASSWORD: &str = "bench-password-2026";

/// The last day of the seeded history.
fn last_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

/// A small deterministic generator (SplitMix64), so every run seeds the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

async fn insert_chunks<E, A>(db: &DatabaseConnection, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let txn = db.begin().await.expect("begin");
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(CHUNK).collect();
        E::insert_many(chunk)
            .exec_without_returning(&txn)
            .await
            .expect("insert");
    }
    txn.commit().await.expect("commit");
}

async fn seed(db: &DatabaseConnection) {
    use sea_orm::Set;
    let mut rng = Rng(8);
    let start = Utc
        .with_ymd_and_hms(2025, 11, 26, 0, 0, 0)
        .single()
        .expect("start");
    let span_secs = 365 * 86_400;
    let when = |rng: &mut Rng| start + Duration::seconds(rng.below(span_secs) as i64);

    let users: Vec<Uuid> = (0..LEARNERS).map(|_| Uuid::now_v7()).collect();
    insert_chunks(
        db,
        users
            .iter()
            .enumerate()
            .map(|(i, id)| user::ActiveModel {
                id: Set(*id),
                email: Set(format!("learner{i}@bench.example")),
                password_hash: Set("!".into()),
                display_name: Set(format!("Learner {i}")),
                role: Set("public".into()),
                is_active: Set(true),
                created_at: Set(start),
                updated_at: Set(start),
                last_login_at: Set(None),
                email_verified_at: Set(None),
            })
            .collect(),
    )
    .await;

    let mut courses = Vec::new(); // (course, [(section, [item])])
    let mut course_rows = Vec::new();
    let mut section_rows = Vec::new();
    let mut item_rows = Vec::new();
    for c in 0..COURSES {
        let cid = Uuid::now_v7();
        course_rows.push(course::ActiveModel {
            id: Set(cid),
            slug: Set(format!("bench-course-{c}")),
            title: Set(format!("Bench course {c}")),
            summary: Set("S".into()),
            description: Set("D".into()),
            level: Set("beginner".into()),
            tags: Set(serde_json::json!([])),
            estimated_minutes: Set(60),
            status: Set("published".into()),
            created_by: Set(None),
            created_at: Set(start),
            updated_at: Set(start),
            published_at: Set(Some(start)),
        });
        let mut items = Vec::new();
        for s in 0..SECTIONS {
            let sid = Uuid::now_v7();
            section_rows.push(section::ActiveModel {
                id: Set(sid),
                course_id: Set(cid),
                title: Set(format!("Section {s}")),
                position: Set(s as i32),
                created_at: Set(start),
                updated_at: Set(start),
            });
            for i in 0..ITEMS_PER_SECTION {
                let iid = Uuid::now_v7();
                item_rows.push(content::ActiveModel {
                    id: Set(iid),
                    section_id: Set(sid),
                    course_id: Set(cid),
                    kind: Set("lesson".into()),
                    title: Set(format!("Item {s}.{i}")),
                    body: Set(Some("B".into())),
                    video_url: Set(None),
                    quiz: Set(None),
                    pass_mark: Set(None),
                    max_attempts: Set(None),
                    position: Set(i as i32),
                    estimated_minutes: Set(5),
                    created_at: Set(start),
                    updated_at: Set(start),
                });
                items.push(iid);
            }
        }
        courses.push((cid, items));
    }
    insert_chunks(db, course_rows).await;
    insert_chunks(db, section_rows).await;
    insert_chunks(db, item_rows).await;

    // Enrolments with a random prefix of each course done; a fifth complete the course.
    let mut enrolments = Vec::new();
    let mut progress = Vec::new();
    let mut pairs = Vec::new();
    for u in &users {
        let first = rng.below(COURSES);
        for k in 0..ENROLMENTS_PER_LEARNER {
            let (cid, items) = &courses[(first + k) % COURSES];
            let enrolled: DateTime<Utc> = when(&mut rng);
            let done = if rng.below(5) == 0 {
                items.len()
            } else {
                rng.below(items.len())
            };
            let completed = (done == items.len())
                .then(|| enrolled + Duration::seconds(rng.below(30 * 86_400) as i64));
            enrolments.push(enrollment::ActiveModel {
                id: Set(Uuid::now_v7()),
                user_id: Set(*u),
                course_id: Set(*cid),
                enrolled_at: Set(enrolled),
                completed_at: Set(completed),
                certificate_code: Set(completed.map(|_| format!("PE-{}", Uuid::now_v7().simple()))),
            });
            for item in &items[..done] {
                progress.push(content_progress::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    user_id: Set(*u),
                    course_id: Set(*cid),
                    content_id: Set(*item),
                    completed_at: Set(Some(enrolled + Duration::hours(1))),
                    last_accessed_at: Set(enrolled + Duration::hours(1)),
                });
            }
            pairs.push((*u, *cid, items.clone()));
        }
    }
    let (n_enrolments, n_progress) = (enrolments.len(), progress.len());
    insert_chunks(db, enrolments).await;
    insert_chunks(db, progress).await;

    // Events: one enrolment each, the rest opens (60 %), completions (25 %), quiz attempts
    // (14 %) and course completions (1 %), over the year.
    let mut events = Vec::with_capacity(EVENTS);
    for (u, cid, _) in &pairs {
        events.push((*u, *cid, None, "enrolled", serde_json::json!({})));
    }
    while events.len() < EVENTS {
        let (u, cid, items) = &pairs[rng.below(pairs.len())];
        let item = items[rng.below(items.len())];
        let roll = rng.below(100);
        let (kind, meta) = match roll {
            0..60 => ("content_opened", serde_json::json!({})),
            60..85 => ("content_completed", serde_json::json!({})),
            85..99 => {
                let score = rng.below(101) as f64;
                (
                    "quiz_attempted",
                    serde_json::json!({"score": score, "passed": score >= 70.0}),
                )
            }
            _ => ("course_completed", serde_json::json!({})),
        };
        events.push((*u, *cid, Some(item), kind, meta));
    }
    let rows = events
        .into_iter()
        .map(|(u, cid, item, kind, meta)| activity_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(Some(u)),
            kind: Set(kind.into()),
            course_id: Set(Some(cid)),
            content_id: Set(item),
            metadata: Set(meta),
            created_at: Set(when(&mut rng)),
        })
        .collect();
    insert_chunks(db, rows).await;
    println!(
        "seeded {LEARNERS} learners, {COURSES} courses, {n_enrolments} enrolments, {n_progress} progress rows, {EVENTS} events"
    );
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn run(engine: &str, requests: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin_url = std::env::var("PINTAR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (url, pg_name) = match engine {
        "sqlite" => (storage::sqlite_url(dir.path()), None),
        _ => {
            let name = format!("pintar_bench_{}", Uuid::now_v7().simple());
            let admin = Database::connect(&admin_url).await.expect("PostgreSQL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create database");
            let base = &admin_url[..admin_url.rfind('/').expect("database in URL")];
            (format!("{base}/{name}"), Some(name))
        }
    };
    let db = storage::connect(&url).await.expect("connect");
    storage::migrate(&db).await.expect("migrate");
    let t = Instant::now();
    seed(&db).await;
    // Fresh statistics for the planner, as after any bulk load (both engines spell it so).
    db.execute_unprepared("ANALYZE").await.expect("analyze");
    println!("{engine}: seeding took {:.1} s", t.elapsed().as_secs_f64());
    pintar_server::accounts::bootstrap::create_admin(&db, "admin@bench.example", PASSWORD)
        .await
        .expect("admin");

    let settings = Settings {
        rate_limit_enabled: false,
        database_url: Some(url.clone()),
        ..Settings::default()
    };
    let limiter = pintar_server::http::ratelimit::RateLimiter::connect(&settings)
        .await
        .expect("limiter");
    let keys = pintar_server::auth::AuthKeys::new(b"bench-secret-bench-secret-bench-secret")
        .expect("keys");
    let state = AppState::new(db.clone(), settings, keys)
        .expect("state")
        .with_limiter(limiter);
    let router = pintar_server::router(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app::serve(listener, router, async {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });
    let client = reqwest::Client::new();
    let tokens: serde_json::Value = client
        .post(format!("http://{addr}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "admin@bench.example", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("tokens");
    let token = tokens["access_token"].as_str().expect("token").to_string();
    let some_user: (Uuid,) = {
        let u = user::Entity::find()
            .one(&db)
            .await
            .expect("user")
            .expect("a user");
        (u.id,)
    };
    let to = last_day();
    let from = to - Duration::days(364);
    let endpoints = [
        format!("/api/v1/analytics/user-progress?user_id={}", some_user.0),
        "/api/v1/analytics/user-progress?per_page=100&page=50".to_string(),
        "/api/v1/analytics/course-progress".to_string(),
        format!("/api/v1/analytics/course-engagement?from={from}&to={to}"),
        "/api/v1/analytics/completion-rates".to_string(),
        format!(
            "/api/v1/analytics/activity?metric=active_learners&interval=day&points=365&horizon=30&to={to}"
        ),
        format!(
            "/api/v1/analytics/activity?metric=content_opens&interval=week&points=52&horizon=12&to={to}"
        ),
    ];
    println!("| {engine} endpoint | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|");
    for path in &endpoints {
        let mut times = Vec::with_capacity(requests);
        for i in 0..requests + 5 {
            let t = Instant::now();
            let res = client
                .get(format!("http://{addr}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), 200, "{path}");
            let _ = res.bytes().await.expect("body");
            // The first few warm the caches and the connection pool.
            if i >= 5 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| `{}` | {:.1} | {:.1} | {:.1} |",
            path.trim_start_matches("/api/v1/analytics/"),
            percentile(&times, 50.0),
            percentile(&times, 99.0),
            times[times.len() - 1]
        );
    }
    let _ = stop.send(());
    let _ = server.await;
    let _ = db.close().await;
    if let Some(name) = pg_name {
        let admin = Database::connect(&admin_url).await.expect("PostgreSQL");
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let requests = args
        .iter()
        .position(|a| a == "--requests")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let wanted: Vec<&str> = ["sqlite", "postgres"]
        .into_iter()
        .filter(|e| {
            !args.iter().any(|a| a == "sqlite" || a == "postgres") || args.iter().any(|a| a == e)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for engine in wanted {
        rt.block_on(run(engine, requests));
    }
}
