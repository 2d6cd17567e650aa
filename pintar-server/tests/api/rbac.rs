//! Every route against every kind of caller: anonymous, learner, developer, admin, an API key
//! of each scope, an admin's key, a revoked key, a malformed key and an expired token. The table must cover every operation in the OpenAPI
//! document, so a new route without a declared audience fails this test.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{CourseDetail, Role};
use pintar_server::auth::{AuthKeys, Claims};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::{Engine, TEST_JWT_SECRET, TestServer};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// What must happen: let through (anything but 401/403), 401 or 403.
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

struct Route {
    method: Method,
    /// The template, as in the OpenAPI document.
    template: &'static str,
    audience: Audience,
    body: Option<Value>,
}

fn route(method: Method, template: &'static str, audience: Audience, body: Option<Value>) -> Route {
    Route {
        method,
        template,
        audience,
        body,
    }
}

/// Every route. Mutating admin routes get ids that do not exist, so the ones let through
/// answer 404 and change nothing; learning routes use a course everyone is enrolled in.
fn routes() -> Vec<Route> {
    use Audience::*;
    let lesson = json!({"kind": "lesson", "title": "T", "body": "B"});
    let doc = json!({"slug": "rbac-import", "title": "T", "summary": "S", "level": "beginner",
                     "sections": [{"title": "S", "items": [lesson]}]});
    vec![
        route(
            Method::POST,
            "/api/v1/auth/register",
            Open,
            Some(json!({"email": "{email}", "password": support::PASSWORD, "display_name": "N"})),
        ),
        route(
            Method::POST,
            "/api/v1/auth/token",
            BodyCredentials,
            Some(json!({"email": "nobody@example.id", "password": "wrong-password"})),
        ),
        route(
            Method::POST,
            "/api/v1/auth/refresh",
            BodyCredentials,
            Some(json!({"refresh_token": "nope"})),
        ),
        route(
            Method::POST,
            "/api/v1/auth/logout",
            BodyCredentials,
            Some(json!({"refresh_token": "nope"})),
        ),
        route(Method::GET, "/api/v1/users/me", Identity, None),
        route(Method::PATCH, "/api/v1/users/me", Session, Some(json!({}))),
        route(
            Method::POST,
            "/api/v1/developer/key",
            DeveloperSession,
            Some(json!({"name": "matrix"})),
        ),
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
        ),
        route(Method::GET, "/api/v1/courses", Catalog, None),
        route(Method::GET, "/api/v1/courses/{id}", Catalog, None),
        route(Method::POST, "/api/v1/courses/{id}/enroll", Learning, None),
        route(Method::GET, "/api/v1/courses/{id}/progress", Learning, None),
        route(
            Method::GET,
            "/api/v1/courses/{id}/contents/{cid}",
            Learning,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/complete",
            Learning,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/attempts",
            Learning,
            Some(json!({"answers": "{answers}"})),
        ),
        route(Method::GET, "/api/v1/users/me/enrollments", Learning, None),
        route(Method::GET, "/api/v1/certificates/{code}", Catalog, None),
        route(Method::GET, "/api/v1/admin/courses", AdminSession, None),
        route(
            Method::POST,
            "/api/v1/admin/courses",
            AdminSession,
            Some(json!({"slug": "rbac-new", "title": "T", "summary": "S", "level": "beginner"})),
        ),
        route(
            Method::POST,
            "/api/v1/admin/courses/import",
            AdminSession,
            Some(doc),
        ),
        route(
            Method::GET,
            "/api/v1/admin/courses/{id}/export",
            AdminSession,
            None,
        ),
        route(
            Method::PATCH,
            "/api/v1/admin/courses/{id}",
            AdminSession,
            Some(json!({})),
        ),
        route(
            Method::DELETE,
            "/api/v1/admin/courses/{id}",
            AdminSession,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/publish",
            AdminSession,
            None,
        ),
        route(
            Method::PUT,
            "/api/v1/admin/courses/{id}/order",
            AdminSession,
            Some(json!({"sections": []})),
        ),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/sections",
            AdminSession,
            Some(json!({"title": "S"})),
        ),
        route(
            Method::PUT,
            "/api/v1/admin/sections/{id}",
            AdminSession,
            Some(json!({"title": "S"})),
        ),
        route(
            Method::DELETE,
            "/api/v1/admin/sections/{id}",
            AdminSession,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/admin/sections/{id}/contents",
            AdminSession,
            Some(lesson.clone()),
        ),
        route(
            Method::GET,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            None,
        ),
        route(
            Method::PUT,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            Some(lesson),
        ),
        route(
            Method::DELETE,
            "/api/v1/admin/contents/{id}",
            AdminSession,
            None,
        ),
        route(Method::GET, "/api/v1/admin/users", AdminSession, None),
        route(
            Method::PATCH,
            "/api/v1/admin/users/{id}",
            AdminSession,
            Some(json!({})),
        ),
        route(Method::GET, "/api/v1/admin/audit-logs", AdminSession, None),
        route(
            Method::POST,
            "/api/v1/analytics/analyze",
            Analytics,
            Some(json!({"data": [{"date": "2024-01", "value": 1}]})),
        ),
        route(
            Method::POST,
            "/api/v1/analytics/quick-analysis",
            Analytics,
            Some(json!({"data": [{"date": "2024-01", "value": 1}]})),
        ),
        route(Method::GET, "/api/v1/analytics/runs", Analytics, None),
        route(Method::GET, "/api/v1/analytics/runs/{id}", Analytics, None),
        route(
            Method::GET,
            "/api/v1/analytics/runs/{id}/report",
            Analytics,
            None,
        ),
        route(
            Method::DELETE,
            "/api/v1/analytics/runs/{id}",
            Analytics,
            None,
        ),
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
        // Last: it changes the learner's stored role (their token keeps saying learner).
        route(
            Method::DELETE,
            "/api/v1/courses/{id}/enroll",
            Learning,
            None,
        ),
        route(Method::POST, "/api/v1/auth/upgrade-role", Session, None),
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
    let developer: pintar_core::api::TokenResponse = s
        .login("dev@example.id", support::PASSWORD)
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
    let key_with = |token: String, scopes: Value| {
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
            r.body["key"].as_str().expect("key").to_string()
        }
    };
    let dev_token = developer.access_token.clone();
    let key_analytics = key_with(dev_token.clone(), json!(["analytics"])).await;
    let key_courses_read = key_with(dev_token.clone(), json!(["courses:read"])).await;
    let key_learning = key_with(dev_token, json!(["learning"])).await;
    let admin_key = key_with(
        admin.clone(),
        json!(["analytics", "courses:read", "learning"]),
    )
    .await;
    let me: pintar_core::api::UserProfile =
        serde_json::from_value(s.get("/api/v1/users/me", Some(&learner)).await.body).expect("me");
    let expired = AuthKeys::new(TEST_JWT_SECRET)
        .expect("keys")
        .sign(&Claims {
            sub: me.id,
            role: Role::Admin,
            sid: Uuid::now_v7().to_string(),
            iat: 1,
            exp: 2,
            web: false,
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

    // A course everyone signed in is enrolled in, its first lesson and its quiz.
    let slug = "hs-codes-and-market-research";
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
    // (Keys act for their owners: the developer's and the admin's enrolments serve them.)
    for t in [&creds.learner, &creds.developer, &creds.admin] {
        assert!(
            s.post(
                &format!("/api/v1/courses/{slug}/enroll"),
                Some(t),
                json!({})
            )
            .await
            .status
                < 300
        );
    }

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
    let table = routes();
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
            let uses_quiz = r.template.ends_with("/attempts");
            let path = r
                .template
                .replace("/courses/{id}/", &format!("/courses/{slug}/"))
                .replace("{cid}", if uses_quiz { &quiz } else { &lesson })
                .replace("{code}", "PE-0000-0000-0000")
                .replace("{id}", &Uuid::now_v7().to_string());
            let path = if r.template == "/api/v1/courses/{id}" {
                format!("/api/v1/courses/{slug}")
            } else {
                path
            };
            let body = r.body.as_ref().map(|b| {
                let text = b
                    .to_string()
                    .replace("{email}", &format!("m{n}@example.id"))
                    .replace("\"{answers}\"", "[[0],[0],[0],[0],[0]]");
                serde_json::from_str::<Value>(&text).expect("body")
            });
            let mut req = s.client.request(r.method.clone(), s.url(&path));
            req = match caller {
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
                Caller::RevokedKey => {
                    req.header("authorization", format!("ApiKey {}", creds.revoked))
                }
                Caller::JunkKey => req.header("x-api-key", "pk_junk"),
                Caller::ExpiredToken => req.bearer_auth(&creds.expired),
            };
            if let Some(b) = body {
                req = req.json(&b);
            }
            let res = req.send().await.expect("send");
            let status = res.status().as_u16();
            let got = match status {
                401 => Outcome::Unauthorized,
                403 => Outcome::Forbidden,
                _ => Outcome::Through,
            };
            let want = expected(r.audience, caller);
            let body_credentials = r.audience == Audience::BodyCredentials && status == 401;
            assert!(
                got == want || body_credentials,
                "{engine:?} {} {path} as {caller:?}: got {status}, want {want:?}",
                r.method
            );
            assert!(status < 500, "{} {path} as {caller:?}: {status}", r.method);
        }
    }
    assert_eq!(n, table.len() * CALLERS.len());
    s.stop().await;
}
