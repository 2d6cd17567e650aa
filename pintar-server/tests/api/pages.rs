//! Every page against every kind of visitor — anonymous, learner, developer, admin — on both
//! engines, with the exact status each gets. The list of pages is written here again, apart
//! from the server's own table (`web::access`), so a change to either is caught; a page the
//! server routes but this list forgets fails `web::access`'s own test.
//!
//! Allowed visitors post empty forms: the answer shows that the page's handler ran (its own
//! validation, a redirect), while a refused visitor never gets that far (403, or 401 which
//! sends a browser to sign in). Destructive pages come last and act on scratch data.

use crate::support;
use crate::web::{Browser, Page, hostile_course, publish};
use pintar_server::engine_tests;
use serde_json::{Value, json};
use support::{Engine, PASSWORD, TestServer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Learner,
    Developer,
    Admin,
}

const VISITORS: [Who; 4] = [Who::Anonymous, Who::Learner, Who::Developer, Who::Admin];

/// Who a page lets in, as this test understands the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// Anyone.
    Anyone,
    /// Any signed-in visitor.
    SignedIn,
    /// Developers and admins.
    Developers,
    /// Admins.
    Admins,
}

/// One page, the statuses an allowed visitor gets (by who they are), and the form it posts.
struct PageCase {
    method: &'static str,
    path: String,
    audience: Audience,
    allowed: fn(Who) -> u16,
}

fn case(
    method: &'static str,
    path: String,
    audience: Audience,
    allowed: fn(Who) -> u16,
) -> PageCase {
    PageCase {
        method,
        path,
        audience,
        allowed,
    }
}

fn expected(c: &PageCase, who: Who) -> u16 {
    let allowed = match (c.audience, who) {
        (Audience::Anyone, _) => true,
        (_, Who::Anonymous) => {
            // Sent to sign in: a redirect for a page, a 401 page for a form.
            return if c.method == "GET" { 303 } else { 401 };
        }
        (Audience::SignedIn, _) => true,
        (Audience::Developers, w) => w != Who::Learner,
        (Audience::Admins, w) => w == Who::Admin,
    };
    if allowed { (c.allowed)(who) } else { 403 }
}

/// The fixture ids the page list needs.
struct Fixtures {
    slug: String,
    lesson: String,
    quiz: String,
    scratch: String,
    section: String,
    item: String,
    key: String,
    run: String,
    target_user: String,
}

async fn fixtures(s: &TestServer) -> Fixtures {
    // A published course for learning, and a scratch course the admin's pages may wreck.
    let (admin, course) = publish(s, hostile_course("dokumen-ekspor")).await;
    let admin_token = admin.as_str();
    let outline = s.get(&format!("/api/v1/courses/{course}"), None).await.body;
    let items = |kind: &str| -> String {
        outline["outline"][0]["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|i| i["kind"] == kind)
            .and_then(|i| i["id"].as_str())
            .expect("an item of that kind")
            .to_string()
    };
    let (lesson, quiz) = (items("lesson"), items("quiz"));
    let r = s
        .post(
            "/api/v1/admin/courses/import",
            Some(admin_token),
            hostile_course("scratch"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let scratch = r.body["id"].as_str().expect("id").to_string();
    let section = r.body["outline"][0]["id"]
        .as_str()
        .expect("section")
        .to_string();
    let item = r.body["outline"][0]["items"][0]["id"]
        .as_str()
        .expect("item")
        .to_string();
    // The developer's key, and a run of the admin's.
    let dev = s.learner("dev@example.id").await.access_token;
    let key: Value = s
        .post("/api/v1/auth/upgrade-role", Some(&dev), json!({}))
        .await
        .body;
    let key = key["api_key"]["id"].as_str().expect("key id").to_string();
    let run = reqwest::Client::new()
        .post(s.url("/api/v1/analytics/quick-analysis"))
        .bearer_auth(admin_token)
        .header("content-type", "text/csv")
        .body("date,value\n2024-01-01,1\n2024-02-01,2\n2024-03-01,3\n")
        .send()
        .await
        .expect("analysis");
    let run = run.headers()["x-run-id"].to_str().expect("run").to_string();
    let target = s.learner("target@example.id").await;
    let me: Value = s
        .get("/api/v1/users/me", Some(&target.access_token))
        .await
        .body;
    Fixtures {
        slug: "dokumen-ekspor".into(),
        lesson,
        quiz,
        scratch,
        section,
        item,
        key,
        run,
        target_user: me["id"].as_str().expect("id").to_string(),
    }
}

fn pages(f: &Fixtures) -> Vec<PageCase> {
    use Audience::*;
    let ok = |_| 200;
    let moved = |_| 303;
    let invalid = |_| 422;
    let (slug, lesson, quiz) = (&f.slug, &f.lesson, &f.quiz);
    let (course, section, item) = (&f.scratch, &f.section, &f.item);
    vec![
        case("GET", "/".into(), Anyone, ok),
        case("GET", "/courses".into(), Anyone, ok),
        case("GET", format!("/courses/{slug}"), Anyone, ok),
        case("GET", "/verify?code=PE-0000-0000-0000".into(), Anyone, ok),
        case(
            "GET",
            "/certificates/PE-0000-0000-0000".into(),
            Anyone,
            |_| 404,
        ),
        case("GET", "/developer/start".into(), Anyone, ok),
        case("GET", "/lang/en?next=/".into(), Anyone, moved),
        // A signed-in visitor is sent on from the sign-in and registration forms.
        case("GET", "/login".into(), Anyone, |w| {
            if w == Who::Anonymous { 200 } else { 303 }
        }),
        case("GET", "/register".into(), Anyone, |w| {
            if w == Who::Anonymous { 200 } else { 303 }
        }),
        case("POST", "/login".into(), Anyone, invalid),
        case("POST", "/register".into(), Anyone, invalid),
        case("GET", "/dashboard".into(), SignedIn, ok),
        case("POST", format!("/courses/{slug}/enroll"), SignedIn, moved),
        case("GET", format!("/learn/{slug}/{lesson}"), SignedIn, ok),
        case(
            "POST",
            format!("/learn/{slug}/{lesson}/complete"),
            SignedIn,
            moved,
        ),
        case("POST", format!("/learn/{slug}/{quiz}/quiz"), SignedIn, ok),
        case("GET", "/developer".into(), SignedIn, ok),
        case("GET", "/developer/analytics".into(), SignedIn, ok),
        // An empty form is no upload: the workbench again, saying so.
        case("POST", "/developer/analytics".into(), SignedIn, |_| 415),
        // Someone else's run is not found; admins see every run.
        case(
            "GET",
            format!("/developer/analytics/runs/{}", f.run),
            SignedIn,
            |w| if w == Who::Admin { 200 } else { 404 },
        ),
        case(
            "GET",
            format!("/developer/analytics/runs/{}/report.json", f.run),
            SignedIn,
            |w| if w == Who::Admin { 200 } else { 404 },
        ),
        case(
            "GET",
            format!("/developer/analytics/runs/{}/report.csv", f.run),
            SignedIn,
            |w| if w == Who::Admin { 200 } else { 404 },
        ),
        case("GET", "/developer/keys".into(), Developers, ok),
        case("POST", "/developer/keys".into(), Developers, invalid),
        // Someone else's key is not found: the developer revokes their own.
        case(
            "POST",
            format!("/developer/keys/{}/revoke", f.key),
            Developers,
            |w| if w == Who::Developer { 303 } else { 404 },
        ),
        case("GET", "/admin".into(), Admins, ok),
        case("GET", "/admin/users".into(), Admins, ok),
        case(
            "POST",
            format!("/admin/users/{}/role", f.target_user),
            Admins,
            invalid,
        ),
        case(
            "POST",
            format!("/admin/users/{}/active", f.target_user),
            Admins,
            invalid,
        ),
        case("GET", "/admin/courses".into(), Admins, ok),
        case("POST", "/admin/courses".into(), Admins, invalid),
        case("POST", "/admin/courses/import".into(), Admins, invalid),
        case("GET", format!("/admin/courses/{course}"), Admins, ok),
        case("POST", format!("/admin/courses/{course}"), Admins, invalid),
        case(
            "GET",
            format!("/admin/courses/{course}/export.json"),
            Admins,
            ok,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/sections"),
            Admins,
            invalid,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/sections/{section}"),
            Admins,
            invalid,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/sections/{section}/move"),
            Admins,
            invalid,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/sections/{section}/items"),
            Admins,
            invalid,
        ),
        case(
            "GET",
            format!("/admin/courses/{course}/items/{item}"),
            Admins,
            ok,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/items/{item}"),
            Admins,
            invalid,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/items/{item}/move"),
            Admins,
            invalid,
        ),
        case("GET", "/admin/audit".into(), Admins, ok),
        case("GET", "/admin/emails".into(), Admins, ok),
        case(
            "POST",
            format!("/admin/courses/{course}/publish"),
            Admins,
            moved,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/archive"),
            Admins,
            moved,
        ),
        // Destructive, last: they act on the scratch course and the admin's own run.
        case(
            "POST",
            format!("/admin/courses/{course}/items/{item}/delete"),
            Admins,
            moved,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/sections/{section}/delete"),
            Admins,
            moved,
        ),
        case(
            "POST",
            format!("/admin/courses/{course}/delete"),
            Admins,
            moved,
        ),
        case(
            "POST",
            format!("/developer/analytics/runs/{}/delete", f.run),
            SignedIn,
            |w| if w == Who::Admin { 303 } else { 404 },
        ),
        case("GET", "/forgot-password".into(), Anyone, ok),
        case("POST", "/forgot-password".into(), Anyone, invalid),
        case("GET", "/reset-password?token=abc".into(), Anyone, ok),
        case("POST", "/reset-password".into(), Anyone, invalid),
        case("GET", "/verify-email?token=abc".into(), Anyone, ok),
        case("POST", "/verify-email".into(), Anyone, invalid),
        case("GET", "/confirm-email?token=abc".into(), Anyone, ok),
        case("POST", "/confirm-email".into(), Anyone, invalid),
        case("GET", "/account".into(), SignedIn, ok),
        case(
            "POST",
            "/account/verify-email/resend".into(),
            SignedIn,
            moved,
        ),
        case("POST", "/account/email".into(), SignedIn, invalid),
        case("GET", "/account/sessions".into(), SignedIn, ok),
        case(
            "POST",
            "/account/sessions/end-others".into(),
            SignedIn,
            moved,
        ),
        case("GET", "/account/export.json".into(), SignedIn, ok),
        case("POST", "/account/delete".into(), SignedIn, invalid),
        // Upgrading changes the learner's role, and signing out ends the session: last.
        case("POST", "/developer/upgrade".into(), SignedIn, |w| {
            if w == Who::Learner { 200 } else { 303 }
        }),
        case("POST", "/logout".into(), Anyone, moved),
    ]
}

/// A browser signed in as `who` (through the sign-in form), or anonymous.
async fn visitor(s: &TestServer, who: Who) -> Browser {
    let b = Browser::new(s);
    let email = match who {
        Who::Anonymous => return b,
        Who::Learner => "learner@example.id",
        Who::Developer => "dev@example.id",
        Who::Admin => "admin@example.id",
    };
    if who == Who::Learner {
        s.register(email).await;
    }
    b.get("/login").await;
    let page = b
        .submit("/login", &[("email", email), ("password", PASSWORD)])
        .await;
    assert_eq!(page.status, 303, "{who:?} signs in: {}", page.body);
    b
}

async fn request(b: &Browser, method: &str, path: &str) -> Page {
    // A page first, so the CSRF cookie is set; forms post it back as the page's form does.
    b.get("/").await;
    match method {
        "GET" => b.get(path).await,
        _ => b.submit(path, &[]).await,
    }
}

engine_tests!(every_page_against_every_visitor);
async fn every_page_against_every_visitor(engine: Engine) {
    let s = TestServer::start(engine).await;
    let f = fixtures(&s).await;
    // Everyone studies the course first, so item pages answer as for an enrolled learner.
    let mut failures = Vec::new();
    for who in VISITORS {
        let b = visitor(&s, who).await;
        if who != Who::Anonymous {
            b.get("/").await;
            let r = b.submit(&format!("/courses/{}/enroll", f.slug), &[]).await;
            assert_eq!(r.status, 303, "{who:?} enrols");
        }
        for c in pages(&f) {
            let want = expected(&c, who);
            let got = request(&b, c.method, &c.path).await;
            let login = got.location().starts_with("/login");
            if got.status != want
                || (want == 303
                    && c.audience != Audience::Anyone
                    && who == Who::Anonymous
                    && !login)
            {
                failures.push(format!(
                    "{who:?} {} {}: {} (wanted {want}) {}",
                    c.method,
                    c.path,
                    got.status,
                    got.location()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{engine:?}:\n{}", failures.join("\n"));
    s.stop().await;
}
