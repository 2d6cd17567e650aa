//! The website over HTTP, as a browser without JavaScript uses it (cookies, forms,
//! redirects), and as an attacker would: forged forms, hostile lessons, replayed cookies,
//! wrong roles. On both engines.

use crate::support;
use pintar_server::engine_tests;

use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use serde_json::json;
use std::sync::Arc;
use support::{Engine, PASSWORD, TestServer};

/// A cookie-keeping client that does not follow redirects (so each step can be checked).
pub(crate) struct Browser {
    http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    base: String,
}

/// A page as received.
pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Page {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|v| v.to_str().expect("cookie text").to_string())
            .collect()
    }
}

impl Browser {
    pub(crate) fn new(s: &TestServer) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .build()
            .expect("client");
        Self {
            http,
            jar,
            base: s.url(""),
        }
    }

    async fn read(res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        Page {
            status,
            headers,
            body,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        Self::read(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("get"),
        )
        .await
    }

    /// The value of cookie `name` in the jar.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().expect("url");
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .ok()?
            .split("; ")
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(String::from))
    }

    /// Posts a form the way the page's own form does: the CSRF token in the action.
    pub(crate) async fn submit(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self
            .cookie("pe_csrf")
            .expect("a page set the CSRF cookie first");
        let sep = if path.contains('?') { '&' } else { '?' };
        self.post_raw(&format!("{path}{sep}csrf={token}"), form)
            .await
    }

    async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(
            self.http
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .expect("post"),
        )
        .await
    }
}

/// A client with no cookie jar that does not follow redirects (to replay a cookie by hand).
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

pub(crate) fn hostile_course(slug: &str) -> serde_json::Value {
    json!({
        "slug": slug,
        "title": "Dokumen <b>Ekspor</b>",
        "summary": "Invoice & packing list \"in one sitting\".",
        "level": "beginner",
        "tags": ["documents"],
        "description": "Learn the **documents**.<script>alert('desc')</script>",
        "sections": [{
            "title": "Dokumen utama",
            "items": [
                {"kind": "lesson", "title": "Commercial invoice", "estimated_minutes": 5,
                 "body": "# Commercial invoice\n\nThe **invoice** states the value.\n\n<script>alert('xss')</script>\n\n<img src=x onerror=\"alert('img')\">\n\n[click me](javascript:alert('link'))\n\n<a href=\"https://example.org\" onmouseover=\"alert('a')\">ok</a>\n\n<iframe src=\"https://evil.example\"></iframe>"},
                {"kind": "quiz", "title": "Kuis dokumen", "quiz": {"pass_mark": 60, "questions": [
                    {"prompt": "Which document proves shipment by sea?",
                     "choices": ["Invoice", "Bill of lading", "Packing list"], "answers": [1]},
                    {"prompt": "Which belong on a commercial invoice?",
                     "choices": ["HS code", "Driver's name", "Value"], "answers": [0, 2],
                     "explanation": "The invoice describes the goods and their value."}
                ]}}
            ]
        }]
    })
}

/// Imports and publishes `doc` as an admin; returns the admin's token and the course id.
pub(crate) async fn publish(s: &TestServer, doc: serde_json::Value) -> (String, String) {
    let admin = s.admin("admin@example.id").await;
    let r = s
        .post("/api/v1/admin/courses/import", Some(&admin), doc)
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("course id").to_string();
    let r = s
        .post(
            &format!("/api/v1/admin/courses/{id}/publish"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    (admin, id)
}

engine_tests!(a_learner_studies_in_the_browser);
async fn a_learner_studies_in_the_browser(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (admin, _) = publish(&s, hostile_course("dokumen-ekspor")).await;
    // A link on a lesson (where only videos have one), or a video's `javascript:` link,
    // is refused when the course is stored.
    for (kind, url) in [
        ("lesson", "javascript:alert(1)"),
        ("video", "javascript:alert(1)"),
    ] {
        let mut doc = hostile_course(&format!("bad-link-{kind}"));
        doc["sections"][0]["items"][0]["kind"] = json!(kind);
        doc["sections"][0]["items"][0]["video_url"] = json!(url);
        let r = s
            .post("/api/v1/admin/courses/import", Some(&admin), doc)
            .await;
        assert_eq!(r.status, 422, "{kind}: {}", r.body);
    }
    let b = Browser::new(&s);

    // Public pages, Indonesian by default; the stylesheet has a hashed, cacheable name.
    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(
        home.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/html")
    );
    assert!(home.body.contains("<html lang=\"id\">"), "{}", home.body);
    assert!(
        home.body.contains("Dokumen &#60;b&#62;Ekspor&#60;/b&#62;")
            && !home.body.contains("<b>Ekspor"),
        "titles are escaped: {}",
        home.body
    );
    let css = home
        .body
        .split("href=\"/assets/app.")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("stylesheet link");
    let asset = b.get(&format!("/assets/app.{css}")).await;
    assert_eq!(asset.status, 200);
    assert!(
        asset.headers["cache-control"]
            .to_str()
            .expect("cc")
            .contains("immutable")
    );
    assert_eq!(b.get("/assets/app.0000000000.css").await.status, 404);

    // The catalogue filters; nonsense in the query is shown the whole catalogue, not a 500.
    let found = b
        .get("/courses?q=invoice&level=beginner&tag=documents&sort=-published_at")
        .await;
    assert_eq!(found.status, 200);
    assert!(found.body.contains("/courses/dokumen-ekspor"));
    let none = b.get("/courses?level=advanced").await;
    assert!(!none.body.contains("/courses/dokumen-ekspor"));
    for junk in [
        "/courses?page=abc",
        "/courses?level=zzz&sort=;drop",
        "/courses?page=999999999999",
    ] {
        assert_eq!(b.get(junk).await.status, 200, "{junk}");
    }
    let long = format!("/courses?q={}", "a".repeat(5000));
    assert_eq!(b.get(&long).await.status, 200);

    // The outline: description rendered safely.
    let outline = b.get("/courses/dokumen-ekspor").await;
    assert_eq!(outline.status, 200);
    assert!(outline.body.contains("<strong>documents</strong>"));
    assert!(!outline.body.contains("alert('desc')"), "{}", outline.body);

    // English on request, kept in a cookie.
    let to_en = b.get("/lang/en?next=/courses").await;
    assert_eq!((to_en.status, to_en.location()), (303, "/courses"));
    assert!(b.get("/courses").await.body.contains("<html lang=\"en\">"));
    assert_eq!(
        b.get("/lang/en?next=https://evil.example").await.location(),
        "/"
    );
    b.get("/lang/id?next=/").await;

    // Register: the session cookie is HttpOnly and SameSite=Lax.
    b.get("/register").await;
    let bad = b
        .submit("/register", &[("email", "not-an-email"), ("password", "x")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("aria-invalid=\"true\""));
    let reg = b
        .submit(
            "/register",
            &[
                ("email", "siti@example.id"),
                ("name", "Siti Rahma"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        (reg.status, reg.location()),
        (303, "/dashboard"),
        "{}",
        reg.body
    );
    let session = reg
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("pe_session="))
        .expect("session cookie");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(part), "{session}");
    }
    assert!(!session.contains("Secure"), "plain HTTP here: {session}");
    let dash = b.get("/dashboard").await;
    assert_eq!(dash.status, 200);
    assert!(dash.body.contains("Siti Rahma"));
    assert!(dash.body.contains("Selamat datang"), "the flash shows once");
    assert!(!b.get("/dashboard").await.body.contains("Selamat datang"));

    // Enrol, study the lesson (sanitised), complete it.
    let enrol = b.submit("/courses/dokumen-ekspor/enroll", &[]).await;
    assert_eq!(enrol.status, 303, "{}", enrol.body);
    let outline = b.get("/courses/dokumen-ekspor").await;
    let lesson_link = outline
        .body
        .split("href=\"/learn/dokumen-ekspor/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("first item link")
        .to_string();
    let lesson = b.get(&format!("/learn/dokumen-ekspor/{lesson_link}")).await;
    assert_eq!(lesson.status, 200, "{}", lesson.body);
    assert!(lesson.body.contains("<h1>Commercial invoice</h1>"));
    for bad in [
        "alert('xss')",
        "onerror",
        "javascript:",
        "onmouseover",
        "<iframe",
    ] {
        assert!(!lesson.body.contains(bad), "{bad} reached the page");
    }
    let done = b
        .submit(
            &format!("/learn/dokumen-ekspor/{lesson_link}/complete"),
            &[],
        )
        .await;
    assert_eq!(done.status, 303);
    let quiz_path = done.location().to_string();
    assert!(
        quiz_path.starts_with("/learn/dokumen-ekspor/"),
        "{quiz_path}"
    );
    let quiz = b.get(&quiz_path).await;
    assert!(quiz.body.contains("name=\"q1\""), "{}", quiz.body);

    // Fail, with a review; then pass and see the certificate.
    let failed = b
        .submit(&format!("{quiz_path}/quiz"), &[("q0", "0"), ("q1", "1")])
        .await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    assert!(failed.body.contains("Belum lulus"), "{}", failed.body);
    let passed = b
        .submit(
            &format!("{quiz_path}/quiz"),
            &[("q0", "1"), ("q1", "0"), ("q1", "2")],
        )
        .await;
    assert!(passed.body.contains("Lulus!"), "{}", passed.body);
    assert!(passed.body.contains("The invoice describes the goods"));
    let code = passed
        .body
        .split("href=\"/certificates/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("certificate link")
        .to_string();
    let anon = Browser::new(&s);
    let cert = anon.get(&format!("/certificates/{code}")).await;
    assert_eq!(cert.status, 200);
    assert!(cert.body.contains("Siti Rahma"));
    let verified = anon.get(&format!("/verify?code={code}")).await;
    assert_eq!(verified.location(), format!("/certificates/{code}"));
    let unknown = anon.get("/verify?code=NOPE-0000").await;
    assert!(unknown.body.contains("aria-invalid"));

    // A learner is not an admin or a developer.
    assert_eq!(b.get("/admin").await.status, 403);
    assert_eq!(b.get("/developer/keys").await.status, 403);

    // Disabling the account ends the browser session on its next request.
    let users = s.get("/api/v1/admin/users?q=siti", Some(&admin)).await;
    let uid = users.body["items"][0]["id"]
        .as_str()
        .expect("user id")
        .to_string();
    let r = s
        .call(
            reqwest::Method::PATCH,
            &format!("/api/v1/admin/users/{uid}"),
            Some(&admin),
            Some(json!({"is_active": false})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let after = b.get("/dashboard").await;
    assert_eq!(after.status, 303);
    assert!(
        after.location().starts_with("/login?next="),
        "{}",
        after.location()
    );
    s.stop().await;
}

engine_tests!(forged_forms_and_replayed_cookies_are_refused);
async fn forged_forms_and_replayed_cookies_are_refused(engine: Engine) {
    let s = TestServer::start(engine).await;
    let b = Browser::new(&s);
    b.get("/register").await;
    let token = b.cookie("pe_csrf").expect("csrf cookie");

    // No token, a wrong token, or a cross-site origin: refused before anything happens.
    let form = [("email", "budi@example.id"), ("password", PASSWORD)];
    assert_eq!(b.post_raw("/register", &form).await.status, 403);
    assert_eq!(b.post_raw("/register?csrf=wrong", &form).await.status, 403);
    let cross = b
        .http
        .post(format!("{}/register?csrf={token}", b.base))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status(), 403);
    let sec = b
        .http
        .post(format!("{}/register?csrf={token}", b.base))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .expect("post");
    assert_eq!(sec.status(), 403);
    // Another browser's token does not work with this browser's cookie.
    let other = Browser::new(&s);
    other.get("/login").await;
    let theirs = other.cookie("pe_csrf").expect("csrf");
    assert_ne!(theirs, token);
    assert_eq!(
        b.post_raw(&format!("/register?csrf={theirs}"), &form)
            .await
            .status,
        403
    );
    let refused = b.post_raw("/register", &form).await;
    assert!(
        refused.body.contains("<html"),
        "an HTML page: {}",
        refused.body
    );
    assert_eq!(
        s.login("budi@example.id", PASSWORD).await.status(),
        401,
        "nothing was created"
    );

    // Signed in; the same forged post to sign out does nothing.
    assert_eq!(b.submit("/register", &form).await.status, 303);
    assert_eq!(b.post_raw("/logout", &[]).await.status, 403);
    assert_eq!(b.get("/dashboard").await.status, 200);

    // The cookie is not an API token, and an API token is not a cookie.
    let cookie = b.cookie("pe_session").expect("session");
    assert_eq!(s.get("/api/v1/users/me", Some(&cookie)).await.status, 401);
    let api = s.login("budi@example.id", PASSWORD).await;
    let api: serde_json::Value = api.json().await.expect("tokens");
    let api_token = api["access_token"].as_str().expect("token");
    assert_eq!(s.get("/api/v1/users/me", Some(api_token)).await.status, 200);
    let as_cookie = bare()
        .get(s.url("/dashboard"))
        .header("cookie", format!("pe_session={api_token}"))
        .send()
        .await
        .expect("get");
    assert_eq!(as_cookie.status(), 303, "an API token does not open pages");

    // Sign out ends the server-side session: the old cookie, replayed, is dead.
    let out = b.submit("/logout", &[]).await;
    assert_eq!(out.status, 303);
    let replay = bare()
        .get(s.url("/dashboard"))
        .header("cookie", format!("pe_session={cookie}"))
        .send()
        .await
        .expect("get");
    assert_eq!(replay.status(), 303);
    let cleared = replay
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|c| c.starts_with("pe_session=;")));
    assert!(cleared, "the dead cookie is deleted");
    // A made-up cookie is just anonymous.
    let junk = bare()
        .get(s.url("/courses"))
        .header(
            "cookie",
            "pe_session=eyJhbGciOiJIUzI1NiJ9.e30.junk; pe_lang=xx",
        )
        .send()
        .await
        .expect("get");
    assert_eq!(junk.status(), 200);

    // Errors are pages on the site and problems on the API.
    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("<html"));
    let api = s.get("/api/v1/no-such-route", None).await;
    assert_eq!(api.status, 404);
    assert_eq!(api.headers["content-type"], "application/problem+json");
    s.stop().await;
}

engine_tests!(https_sites_use_host_only_cookies_and_hsts);
async fn https_sites_use_host_only_cookies_and_hsts(engine: Engine) {
    // Over plain HTTP: plain names, no HSTS (it would be ignored, and a local site must
    // not be pinned to HTTPS).
    let s = TestServer::start(engine).await;
    let res = bare().get(s.url("/login")).send().await.expect("get");
    assert!(res.headers().get("strict-transport-security").is_none());
    let set: Vec<String> = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text").to_string())
        .collect();
    assert!(set.iter().any(|c| c.starts_with("pe_csrf=")), "{set:?}");
    s.stop().await;

    // Over HTTPS: `__Host-` names, Secure, and HSTS on pages and the API alike.
    let settings = pintar_server::Settings {
        secure_cookies: true,
        ..Default::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    s.register("aman@example.id").await;
    let res = bare().get(s.url("/login")).send().await.expect("get");
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let csrf = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text").to_string())
        .find(|c| c.starts_with("__Host-pe_csrf="))
        .expect("a __Host- CSRF cookie");
    for part in ["Secure", "HttpOnly", "Path=/"] {
        assert!(csrf.contains(part), "{csrf}");
    }
    assert!(!csrf.contains("Domain"), "{csrf}");
    let api = s.get("/api/v1/courses", None).await;
    assert_eq!(api.headers["strict-transport-security"], "max-age=31536000");

    // Sign in by hand (the jar would not send Secure cookies over http://).
    let token = csrf
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("value");
    let res = bare()
        .post(s.url(&format!("/login?csrf={token}")))
        .header("cookie", format!("__Host-pe_csrf={token}"))
        .form(&[("email", "aman@example.id"), ("password", PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    let session = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text").to_string())
        .find(|c| c.starts_with("__Host-pe_session="))
        .expect("a __Host- session cookie");
    let value = session
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("value");
    let open = |cookie: String| {
        bare()
            .get(s.url("/dashboard"))
            .header("cookie", cookie)
            .send()
    };
    assert_eq!(
        open(format!("__Host-pe_session={value}"))
            .await
            .expect("get")
            .status(),
        200
    );
    // The unprefixed name, which a subdomain or a plain-HTTP page could plant, is not read.
    assert_eq!(
        open(format!("pe_session={value}"))
            .await
            .expect("get")
            .status(),
        303
    );
    s.stop().await;
}

engine_tests!(website_sessions_end_when_idle_and_at_their_limit);
async fn website_sessions_end_when_idle_and_at_their_limit(engine: Engine) {
    use pintar_server::auth::{AuthKeys, Claims};
    let settings = pintar_server::Settings {
        web_session_idle_secs: 600,
        web_session_max_secs: 3600,
        ..Default::default()
    };
    let s = TestServer::start_with(engine, settings).await;
    s.register("sibuk@example.id").await;
    let b = Browser::new(&s);
    b.get("/login").await;
    let page = b
        .submit(
            "/login",
            &[("email", "sibuk@example.id"), ("password", PASSWORD)],
        )
        .await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("pe_session="))
        .expect("session cookie");
    assert!(cookie.contains("Max-Age=600"), "the idle time: {cookie}");
    let keys = AuthKeys::new(support::TEST_JWT_SECRET).expect("keys");
    let token = b.cookie("pe_session").expect("session");
    let claims = keys.verify(&token).expect("valid");
    assert_eq!(claims.exp - claims.iat, 600);
    assert_eq!(claims.auth, claims.iat, "signed in now");

    // Active a minute later, with 100 s left of the hour: renewed, but not past the hour.
    let now = chrono::Utc::now().timestamp();
    let late = Claims {
        iat: now - 120,
        exp: now + 100,
        auth: now - 3500,
        ..claims.clone()
    };
    let res = bare()
        .get(s.url("/dashboard"))
        .header(
            "cookie",
            format!("pe_session={}", keys.sign(&late).expect("sign")),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 200);
    let renewed = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().expect("text").to_string())
        .find(|c| c.starts_with("pe_session="))
        .expect("renewed");
    let value = renewed
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .expect("value");
    let again = keys.verify(&value).expect("valid");
    assert_eq!(again.exp, late.auth + 3600, "capped at the absolute limit");
    assert_eq!(again.auth, late.auth);

    // Idle too long: the cookie no longer opens anything, and is deleted.
    let idle = Claims {
        iat: now - 700,
        exp: now - 100,
        ..late
    };
    let res = bare()
        .get(s.url("/dashboard"))
        .header(
            "cookie",
            format!("pe_session={}", keys.sign(&idle).expect("sign")),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|c| c.starts_with("pe_session=;")))
    );

    // The session is listed as a website session.
    let api = s.login("sibuk@example.id", PASSWORD).await;
    let api: serde_json::Value = api.json().await.expect("tokens");
    let list = s
        .get("/api/v1/users/me/sessions", api["access_token"].as_str())
        .await;
    assert!(
        list.body
            .as_array()
            .expect("list")
            .iter()
            .any(|x| x["kind"] == "web"),
        "{}",
        list.body
    );
    s.stop().await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_like_the_api() {
    let settings = pintar_server::Settings {
        rate_limit_auth_per_minute: 3,
        ..Default::default()
    };
    let s = TestServer::start_limited(Engine::Sqlite, settings).await;
    let b = Browser::new(&s);
    b.get("/login").await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            b.submit(
                "/login",
                &[("email", "x@example.id"), ("password", "wrong-password")],
            )
            .await
            .status,
        );
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    s.stop().await;
}
