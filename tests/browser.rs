//! The website in a real browser: headless Chromium (Debian's `chromium` and
//! `chromium-driver`) driven over WebDriver against the real server. A learner registers,
//! enrols, completes a lesson, passes a quiz and sees the certificate; an admin publishes a
//! course and changes a role; a developer uploads a CSV and sees the chart; a form posted
//! without its CSRF token is refused. axe-core checks every main page (no serious or
//! critical violations), each page's first-visit weight and browser timings are measured,
//! and screenshots at phone and desktop widths are saved under `target/screenshots/`.
//!
//! Needs `/usr/bin/chromedriver` and axe-core in `target/browser-tools`: `scripts/test` (the
//! README's test command) installs both.

mod support;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Engine, PASSWORD, TestServer, course_document, exports_csv};

/// Largest first visit allowed for any page, in bytes (HTML plus its assets).
const MAX_PAGE_BYTES: f64 = 150.0 * 1024.0;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn axe_source() -> String {
    let path = std::env::var_os("PINTAR_AXE_JS").map_or_else(
        || repo().join("target/browser-tools/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing at {} ({e}); `scripts/test` installs it",
            path.display()
        )
    })
}

/// chromedriver on a free loopback port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start() -> Self {
        let bin =
            std::env::var("PINTAR_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin} ({e}); install Debian's chromium and chromium-driver (`scripts/test` installs them)")
            });
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(format!("{url}/status")).await.is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, url }
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": std::env::var("PINTAR_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", "--lang=id"]
            }),
        );
        // chromedriver is on loopback: plain HTTP, no TLS stack to build.
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The browser and the server it visits.
struct Visit<'a> {
    c: Client,
    s: &'a TestServer,
}

impl Visit<'_> {
    async fn go(&self, path: &str) {
        self.c.goto(&self.s.url(path)).await.expect("navigate");
    }

    async fn text(&self, css: &str) -> String {
        self.c
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
            .text()
            .await
            .expect("text")
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.c.find(Locator::Css(css)).await.expect(css);
        e.clear().await.expect("clear");
        e.send_keys(value).await.expect("type");
    }

    /// Clicks `css` and waits for the next page to load.
    async fn click(&self, css: &str) {
        let old = self.c.find(Locator::Css("html")).await.expect("page");
        self.tick(css).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        // The old document's element goes stale once the new page replaced it.
        while old.tag_name().await.is_ok() {
            assert!(Instant::now() < deadline, "clicking {css} loaded no page");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.text("main").await;
    }

    /// Clicks `css` (a checkbox, a radio button: no new page).
    async fn tick(&self, css: &str) {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e.click().await.expect("click"),
            Err(e) => {
                let url = self.c.current_url().await.map(|u| u.to_string());
                let source = self.c.source().await.unwrap_or_default();
                let main = source.split("<main").nth(1).unwrap_or(&source);
                panic!(
                    "no {css} on {url:?}: {e}\n{}",
                    &main[..main.len().min(4000)]
                );
            }
        }
    }

    async fn path(&self) -> String {
        let url = self.c.current_url().await.expect("url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    async fn sign_in(&self, email: &str) {
        self.c.delete_all_cookies().await.expect("cookies");
        self.go("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("main form button[type=submit]").await;
        assert!(
            !self.path().await.starts_with("/login"),
            "signing in as {email} failed: {}",
            self.text("main").await
        );
    }

    /// axe-core's serious and critical violations on the current page.
    async fn axe(&self, axe: &str) -> Vec<String> {
        self.c.execute(axe, vec![]).await.expect("inject axe");
        let found = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
                        v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe.run");
        serde_json::from_value(found).expect("violations")
    }

    /// The current page's weight (HTML and every asset, as on a first visit) and timings.
    async fn measure(&self) -> Value {
        self.c
            .execute(
                "const nav = performance.getEntriesByType('navigation')[0];
                 const res = performance.getEntriesByType('resource');
                 const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                 const assets = res.reduce((n, r) => n + (r.encodedBodySize || r.decodedBodySize || 0), 0);
                 return {html: nav.encodedBodySize, assets: assets, requests: 1 + res.length,
                         ttfb: nav.responseStart - nav.requestStart,
                         fcp: fcp ? fcp.startTime : null,
                         dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd};",
                vec![],
            )
            .await
            .expect("measure")
    }

    async fn screenshot(&self, name: &str) {
        let dir = repo().join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        for (label, w, h) in [("phone", 390, 844), ("desktop", 1280, 900)] {
            self.c.set_window_size(w, h).await.expect("resize");
            let png = self.c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("write png");
        }
        self.c.set_window_size(1280, 900).await.expect("resize");
    }
}

/// The path and query of an emailed link (its host is the server's configured public
/// address, not the test server's port).
fn link_path(link: &str) -> String {
    let rest = link.split("://").nth(1).expect("an absolute link");
    rest[rest.find('/').expect("a path")..].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn learners_developers_and_admins_use_the_site_in_chromium() {
    let axe = axe_source();
    let s = TestServer::start(Engine::Sqlite).await;
    s.seed().await;
    let admin = s.admin("admin@example.id").await;
    let r = s
        .post(
            "/api/v1/admin/courses/import",
            Some(&admin),
            course_document("dokumen-ekspor"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let course_id = r.body["id"].as_str().expect("id").to_string();
    let driver = Driver::start().await;
    let v = Visit {
        c: driver.browser().await,
        s: &s,
    };

    // An admin publishes the draft course from the course list.
    v.sign_in("admin@example.id").await;
    v.go("/admin/courses").await;
    v.click(&format!("#publish-{course_id}")).await;
    v.text("main h1").await;
    assert_eq!(
        s.get("/api/v1/courses/dokumen-ekspor", None).await.status,
        200,
        "published"
    );

    // A learner registers, enrols, completes the lesson, passes the quiz, sees the certificate.
    v.c.delete_all_cookies().await.expect("cookies");
    v.go("/register").await;
    v.fill("#email", "siti@example.id").await;
    v.fill("#name", "Siti Rahma").await;
    v.fill("#password", PASSWORD).await;
    v.click("main form button[type=submit]").await;
    assert!(v.text("main h1").await.contains("Siti Rahma"));
    assert_eq!(v.path().await, "/dashboard");
    v.go("/courses/dokumen-ekspor").await;
    v.click("main form button.primary").await;
    v.click("ol.outline a").await;
    assert_eq!(v.text("article.lesson h1").await, "Commercial invoice");
    v.click("main form button.primary").await;
    assert_eq!(v.text("main h1").await, "Kuis dokumen");
    v.tick("input[name=q0][value='1']").await;
    v.tick("input[name=q1][value='0']").await;
    v.tick("input[name=q1][value='2']").await;
    v.click("main form button.primary").await;
    assert!(v.text("p.result").await.contains("Lulus"));
    v.click("a[href^='/certificates/']").await;
    assert_eq!(v.text(".certificate h1").await, "Siti Rahma");
    let certificate = v.path().await;

    // Siti confirms her address from the emailed link: the page shows a button, and the
    // account page says so.
    v.go("/account").await;
    assert!(
        v.text("#verification").await.contains("Belum"),
        "unverified at first"
    );
    let link = s.emailed_link("siti@example.id", "verify_email").await;
    let verify_path = link_path(&link);
    v.go(&verify_path).await;
    v.click("main form button.primary").await;
    assert_eq!(v.path().await, "/account");
    assert_eq!(v.text("#verification").await, "Terkonfirmasi");
    // Her data, as the download link gives it.
    let export = v
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch('/account/export.json').then(r => r.json()).then(d => done(d)).catch(e => done(String(e)));",
            vec![],
        )
        .await
        .expect("export");
    assert_eq!(export["format"], "pintar-account-export/1", "{export}");
    assert_eq!(export["enrollments"].as_array().map(Vec::len), Some(1));
    v.go("/account/sessions").await;
    assert!(v.text("main table").await.contains("sesi ini"));

    // A form posted without its CSRF token is refused, and the session goes on.
    let old = v.c.find(Locator::Css("html")).await.expect("page");
    v.c.execute(
        "const f = document.createElement('form'); f.method = 'post'; f.action = '/logout';
         document.body.appendChild(f); f.submit();",
        vec![],
    )
    .await
    .expect("forged post");
    while old.tag_name().await.is_ok() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        v.text("main p").await.contains("403"),
        "{}",
        v.c.source().await.expect("source")
    );
    v.go("/dashboard").await;
    assert_eq!(v.path().await, "/dashboard", "still signed in");

    // The admin makes the learner a developer.
    v.sign_in("admin@example.id").await;
    v.go("/admin/users?q=siti").await;
    let users = s.get("/api/v1/admin/users?q=siti", Some(&admin)).await;
    let uid = users.body["items"][0]["id"]
        .as_str()
        .expect("uid")
        .to_string();
    v.c.find(Locator::Css(&format!("#role-{uid}")))
        .await
        .expect("role select")
        .select_by_value("developer")
        .await
        .expect("choose developer");
    v.click(&format!("#set-role-{uid}")).await;
    v.text("main h1").await;
    let after = s.get("/api/v1/admin/users?q=siti", Some(&admin)).await;
    assert_eq!(
        after.body["items"][0]["role"], "developer",
        "{}",
        after.body
    );

    // The developer uploads a CSV to the workbench and sees a forecast chart.
    v.sign_in("siti@example.id").await;
    let dir = tempfile::tempdir().expect("dir");
    let csv = exports_csv(dir.path());
    v.go("/developer/analytics").await;
    v.c.find(Locator::Css("#file"))
        .await
        .expect("file input")
        .send_keys(csv.to_str().expect("path"))
        .await
        .expect("choose file");
    v.click("#analyze").await;
    let chart =
        v.c.wait()
            .at_most(Duration::from_secs(60))
            .for_element(Locator::Css("#chart-0 svg"))
            .await
            .expect("a chart");
    let svg = chart.html(false).await.expect("svg");
    let png = chart.screenshot().await.expect("chart screenshot");
    let dir = repo().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("run-chart.png"), png).expect("write chart");
    assert!(svg.contains("<polygon") || svg.contains("<path"), "{svg}");
    let run_page = v.path().await;

    // Every main page: axe-core, weight, timings, screenshots.
    let mut pages = vec![
        ("landing", "/".to_string()),
        ("catalogue", "/courses".to_string()),
        ("outline", "/courses/dokumen-ekspor".to_string()),
        ("dashboard", "/dashboard".to_string()),
        ("certificate", certificate.clone()),
        ("verify", "/verify".to_string()),
        ("developer", "/developer".to_string()),
        ("keys", "/developer/keys".to_string()),
        ("workbench", "/developer/analytics".to_string()),
        ("run", run_page.clone()),
        ("start", "/developer/start".to_string()),
    ];
    let outline =
        s.get("/api/v1/courses/dokumen-ekspor", None).await.body["outline"][0]["items"].clone();
    let lesson = outline[0]["id"].as_str().expect("lesson id");
    let quiz = outline[1]["id"].as_str().expect("quiz id");
    pages.push(("lesson", format!("/learn/dokumen-ekspor/{lesson}")));
    pages.push(("quiz", format!("/learn/dokumen-ekspor/{quiz}")));
    let admin_pages = vec![
        ("admin", "/admin".to_string()),
        ("admin-users", "/admin/users".to_string()),
        ("admin-courses", "/admin/courses".to_string()),
        ("admin-editor", format!("/admin/courses/{course_id}")),
        ("admin-audit", "/admin/audit".to_string()),
        ("admin-emails", "/admin/emails".to_string()),
    ];
    pages.push(("account", "/account".to_string()));
    pages.push(("sessions", "/account/sessions".to_string()));
    let anonymous = vec![
        ("login", "/login".to_string()),
        ("register", "/register".to_string()),
        ("forgot", "/forgot-password".to_string()),
        ("reset", "/reset-password?token=tautan-lama".to_string()),
        ("verify-email", verify_path.clone()),
        (
            "confirm-email",
            "/confirm-email?token=tautan-lama".to_string(),
        ),
    ];
    let mut violations = Vec::new();
    let mut report = Vec::new();
    let mut check = async |name: &str, path: &str, v: &Visit<'_>| {
        v.go(path).await;
        v.text("main h1").await;
        let m = v.measure().await;
        let bytes = m["html"].as_f64().unwrap_or(0.0) + m["assets"].as_f64().unwrap_or(0.0);
        for found in v.axe(&axe).await {
            violations.push(format!("{name} ({path}): {found}"));
        }
        v.screenshot(name).await;
        report.push(json!({"page": name, "path": path, "bytes": bytes, "metrics": m}));
    };
    for (name, path) in &pages {
        check(name, path, &v).await;
    }
    v.sign_in("admin@example.id").await;
    for (name, path) in &admin_pages {
        check(name, path, &v).await;
    }
    v.c.delete_all_cookies().await.expect("cookies");
    for (name, path) in &anonymous {
        check(name, path, &v).await;
    }
    // Budi forgot his password: he asks for a link, sets a new password, signs in with it,
    // then deletes his account from the account page.
    assert_eq!(s.register("budi@example.id").await.status(), 201);
    v.go("/forgot-password").await;
    v.fill("#email", "budi@example.id").await;
    v.click("main form button.primary").await;
    assert!(v.path().await.starts_with("/login"));
    let reset = link_path(&s.emailed_link("budi@example.id", "password_reset").await);
    v.go(&reset).await;
    for found in v.axe(&axe).await {
        violations.push(format!("reset with a live link ({reset}): {found}"));
    }
    v.fill("#password", "teh-tarik-manis-2025").await;
    v.click("main form button.primary").await;
    assert!(v.path().await.starts_with("/login"));
    v.fill("#email", "budi@example.id").await;
    v.fill("#password", "teh-tarik-manis-2025").await;
    v.click("main form button[type=submit]").await;
    assert!(
        !v.path().await.starts_with("/login"),
        "signed in with the new password"
    );
    v.go("/account").await;
    v.fill("#delete-password", "teh-tarik-manis-2025").await;
    // The form asks for confirmation first.
    let old = v.c.find(Locator::Css("html")).await.expect("page");
    v.tick("#delete-password ~ button.danger").await;
    v.c.accept_alert().await.expect("confirm the deletion");
    while old.tag_name().await.is_ok() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(v.path().await, "/");
    assert!(v.text("main .flash").await.contains("dihapus"));
    assert_eq!(
        s.login("budi@example.id", "teh-tarik-manis-2025")
            .await
            .status(),
        401
    );

    let out = repo().join("target/web-pages.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report).expect("json")).expect("report");
    for r in &report {
        println!(
            "{:<14} {:>7.1} KB  requests {}  ttfb {:.1} ms  fcp {} ms  load {:.1} ms",
            r["page"].as_str().unwrap_or(""),
            r["bytes"].as_f64().unwrap_or(0.0) / 1024.0,
            r["metrics"]["requests"],
            r["metrics"]["ttfb"].as_f64().unwrap_or(0.0),
            r["metrics"]["fcp"],
            r["metrics"]["load"].as_f64().unwrap_or(0.0),
        );
        assert!(
            r["bytes"].as_f64().unwrap_or(f64::MAX) <= MAX_PAGE_BYTES,
            "{} weighs more than 150 KB",
            r["page"]
        );
    }
    assert!(
        violations.is_empty(),
        "axe-core found:\n{}",
        violations.join("\n")
    );
    v.c.close().await.expect("close");
    s.stop().await;
}
