//! Every route against every kind of caller: anonymous, learner, developer, admin, API key,
//! revoked key and expired token. The table must cover every operation in the OpenAPI
//! document, so a new route without a declared audience fails this test.

mod support;

use pintar_core::api::{CourseDetail, Role};
use pintar_server::auth::{AuthKeys, Claims};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use support::{ENGINES, TEST_JWT_SECRET, TestServer};
use uuid::Uuid;

/// Who a route lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Anyone; credentials are not looked at.
    Public,
    /// Anyone; credentials, when sent, must be valid.
    Optional,
    /// Credentials travel in the body (refresh token, password): never 403.
    BodyCredentials,
    /// Any signed-in caller.
    SignedIn,
    /// Developers and admins.
    Developer,
    /// Admins.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anonymous,
    Learner,
    Developer,
    Admin,
    ApiKey,
    RevokedKey,
    ExpiredToken,
}

const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::Learner,
    Caller::Developer,
    Caller::Admin,
    Caller::ApiKey,
    Caller::RevokedKey,
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
    use Caller::*;
    use Outcome::*;
    let invalid = matches!(c, RevokedKey | ExpiredToken);
    match a {
        Audience::Public | Audience::BodyCredentials => Through,
        Audience::Optional | Audience::SignedIn if invalid => Unauthorized,
        Audience::Optional => Through,
        Audience::SignedIn if c == Anonymous => Unauthorized,
        Audience::SignedIn => Through,
        Audience::Developer | Audience::Admin if c == Anonymous || invalid => Unauthorized,
        Audience::Developer if c == Learner => Forbidden,
        Audience::Developer => Through,
        Audience::Admin if c == Admin => Through,
        Audience::Admin => Forbidden,
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
            Public,
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
        route(Method::GET, "/api/v1/users/me", SignedIn, None),
        route(Method::PATCH, "/api/v1/users/me", SignedIn, Some(json!({}))),
        route(
            Method::POST,
            "/api/v1/developer/key",
            Developer,
            Some(json!({"name": "matrix"})),
        ),
        route(Method::GET, "/api/v1/developer/keys", Developer, None),
        route(
            Method::DELETE,
            "/api/v1/developer/keys/{id}",
            Developer,
            None,
        ),
        route(Method::GET, "/api/v1/courses", Optional, None),
        route(Method::GET, "/api/v1/courses/{id}", Optional, None),
        route(Method::POST, "/api/v1/courses/{id}/enroll", SignedIn, None),
        route(Method::GET, "/api/v1/courses/{id}/progress", SignedIn, None),
        route(
            Method::GET,
            "/api/v1/courses/{id}/contents/{cid}",
            SignedIn,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/complete",
            SignedIn,
            None,
        ),
        route(
            Method::POST,
            "/api/v1/courses/{id}/contents/{cid}/attempts",
            SignedIn,
            Some(json!({"answers": "{answers}"})),
        ),
        route(Method::GET, "/api/v1/users/me/enrollments", SignedIn, None),
        route(Method::GET, "/api/v1/certificates/{code}", Public, None),
        route(Method::GET, "/api/v1/admin/courses", Admin, None),
        route(
            Method::POST,
            "/api/v1/admin/courses",
            Admin,
            Some(json!({"slug": "rbac-new", "title": "T", "summary": "S", "level": "beginner"})),
        ),
        route(
            Method::POST,
            "/api/v1/admin/courses/import",
            Admin,
            Some(doc),
        ),
        route(
            Method::GET,
            "/api/v1/admin/courses/{id}/export",
            Admin,
            None,
        ),
        route(
            Method::PATCH,
            "/api/v1/admin/courses/{id}",
            Admin,
            Some(json!({})),
        ),
        route(Method::DELETE, "/api/v1/admin/courses/{id}", Admin, None),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/publish",
            Admin,
            None,
        ),
        route(
            Method::PUT,
            "/api/v1/admin/courses/{id}/order",
            Admin,
            Some(json!({"sections": []})),
        ),
        route(
            Method::POST,
            "/api/v1/admin/courses/{id}/sections",
            Admin,
            Some(json!({"title": "S"})),
        ),
        route(
            Method::PUT,
            "/api/v1/admin/sections/{id}",
            Admin,
            Some(json!({"title": "S"})),
        ),
        route(Method::DELETE, "/api/v1/admin/sections/{id}", Admin, None),
        route(
            Method::POST,
            "/api/v1/admin/sections/{id}/contents",
            Admin,
            Some(lesson.clone()),
        ),
        route(Method::GET, "/api/v1/admin/contents/{id}", Admin, None),
        route(
            Method::PUT,
            "/api/v1/admin/contents/{id}",
            Admin,
            Some(lesson),
        ),
        route(Method::DELETE, "/api/v1/admin/contents/{id}", Admin, None),
        route(Method::GET, "/api/v1/admin/users", Admin, None),
        route(
            Method::PATCH,
            "/api/v1/admin/users/{id}",
            Admin,
            Some(json!({})),
        ),
        route(Method::GET, "/api/v1/admin/audit-logs", Admin, None),
        // Last: it changes the learner's stored role (their token keeps saying learner).
        route(
            Method::DELETE,
            "/api/v1/courses/{id}/enroll",
            SignedIn,
            None,
        ),
        route(Method::POST, "/api/v1/auth/upgrade-role", SignedIn, None),
    ]
}

struct Credentials {
    learner: String,
    developer: String,
    admin: String,
    key: String,
    revoked: String,
    expired: String,
}

#[tokio::test]
async fn every_route_against_every_caller() {
    for engine in ENGINES {
        let s = TestServer::start(engine).await;
        s.seed().await;

        // The callers.
        let learner = s.learner("murid@example.id").await.access_token;
        let dev = s.learner("dev@example.id").await.access_token;
        let up = s
            .post("/api/v1/auth/upgrade-role", Some(&dev), json!({}))
            .await;
        let key = up.body["api_key"]["key"].as_str().expect("key").to_string();
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
        let me: pintar_core::api::UserProfile =
            serde_json::from_value(s.get("/api/v1/users/me", Some(&learner)).await.body)
                .expect("me");
        let expired = AuthKeys::new(TEST_JWT_SECRET)
            .sign(&Claims {
                sub: me.id,
                role: Role::Admin,
                iat: 1,
                exp: 2,
            })
            .expect("sign");
        let creds = Credentials {
            learner,
            developer: developer.access_token,
            admin,
            key,
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
                    Caller::ApiKey => req.header("x-api-key", &creds.key),
                    Caller::RevokedKey => {
                        req.header("authorization", format!("ApiKey {}", creds.revoked))
                    }
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
}
