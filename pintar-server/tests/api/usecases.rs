//! The rules, tested where they live: the use cases of each domain module, called directly
//! (no HTTP) with actors of every kind, on both engines. The HTTP tests check that the API
//! and the pages reach these same rules.

use crate::support;
use pintar_server::engine_tests;

use futures_util::stream;
use pintar_core::api::{
    ActivityMetric, AdminUserUpdate, ContentKind, CourseDetail, CourseOrder, CoursePatch,
    CreateApiKeyRequest, NewCourse, RegisterRequest, Role, Scope, SectionOrder,
};
use pintar_server::analysis::input::Declared;
use pintar_server::analysis::submit;
use pintar_server::auth::AuthKeys;
use pintar_server::error::ServerError;
use pintar_server::insights::figures::UserProgressQuery;
use pintar_server::learning::{authoring, enrollment, seed};
use pintar_server::paging::PageParams;
use pintar_server::policy::{Actor, Caller, Origin, Scopes, Via};
use pintar_server::{AppState, Settings, accounts, insights};
use support::{Engine, TEST_JWT_SECRET, TestDb};
use uuid::Uuid;

/// The domain's contexts over a fresh database (no server, no HTTP).
struct Domain {
    db: TestDb,
    state: AppState,
}

impl Domain {
    async fn new(engine: Engine) -> Self {
        let db = TestDb::new(engine).await;
        let keys = AuthKeys::new(TEST_JWT_SECRET).expect("keys");
        let state = AppState::new(db.db.clone(), Settings::default(), keys).expect("state");
        Self { db, state }
    }

    /// A new account with `role`, signed in (a session actor).
    async fn person(&self, email: &str, role: Role) -> Actor {
        let req = RegisterRequest {
            email: email.into(),
            password: support::PASSWORD.into(),
            display_name: None,
        };
        let profile = accounts::account::register(&self.state.accounts, &Actor::default(), req)
            .await
            .expect("registered");
        let id = Uuid::parse_str(&profile.id).expect("id");
        // Confirmed, as the link in the registration email would.
        accounts::recovery::verify_by_operator(&self.db.db, email)
            .await
            .expect("verified");
        if role == Role::Admin {
            accounts::bootstrap::create_admin(&self.db.db, email, support::PASSWORD)
                .await
                .expect("admin");
        }
        let caller = Caller {
            id,
            role,
            via: Via::Session {
                sid: Uuid::now_v7(),
            },
        };
        Actor::new(Some(caller), Origin::default())
    }

    async fn done(self) {
        self.db.cleanup().await;
    }
}

/// The same account acting through an API key with `scopes`.
fn with_key(actor: &Actor, scopes: &[Scope]) -> Actor {
    let c = actor.caller.expect("signed in");
    Actor::new(
        Some(Caller {
            via: Via::ApiKey {
                id: Uuid::now_v7(),
                scopes: Scopes::of(scopes.iter().copied()),
            },
            ..c
        }),
        Origin::default(),
    )
}

fn status(e: &ServerError) -> &'static str {
    match e {
        ServerError::Unauthorized(_) => "401",
        ServerError::Forbidden(_) => "403",
        ServerError::NotFound(_) => "404",
        ServerError::Conflict(_) => "409",
        ServerError::Validation(_) => "422",
        _ => "other",
    }
}

fn items(d: &CourseDetail, kind: ContentKind) -> Vec<String> {
    d.outline
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.kind == kind)
        .map(|i| i.id.clone())
        .collect()
}

/// The right answers of the seed quiz in `slug`, from the seed file itself.
fn right_answers(slug: &str) -> Vec<Vec<u32>> {
    let docs = seed::documents().expect("seed documents");
    let doc = docs.iter().find(|d| d.slug == slug).expect("seed course");
    let quiz = doc
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| i.quiz.as_ref())
        .expect("a quiz");
    quiz.questions.iter().map(|q| q.answers.clone()).collect()
}

engine_tests!(studying_follows_the_rules);
async fn studying_follows_the_rules(engine: Engine) {
    let d = Domain::new(engine).await;
    seed::seed_demo(&d.db.db).await.expect("seed");
    let ctx = &d.state.learning;
    let learner = d.person("siti@example.id", Role::Public).await;
    let slug = "incoterms-2020";

    // Enrolling is idempotent; the course's items need enrolment first.
    let outline = enrollment::view_course(ctx, &learner, slug)
        .await
        .expect("outline");
    assert!(!outline.enrolled);
    let lesson = items(&outline, ContentKind::Lesson)[0].clone();
    let quiz = items(&outline, ContentKind::Quiz)[0].clone();
    let e = enrollment::open_item(ctx, &learner, slug, &lesson)
        .await
        .expect_err("not enrolled");
    assert_eq!(status(&e), "403");
    let first = enrollment::enroll(ctx, &learner, slug)
        .await
        .expect("enrol");
    assert!(first.created);
    let again = enrollment::enroll(ctx, &learner, slug)
        .await
        .expect("again");
    assert!(!again.created, "enrolling twice is the same enrolment");

    // Opening is not completing; a quiz completes only by being passed.
    let opened = enrollment::open_item(ctx, &learner, slug, &lesson)
        .await
        .expect("open");
    assert!(opened.item.body.is_some() && opened.item.completed_at.is_none());
    let e = enrollment::complete_item(ctx, &learner, slug, &quiz)
        .await
        .expect_err("a quiz");
    assert_eq!(status(&e), "409");

    // A wrong attempt: graded, no answers revealed while attempts are left.
    let right = right_answers(slug);
    let wrong: Vec<Vec<u32>> = right
        .iter()
        .map(|a| vec![u32::from(a.first() != Some(&0))])
        .collect();
    let r = enrollment::submit_attempt(ctx, &learner, slug, &quiz, wrong)
        .await
        .expect("attempt");
    assert!(!r.passed);
    assert!(
        r.questions.iter().all(|q| q.correct_answers.is_none()),
        "answers stay hidden until passed or out of attempts"
    );
    // Answers that do not fit the questions are refused, naming the field.
    let e = enrollment::submit_attempt(ctx, &learner, slug, &quiz, vec![vec![0]])
        .await
        .expect_err("too few");
    assert_eq!(status(&e), "422");

    // Every item done: the course completes with a certificate, and cannot be left.
    let r = enrollment::submit_attempt(ctx, &learner, slug, &quiz, right)
        .await
        .expect("pass");
    assert!(r.passed);
    let mut progress = r.progress;
    for id in items(&outline, ContentKind::Lesson)
        .into_iter()
        .chain(items(&outline, ContentKind::Video))
    {
        progress = enrollment::complete_item(ctx, &learner, slug, &id)
            .await
            .expect("complete");
    }
    assert_eq!(progress.completed, progress.total);
    let code = progress.certificate_code.expect("certificate");
    let cert = enrollment::certificate(ctx, &Actor::default(), &code.to_lowercase())
        .await
        .expect("anyone verifies a certificate, however it is typed");
    assert_eq!(cert.course_id, outline.course.id);
    let e = enrollment::leave(ctx, &learner, slug)
        .await
        .expect_err("completed");
    assert_eq!(status(&e), "409");
    let dash = enrollment::dashboard(ctx, &learner, 10)
        .await
        .expect("dashboard");
    assert_eq!(dash.courses.len(), 1);
    assert!(dash.resume.is_none(), "nothing left to continue");
    d.done().await;
}

engine_tests!(every_use_case_authorizes_its_actor);
async fn every_use_case_authorizes_its_actor(engine: Engine) {
    let d = Domain::new(engine).await;
    seed::seed_demo(&d.db.db).await.expect("seed");
    let ctx = &d.state.learning;
    let anonymous = Actor::default();
    let learner = d.person("budi@example.id", Role::Public).await;
    let admin = d.person("admin@example.id", Role::Admin).await;
    let slug = "incoterms-2020";

    let e = enrollment::enroll(ctx, &anonymous, slug)
        .await
        .expect_err("anonymous");
    assert_eq!(status(&e), "401");
    assert!(enrollment::view_course(ctx, &anonymous, slug).await.is_ok());

    // A key reaches only its scopes.
    let reader = with_key(&learner, &[Scope::CoursesRead]);
    assert!(enrollment::view_course(ctx, &reader, slug).await.is_ok());
    let e = enrollment::enroll(ctx, &reader, slug)
        .await
        .expect_err("no learning scope");
    assert_eq!(status(&e), "403");
    let studier = with_key(&learner, &[Scope::Learning]);
    let e = enrollment::view_course(ctx, &studier, slug)
        .await
        .expect_err("no courses:read scope");
    assert_eq!(status(&e), "403");
    assert!(enrollment::enroll(ctx, &studier, slug).await.is_ok());

    // Authoring is for admins in a session; an admin's key is a machine, not an admin.
    let new = || NewCourse {
        slug: "hs-basics".into(),
        title: "HS basics".into(),
        summary: "Six digits".into(),
        description: String::new(),
        level: pintar_core::api::CourseLevel::Beginner,
        tags: Vec::new(),
        estimated_minutes: None,
    };
    let e = authoring::create(ctx, &learner, new())
        .await
        .expect_err("learner");
    assert_eq!(status(&e), "403");
    let e = authoring::create(ctx, &with_key(&admin, &Scope::ALL), new())
        .await
        .expect_err("admin's key");
    assert_eq!(status(&e), "401");
    let draft = authoring::create(ctx, &admin, new()).await.expect("admin");
    // A draft is invisible to learners, visible to the admin who made it.
    let e = enrollment::view_course(ctx, &learner, "hs-basics")
        .await
        .expect_err("draft");
    assert_eq!(status(&e), "404");
    assert_eq!(
        enrollment::view_course(ctx, &admin, "hs-basics")
            .await
            .expect("admin sees drafts")
            .course
            .id,
        draft.course.id
    );

    // An upload is refused before a byte is read.
    let never = stream::poll_fn(|_| -> std::task::Poll<Option<Result<Vec<u8>, String>>> {
        panic!("the upload was read before the actor was checked")
    });
    let e = submit::receive(&d.state.analysis, &anonymous, never, Declared::default())
        .await
        .expect_err("anonymous");
    assert_eq!(status(&e), "401");

    // Insights: one's own progress; another's for admins only; aggregates for developers.
    let other = UserProgressQuery {
        user_id: admin.id(),
    };
    let e = insights::user_progress(&d.state.insights, &learner, other, PageParams::default())
        .await
        .expect_err("someone else's");
    assert_eq!(status(&e), "403");
    let mine = UserProgressQuery {
        user_id: learner.id(),
    };
    assert!(
        insights::user_progress(&d.state.insights, &admin, mine, PageParams::default())
            .await
            .is_ok()
    );
    let e = insights::course_progress(&d.state.insights, &learner, PageParams::default())
        .await
        .expect_err("learner");
    assert_eq!(status(&e), "403");
    let q = insights::ActivityQuery {
        metric: Some(ActivityMetric::Enrollments),
        forecast: Some(false),
        ..Default::default()
    };
    let series = insights::activity(&d.state.insights, &admin, q)
        .await
        .expect("admin");
    assert!(
        series.points.iter().any(|p| p.value > 0.0),
        "the enrolment counts"
    );
    d.done().await;
}

engine_tests!(authoring_changes_reach_readers_at_once);
async fn authoring_changes_reach_readers_at_once(engine: Engine) {
    let d = Domain::new(engine).await;
    seed::seed_demo(&d.db.db).await.expect("seed");
    let ctx = &d.state.learning;
    let admin = d.person("admin@example.id", Role::Admin).await;
    let learner = d.person("ani@example.id", Role::Public).await;
    let slug = "incoterms-2020";

    // Read once (now cached), change, read again: the change shows at once.
    let before = enrollment::view_course(ctx, &learner, slug)
        .await
        .expect("outline");
    let patch = CoursePatch {
        title: Some("Incoterms, renamed".into()),
        ..CoursePatch::default()
    };
    authoring::update(ctx, &admin, slug, patch)
        .await
        .expect("update");
    let after = enrollment::view_course(ctx, &learner, slug)
        .await
        .expect("outline");
    assert_eq!(after.course.title, "Incoterms, renamed");
    assert!(
        ctx.catalog
            .published(&ctx.db)
            .await
            .expect("catalogue")
            .iter()
            .any(|c| c.title == "Incoterms, renamed")
    );
    let section = before.outline[0].id.clone();
    authoring::rename_section(ctx, &admin, &section, "Basics")
        .await
        .expect("rename");
    let after = enrollment::view_course(ctx, &learner, slug)
        .await
        .expect("outline");
    assert_eq!(after.outline[0].title, "Basics");

    // The order must list every section and item exactly once.
    let mut order = CourseOrder {
        sections: after
            .outline
            .iter()
            .map(|s| SectionOrder {
                id: s.id.clone(),
                items: s.items.iter().map(|i| i.id.clone()).collect(),
            })
            .collect(),
    };
    order.sections[0].items.pop();
    let e = authoring::reorder(ctx, &admin, slug, order)
        .await
        .expect_err("an item left out");
    assert_eq!(status(&e), "422");

    // A course with learners cannot be deleted; an empty one cannot be published.
    enrollment::enroll(ctx, &learner, slug)
        .await
        .expect("enrol");
    let e = authoring::delete(ctx, &admin, slug)
        .await
        .expect_err("learners");
    assert_eq!(status(&e), "409");
    let empty = NewCourse {
        slug: "empty".into(),
        title: "Empty".into(),
        summary: "Nothing yet".into(),
        description: String::new(),
        level: pintar_core::api::CourseLevel::Beginner,
        tags: Vec::new(),
        estimated_minutes: None,
    };
    authoring::create(ctx, &admin, empty).await.expect("create");
    let e = authoring::publish(ctx, &admin, "empty")
        .await
        .expect_err("no items");
    assert_eq!(status(&e), "409");
    // Archived: out of the catalogue, still open to those enrolled.
    authoring::archive(ctx, &admin, slug)
        .await
        .expect("archive");
    assert!(enrollment::view_course(ctx, &learner, slug).await.is_ok());
    let stranger = d.person("joko@example.id", Role::Public).await;
    let e = enrollment::view_course(ctx, &stranger, slug)
        .await
        .expect_err("archived");
    assert_eq!(status(&e), "404");
    d.done().await;
}

engine_tests!(account_rules_hold);
async fn account_rules_hold(engine: Engine) {
    let d = Domain::new(engine).await;
    let ctx = &d.state.accounts;
    let learner = d.person("dewi@example.id", Role::Public).await;
    let admin = d.person("admin@example.id", Role::Admin).await;
    let req = CreateApiKeyRequest {
        name: "ci".into(),
        ..CreateApiKeyRequest::default()
    };

    // Keys need the developer role (as stored now) and a session.
    let e = accounts::keys::create(ctx, &learner, &req)
        .await
        .expect_err("learner");
    assert_eq!(status(&e), "403");
    let first = accounts::account::upgrade(ctx, &learner)
        .await
        .expect("upgrade");
    assert!(first.key.starts_with("pk_"));
    let e = accounts::account::upgrade(ctx, &learner)
        .await
        .expect_err("twice");
    assert_eq!(status(&e), "409");
    let developer = Actor::new(
        learner.caller.map(|c| Caller {
            role: Role::Developer,
            ..c
        }),
        Origin::default(),
    );
    let e = accounts::keys::create(ctx, &with_key(&developer, &Scope::ALL), &req)
        .await
        .expect_err("a key making a key");
    assert_eq!(status(&e), "401");
    accounts::keys::create(ctx, &developer, &req)
        .await
        .expect("developer");
    assert_eq!(
        accounts::keys::list(ctx, &developer)
            .await
            .expect("keys")
            .len(),
        2
    );

    // An admin cannot change their own account; demoting a developer revokes their keys.
    let own = admin.id().expect("id").to_string();
    let e = accounts::admin::update_user(
        ctx,
        &admin,
        &own,
        AdminUserUpdate {
            role: Some(Role::Public),
            is_active: None,
        },
    )
    .await
    .expect_err("own account");
    assert_eq!(status(&e), "409");
    let dev_id = developer.id().expect("id").to_string();
    let demoted = accounts::admin::update_user(
        ctx,
        &admin,
        &dev_id,
        AdminUserUpdate {
            role: Some(Role::Public),
            is_active: None,
        },
    )
    .await
    .expect("demote");
    assert_eq!(demoted.role, Role::Public);
    let keys = accounts::keys::list(ctx, &developer)
        .await
        .expect("still readable with a stale role in this test's actor");
    assert!(keys.iter().all(|k| k.revoked_at.is_some()), "{keys:?}");
    d.done().await;
}
