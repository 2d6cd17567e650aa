//! Every route against every kind of caller: anonymous, learner, developer, admin, an API key
//! of each scope, an admin's key, a revoked key, a malformed key and an expired token. The table must cover every operation in the OpenAPI
//! document, so a new route without a declared audience fails this test.
//!
//! A caller who is let through must get the route's own answer, stated exactly in the table:
//! the fixtures below give every route something real to act on (a draft course to edit and
//! publish, a course to delete, a certificate to verify, each caller's own runs and keys), so
//! almost every allowed call succeeds (2xx), and the few that cannot say why.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{CourseDetail, Role, TokenResponse, UserProfile};
use pintar_server::auth::{AuthKeys, Claims};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use support::{Engine, PASSWORD, TEST_JWT_SECRET, TestServer};
use uuid::Uuid;

/// Who a route lets through (written here again, apart from the server's own table in
/// `auth::access`, so that a change to either is caught).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Anyone; credentials, when sent, must be valid.
    Open,
    /// Credentials travel in the body (refresh token, password): never 403.
    BodyCredentials,
    /// Anyone; an API key needs `courses:read`.
    Catalog,
    /// Any signed-in caller or any API key (the caller's own profile).
    Identity,
    /// Any signed-in caller; an API key needs `learning`.
    Learning,
    /// A signed-in session of any role; API keys refused.
    Session,
    /// A signed-in developer or admin; API keys refused.
    DeveloperSession,
    /// A signed-in admin; API keys refused.
    AdminSession,
    /// Any signed-in caller; an API key needs `analytics`.
    Analytics,
    /// A signed-in developer or admin; an API key needs `analytics` (aggregates).
    AnalyticsAggregates,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    Learner,
    Developer,
    Admin,
    /// A developer's key with only `analytics`.
    KeyAnalytics,
    /// A developer's key with only `courses:read`.
    KeyCoursesRead,
    /// A developer's key with only `learning`.
    KeyLearning,
    /// An admin's key with every scope.
    AdminKey,
    RevokedKey,
    /// A key that is not even shaped like one.
    JunkKey,
    ExpiredToken,
}

const CALLERS: [Caller; 11] = [
    Caller::Anonymous,
    Caller::Learner,
    Caller::Developer,
    Caller::Admin,
    Caller::KeyAnalytics,
    Caller::KeyCoursesRead,
    Caller::KeyLearning,
    Caller::AdminKey,
    Caller::RevokedKey,
    Caller::JunkKey,
    Caller::ExpiredToken,
];

/// What must happen: let through (and then answered with the route's status for this
/// caller, [`Route::status_for`]), 401 or 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Through,
    Unauthorized,
    Forbidden,
}

fn expected(a: Audience, c: Caller) -> Outcome {
    use Audience::*;
    use Caller::*;
    use Outcome::*;
    let allow = |yes: bool| if yes { Through } else { Forbidden };
    match c {
        RevokedKey | JunkKey | ExpiredToken => Unauthorized,
        Anonymous => match a {
            Open | BodyCredentials | Catalog => Through,
            _ => Unauthorized,
        },
        KeyAnalytics | KeyCoursesRead | KeyLearning | AdminKey => match a {
            Open | BodyCredentials | Identity => Through,
            Catalog => allow(matches!(c, KeyCoursesRead | AdminKey)),
            Learning => allow(matches!(c, KeyLearning | AdminKey)),
            Analytics | AnalyticsAggregates => allow(matches!(c, KeyAnalytics | AdminKey)),
            // A key is no credential for these: like a missing session, 401.
            Session | DeveloperSession | AdminSession => Unauthorized,
        },
        Learner | Developer | Admin => match a {
            DeveloperSession | AnalyticsAggregates => allow(c != Learner),
            AdminSession => allow(c == Admin),
            _ => Through,
        },
    }
}

/// A path parameter's value.
enum Param {
    /// The same for every caller.
    Same(String),
    /// Each caller's own (a run, a key, an enrolment of theirs); callers without one, whom
    /// the route refuses, name an id that does not exist.
    Own(BTreeMap<Caller, String>),
}

struct Route {
    method: Method,
    /// The template, as in the OpenAPI document.
    template: &'static str,
    audience: Audience,
    /// The template's parameters, from the fixtures.
    params: Vec<(&'static str, Param)>,
    /// `{email}` becomes a new address per call, `{refresh}` a new refresh token.
    body: Option<Value>,
    /// The status every caller let through gets with this test's fixtures...
    status: u16,
    /// ...but these (each explained where it is set).
    except: Vec<(Caller, u16)>,
}

impl Route {
    /// `name` is `value` for every caller.
    fn with(mut self, name: &'static str, value: &str) -> Self {
        self.params.push((name, Param::Same(value.to_string())));
        self
    }

    /// `name` is each caller's own value.
    fn own(mut self, name: &'static str, values: &BTreeMap<Caller, String>) -> Self {
        self.params.push((name, Param::Own(values.clone())));
        self
    }

    fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    fn except(mut self, caller: Caller, status: u16) -> Self {
        self.except.push((caller, status));
        self
    }

    fn status_for(&self, caller: Caller) -> u16 {
        self.except
            .iter()
            .find(|(c, _)| *c == caller)
            .map_or(self.status, |(_, s)| *s)
    }

    fn path(&self, caller: Caller) -> String {
        let mut path = self.template.to_string();
        for (name, value) in &self.params {
            let value = match value {
                Param::Same(v) => v.clone(),
                Param::Own(of) => of
                    .get(&caller)
                    .cloned()
                    .unwrap_or_else(|| Uuid::now_v7().to_string()),
            };
            path = path.replace(name, &value);
        }
        assert!(!path.contains('{'), "{path}: a parameter without a fixture");
        path
    }
}

/// A route whose callers, when let through, get 200 (change it with [`Route::status`]).
fn route(method: Method, template: &'static str, audience: Audience, body: Option<Value>) -> Route {
    Route {
        method,
        template,
        audience,
        params: Vec::new(),
        body,
        status: 200,
        except: Vec::new(),
    }
}

/// What the routes act on, made before the matrix runs.
struct Fixtures {
    /// A published course every signed-in caller is enrolled in (keys act for their owners:
    /// the developer's and the admin's enrolments serve their keys), its first lesson and
    /// its quiz.
    course: String,
    lesson: String,
    quiz: String,
    /// The course each caller leaves: keys leave a second course their owners are enrolled
    /// in, since their owners' sessions left the first one before them.
    leave: BTreeMap<Caller, String>,
    /// A verifiable certificate (another learner completed a one-lesson course).
    certificate: String,
    /// A draft course with two sections (two lessons, one lesson), for the editing routes;
    /// its new order (the sections swapped).
    draft: String,
    sections: [String; 2],
    lessons: [String; 3],
    order: Value,
    /// A course nobody is enrolled in, to delete.
    doomed_course: String,
    /// The learner's id (an admin edits them).
    learner_id: String,
    /// Each session's spare key, to revoke.
    doomed_keys: BTreeMap<Caller, String>,
    /// Each analytics caller's own stored run, to read, and another to delete.
    runs: BTreeMap<Caller, String>,
    doomed_runs: BTreeMap<Caller, String>,
}

/// Every route. Each acts on a fixture the callers it lets through may use, so what they get
/// is the route's success status, unless noted.
fn routes(fx: &Fixtures) -> Vec<Route> {
    use Audience::*;
    let lesson = json!({"kind": "lesson", "title": "T", "body": "B"});
    let doc = json!({"slug": "rbac-import", "title": "T", "summary": "S", "level": "beginner",
                     "sections": [{"title": "S", "items": [lesson]}]});
    let series = json!({"data": [{"date": "2024-01", "value": 1}]});
    vec![
        route(
            Method::POST,
            "/api/v1/auth/register",
            Open,
            Some(json!({"email": "{email}", "password": PASSWORD, "display_name": "N"})),
        )
        .status(201),
        route(
            Method::POST,
            "/api/v1/auth/token",
            BodyCredentials,
            Some(json!({"email": "tamu@example.id", "password": PASSWORD})),
        ),
        route(
            Method::POST,
            "/api/v1/auth/refresh",
            BodyCredentials,
            Some(json!({"refresh_token": "{refresh}"})),
        ),
        route(
            Method::POST,
            "/api/v1/auth/logout",
            BodyCredentials,
            Some(json!({"refresh_token": "{refresh}"})),
        )
        .status(204),
        route(Method::GET, "/api/v1/users/me", Identity, None),
        route(Method::PATCH, "/api/v1/users/me", Session, Some(json!({}))),
        route(
            Method::POST,
            "/api/v1/developer/key",
            DeveloperSession,
            Some(json!({"name": "matrix"})),
        )
        .status(201),
        route(
            Method::GET,
            "/api/v1/developer/keys",
            DeveloperSession,
            None,
        ),
        route(
            Method::DELETE,
            "/api/v1/developer/keys/{id}",
            DeveloperSession,
            None,
        )
        .own("{id}", &fx.doomed_keys)
        .status(204),
        route(Method::GET, "/api/v1/courses", Catalog, None),
        route(Method::GET, "/api/v1/courses/{id}", Catalog, None).with("{id}", &fx.course),
        // Everyone let through is enrolled already: 200 (201 is for a new enrolment).
        route(Method::POST, "/api/v1/courses/{id}/enroll", Learning, None).with("{id}", &fx.course),
        route(Method::GET, "/api/v1/courses/{id}/progress", Learning, None)
            .with("{id}", &fx.course),
        route(
            Method::GET,
            "/api/v1/courses/{id}/contents/{cid}",
            Learning,
            None,
        )
        .with("{id}", &fx.course)
        .with("{cid}", &fx.lesson),
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/complete",
            Learning,
            None,
        )
        .with("{id}", &fx.course)
        .with("{cid}", &fx.lesson),
        // A graded attempt (at most two per account here, within the quiz's three).
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/attempts",
            Learning,
            Some(json!({"answers": [[0], [0], [0], [0], [0]]})),
        )
        .with("{id}", &fx.course)
        .with("{cid}", &fx.quiz)
        .status(201),
        route(Method::GET, "/api/v1/users/me/enrollments", Learning, None),
        route(Method::GET, "/api/v1/certificates/{code}", Catalog, None)
            .with("{code}", &fx.certificate),
        route(Method::GET, "/api/v1/admin/courses", AdminSession, None),
        route(
            Method::POST,
            "/api/v1/admin/courses",
            AdminSession,
            Some(json!({"slug": "rbac-new", "title": "T", "summary": "S", "level": "beginner"})),
        )
        .status(201),
        route(
            Method::POST,
            "/api/v1/admin/courses/import",
            AdminSession,
            Some(doc),
        )
        .status(201),
        route(
            Method::GET,
            "/api/v1/admin/courses/{id}/export",
            AdminSession,
            None,
        )
        .with("{id}", &fx.draft),
        route(
            Method::PATCH,
            "/api/v1/admin/courses/{id}",
            AdminSession,
            Some(json!({})),
        )
        .with("{id}", &fx.draft),
        route(
            Method::DELETE,
            "/api/v1/admin/courses/{id}",
            AdminSession,
            None,
        )
        .with("{id}", &fx.doomed_course)
        .status(204),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/publish",
            AdminSession,
            None,
        )
        .with("{id}", &fx.draft),
        route(
            Method::PUT,
            "/api/v1/admin/courses/{id}/order",
            AdminSession,
            Some(fx.order.clone()),
        )
        .with("{id}", &fx.draft),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/sections",
            AdminSession,
            Some(json!({"title": "S"})),
        )
        .with("{id}", &fx.draft)
        .status(201),
        route(
            Method::PUT,
            "/api/v1/admin/sections/{id}",
            AdminSession,
            Some(json!({"title": "S"})),
        )
        .with("{id}", &fx.sections[0]),
        route(
            Method::DELETE,
            "/api/v1/admin/sections/{id}",
            AdminSession,
            None,
        )
        .with("{id}", &fx.sections[1])
        .status(204),
        route(
            Method::POST,
            "/api/v1/admin/sections/{id}/contents",
            AdminSession,
            Some(lesson.clone()),
        )
        .with("{id}", &fx.sections[0])
        .status(201),
        route(
            Method::GET,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            None,
        )
        .with("{id}", &fx.lessons[0]),
        route(
            Method::PUT,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            Some(lesson),
        )
        .with("{id}", &fx.lessons[0]),
        route(
            Method::DELETE,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            None,
        )
        .with("{id}", &fx.lessons[1])
        .status(204),
        route(Method::GET, "/api/v1/admin/users", AdminSession, None),
        route(
            Method::PATCH,
            "/api/v1/admin/users/{id}",
            AdminSession,
            Some(json!({})),
        )
        .with("{id}", &fx.learner_id),
        route(Method::GET, "/api/v1/admin/audit-logs", AdminSession, None),
        route(
            Method::POST,
            "/api/v1/analytics/analyze",
            Analytics,
            Some(series.clone()),
        ),
        route(
            Method::POST,
            "/api/v1/analytics/quick-analysis",
            Analytics,
            Some(series),
        ),
        route(Method::GET, "/api/v1/analytics/runs", Analytics, None),
        route(Method::GET, "/api/v1/analytics/runs/{id}", Analytics, None).own("{id}", &fx.runs),
        route(
            Method::GET,
            "/api/v1/analytics/runs/{id}/report",
            Analytics,
            None,
        )
        .own("{id}", &fx.runs),
        route(
            Method::DELETE,
            "/api/v1/analytics/runs/{id}",
            Analytics,
            None,
        )
        .own("{id}", &fx.doomed_runs)
        .status(204),
        route(Method::GET, "/api/v1/admin/emails", AdminSession, None),
        route(
            Method::GET,
            "/api/v1/analytics/user-progress",
            Analytics,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/analytics/course-progress",
            AnalyticsAggregates,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/analytics/course-engagement",
            AnalyticsAggregates,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/analytics/completion-rates",
            AnalyticsAggregates,
            None,
        ),
        route(
            Method::GET,
            "/api/v1/analytics/activity",
            AnalyticsAggregates,
            None,
        ),
        // After the learning routes: each caller leaves a course it is enrolled in.
        route(
            Method::DELETE,
            "/api/v1/courses/{id}/enroll",
            Learning,
            None,
        )
        .own("{id}", &fx.leave)
        .status(204),
        // Account recovery: made-up tokens and wrong passwords (422), so nothing changes.
        route(
            Method::POST,
            "/api/v1/auth/verify-email",
            Open,
            Some(json!({"token": "bukan-token"})),
        )
        .status(422),
        // Every account of the matrix is verified already.
        route(
            Method::POST,
            "/api/v1/auth/verify-email/resend",
            Session,
            None,
        )
        .status(409),
        route(
            Method::POST,
            "/api/v1/auth/password-reset",
            Open,
            Some(json!({"email": "tidak-ada@example.id"})),
        )
        .status(202),
        route(
            Method::POST,
            "/api/v1/auth/password-reset/confirm",
            Open,
            Some(json!({"token": "bukan-token", "password": PASSWORD})),
        )
        .status(422),
        route(
            Method::POST,
            "/api/v1/auth/email-change/confirm",
            Open,
            Some(json!({"token": "bukan-token"})),
        )
        .status(422),
        route(
            Method::POST,
            "/api/v1/users/me/email",
            Session,
            Some(json!({"new_email": "{email}", "current_password": "bukan-sandinya-1"})),
        )
        .status(422),
        route(Method::GET, "/api/v1/users/me/sessions", Session, None),
        route(Method::GET, "/api/v1/users/me/export", Session, None),
        route(
            Method::DELETE,
            "/api/v1/users/me",
            Session,
            Some(json!({"current_password": "bukan-sandinya-1"})),
        )
        .status(422),
        route(
            Method::POST,
            "/api/v1/users/me/sessions/end-others",
            Session,
            None,
        ),
        // Last: it changes the learner's stored role (their token keeps saying learner). A
        // developer or an admin has nothing to upgrade to: 409, as documented.
        route(Method::POST, "/api/v1/auth/upgrade-role", Session, None)
            .status(201)
            .except(Caller::Developer, 409)
            .except(Caller::Admin, 409),
    ]
}

struct Credentials {
    learner: String,
    developer: String,
    admin: String,
    key_analytics: String,
    key_courses_read: String,
    key_learning: String,
    admin_key: String,
    revoked: String,
    expired: String,
}

/// `req` as `caller`.
fn as_caller(
    req: reqwest::RequestBuilder,
    caller: Caller,
    creds: &Credentials,
) -> reqwest::RequestBuilder {
    match caller {
        Caller::Anonymous => req,
        Caller::Learner => req.bearer_auth(&creds.learner),
        Caller::Developer => req.bearer_auth(&creds.developer),
        Caller::Admin => req.bearer_auth(&creds.admin),
        Caller::KeyAnalytics => req.header("x-api-key", &creds.key_analytics),
        Caller::KeyCoursesRead => req.header("x-api-key", &creds.key_courses_read),
        Caller::KeyLearning => {
            req.header("authorization", format!("ApiKey {}", creds.key_learning))
        }
        Caller::AdminKey => req.header("x-api-key", &creds.admin_key),
        Caller::RevokedKey => req.header("authorization", format!("ApiKey {}", creds.revoked)),
        Caller::JunkKey => req.header("x-api-key", "pk_junk"),
        Caller::ExpiredToken => req.bearer_auth(&creds.expired),
    }
}

/// Imports and returns a course from a document of `sections` (each a list of lesson titles).
async fn import(s: &TestServer, admin: &str, slug: &str, sections: &[&[&str]]) -> CourseDetail {
    let sections: Vec<Value> = sections
        .iter()
        .map(|lessons| {
            let items: Vec<Value> = lessons
                .iter()
                .map(|t| json!({"kind": "lesson", "title": t, "body": "B"}))
                .collect();
            json!({"title": "S", "items": items})
        })
        .collect();
    let r = s
        .post(
            "/api/v1/admin/courses/import",
            Some(admin),
            json!({"slug": slug, "title": "T", "summary": "S", "level": "beginner",
                   "sections": sections}),
        )
        .await;
    assert_eq!(r.status, 201, "import {slug}: {}", r.body);
    serde_json::from_value(r.body).expect("course")
}

engine_tests!(every_route_against_every_caller);
async fn every_route_against_every_caller(engine: Engine) {
    let s = TestServer::start(engine).await;
    s.seed().await;

    // The callers.
    let learner = s.learner("murid@example.id").await.access_token;
    let dev = s.learner("dev@example.id").await.access_token;
    let up = s
        .post("/api/v1/auth/upgrade-role", Some(&dev), json!({}))
        .await;
    assert_eq!(up.status, 201);
    let developer: TokenResponse = s
        .login("dev@example.id", PASSWORD)
        .await
        .json()
        .await
        .expect("tokens");
    let spare = s
        .post(
            "/api/v1/developer/key",
            Some(&developer.access_token),
            json!({"name": "spare"}),
        )
        .await;
    let revoked = spare.body["key"].as_str().expect("key").to_string();
    let spare_id = spare.body["id"].as_str().expect("id").to_string();
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/developer/keys/{spare_id}"),
            Some(&developer.access_token),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let admin = s.admin("kepala@example.id").await;
    let new_key = |token: String, scopes: Value| {
        let s = &s;
        async move {
            let r = s
                .post(
                    "/api/v1/developer/key",
                    Some(&token),
                    json!({"name": "matrix", "scopes": scopes}),
                )
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            (
                r.body["key"].as_str().expect("key").to_string(),
                r.body["id"].as_str().expect("id").to_string(),
            )
        }
    };
    let dev_token = developer.access_token.clone();
    let (key_analytics, _) = new_key(dev_token.clone(), json!(["analytics"])).await;
    let (key_courses_read, _) = new_key(dev_token.clone(), json!(["courses:read"])).await;
    let (key_learning, _) = new_key(dev_token.clone(), json!(["learning"])).await;
    let (admin_key, _) = new_key(
        admin.clone(),
        json!(["analytics", "courses:read", "learning"]),
    )
    .await;
    let me: UserProfile =
        serde_json::from_value(s.get("/api/v1/users/me", Some(&learner)).await.body).expect("me");
    let expired = AuthKeys::new(TEST_JWT_SECRET)
        .expect("keys")
        .sign(&Claims {
            sub: me.id.clone(),
            role: Role::Admin,
            sid: Uuid::now_v7().to_string(),
            iat: 1,
            exp: 2,
            web: false,
            auth: 0,
        })
        .expect("sign");
    let creds = Credentials {
        learner,
        developer: developer.access_token,
        admin,
        key_analytics,
        key_courses_read,
        key_learning,
        admin_key,
        revoked,
        expired,
    };

    // A course everyone signed in is enrolled in, its first lesson and its quiz; the
    // developer and the admin are enrolled in a second one too (their keys leave that one).
    let slug = "hs-codes-and-market-research";
    let second = "incoterms-2020";
    let detail: CourseDetail =
        serde_json::from_value(s.get(&format!("/api/v1/courses/{slug}"), None).await.body)
            .expect("detail");
    let items: Vec<_> = detail
        .outline
        .iter()
        .flat_map(|x| x.items.clone())
        .collect();
    let lesson = items
        .iter()
        .find(|i| i.kind.as_str() == "lesson")
        .expect("lesson")
        .id
        .clone();
    let quiz = items
        .iter()
        .find(|i| i.kind.as_str() == "quiz")
        .expect("quiz")
        .id
        .clone();
    let enrol = |course: &'static str, token: String| {
        let s = &s;
        async move {
            let r = s
                .post(
                    &format!("/api/v1/courses/{course}/enroll"),
                    Some(&token),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, 201, "enrol in {course}: {}", r.body);
        }
    };
    for t in [&creds.learner, &creds.developer, &creds.admin] {
        enrol(slug, t.clone()).await;
    }
    for t in [&creds.developer, &creds.admin] {
        enrol(second, t.clone()).await;
    }
    let leave = BTreeMap::from([
        (Caller::Learner, slug.to_string()),
        (Caller::Developer, slug.to_string()),
        (Caller::Admin, slug.to_string()),
        (Caller::KeyLearning, second.to_string()),
        (Caller::AdminKey, second.to_string()),
    ]);

    // A certificate: another learner completes a published one-lesson course.
    let a = Some(creds.admin.as_str());
    let short = import(&s, &creds.admin, "rbac-certificate", &[&["Only lesson"]]).await;
    let r = s
        .post(
            &format!("/api/v1/admin/courses/{}/publish", short.course.id),
            a,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "publish: {}", r.body);
    let graduate = s.learner("lulus@example.id").await.access_token;
    enrol("rbac-certificate", graduate.clone()).await;
    let r = s
        .post(
            &format!(
                "/api/v1/courses/rbac-certificate/contents/{}/complete",
                short.outline[0].items[0].id
            ),
            Some(&graduate),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "complete: {}", r.body);
    let certificate = r.body["certificate_code"]
        .as_str()
        .expect("a certificate for the only lesson")
        .to_string();

    // A draft course to edit, and one to delete.
    let draft = import(
        &s,
        &creds.admin,
        "rbac-draft",
        &[&["One", "Two"], &["Three"]],
    )
    .await;
    let sections = [draft.outline[0].id.clone(), draft.outline[1].id.clone()];
    let lessons = [
        draft.outline[0].items[0].id.clone(),
        draft.outline[0].items[1].id.clone(),
        draft.outline[1].items[0].id.clone(),
    ];
    let order = json!({"sections": [
        {"id": sections[1], "items": [lessons[2]]},
        {"id": sections[0], "items": [lessons[0], lessons[1]]},
    ]});
    let doomed_course = import(&s, &creds.admin, "rbac-doomed", &[&["Gone"]])
        .await
        .course
        .id;

    // Each session's spare key, and each analytics caller's own runs (made with its own
    // credentials: a key's runs are its owner's).
    let doomed_keys = BTreeMap::from([
        (
            Caller::Developer,
            new_key(dev_token, json!(["analytics"])).await.1,
        ),
        (
            Caller::Admin,
            new_key(creds.admin.clone(), json!(["analytics"])).await.1,
        ),
    ]);
    let mut runs = BTreeMap::new();
    let mut doomed_runs = BTreeMap::new();
    for caller in [
        Caller::Learner,
        Caller::Developer,
        Caller::Admin,
        Caller::KeyAnalytics,
        Caller::AdminKey,
    ] {
        for into in [&mut runs, &mut doomed_runs] {
            let res = as_caller(
                s.client.post(s.url("/api/v1/analytics/analyze")),
                caller,
                &creds,
            )
            .json(&json!({"data": [{"date": "2024-01", "value": 1}, {"date": "2024-02", "value": 2}]}))
            .send()
            .await
            .expect("send");
            assert_eq!(res.status(), 200, "{caller:?}'s run");
            let id = res.headers()["x-run-id"].to_str().expect("id").to_string();
            into.insert(caller, id);
        }
    }
    let fx = Fixtures {
        course: slug.to_string(),
        lesson,
        quiz,
        leave,
        certificate,
        draft: draft.course.id,
        sections,
        lessons,
        order,
        doomed_course,
        learner_id: me.id,
        doomed_keys,
        runs,
        doomed_runs,
    };
    // The account whose credentials the sign-in routes carry in their bodies.
    assert_eq!(s.register("tamu@example.id").await.status(), 201);

    // The table covers exactly the documented operations.
    let spec = s.get("/api/v1/openapi.json", None).await.body;
    let documented: BTreeSet<String> = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let table = routes(&fx);
    let covered: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, r.template))
        .collect();
    assert_eq!(
        covered, documented,
        "the matrix and the OpenAPI document disagree"
    );

    let mut n = 0;
    for r in &table {
        for caller in CALLERS {
            n += 1;
            let path = r.path(caller);
            let mut body = None;
            if let Some(b) = &r.body {
                let mut text = b
                    .to_string()
                    .replace("{email}", &format!("m{n}@example.id"));
                if text.contains("{refresh}") {
                    let fresh: TokenResponse = s
                        .login("tamu@example.id", PASSWORD)
                        .await
                        .json()
                        .await
                        .expect("tokens");
                    text = text.replace("{refresh}", &fresh.refresh_token);
                }
                body = Some(serde_json::from_str::<Value>(&text).expect("body"));
            }
            let mut req = as_caller(
                s.client.request(r.method.clone(), s.url(&path)),
                caller,
                &creds,
            );
            if let Some(b) = body {
                req = req.json(&b);
            }
            let res = req.send().await.expect("send");
            let status = res.status().as_u16();
            let text = res.text().await.unwrap_or_default();
            let want = match expected(r.audience, caller) {
                Outcome::Through => r.status_for(caller),
                Outcome::Unauthorized => 401,
                Outcome::Forbidden => 403,
            };
            assert_eq!(
                status,
                want,
                "{engine:?} {} {path} as {caller:?}: got {status}, want {want} ({:?}): {text}",
                r.method,
                expected(r.audience, caller)
            );
        }
    }
    assert_eq!(n, table.len() * CALLERS.len());
    s.stop().await;
}
