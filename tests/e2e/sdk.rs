//! The SDK against a real server on a loopback port, on SQLite and on PostgreSQL: every
//! area, the session renewal with real rotating refresh tokens, and errors as the server
//! sends them.

use crate::support;

use futures_util::TryStreamExt;
use pintar_sdk::types::{ActivityMetric, CourseDocument, Role, RunStatus, Scope};
use pintar_sdk::{Analysis, Client, Tokens};
use pintar_server::engine_tests;
use support::{Engine, PASSWORD, TestServer, course_document};

fn client(server: &TestServer) -> pintar_sdk::ClientBuilder {
    Client::builder().base_url(format!("http://{}", server.addr))
}

engine_tests!(
    every_area_through_the_sdk,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn every_area_through_the_sdk(engine: Engine) {
    let server = TestServer::start(engine).await;
    server.admin("admin@example.id").await;
    let admin = client(&server)
        .password("admin@example.id", PASSWORD)
        .build()
        .expect("admin client");
    let doc: CourseDocument =
        serde_json::from_value(course_document("sdk-course")).expect("course document");
    let imported = admin.admin().import_course(&doc).await.expect("import");
    assert_eq!(imported.course.slug, "sdk-course");
    admin
        .admin()
        .publish_course("sdk-course")
        .await
        .expect("publish");

    // A learner: register (no name), sign in, browse, enrol, study, pass the quiz.
    let anon = client(&server).build().expect("client");
    let me = anon
        .auth()
        .register("budi@example.id", PASSWORD, None)
        .await
        .expect("register");
    assert_eq!(me.display_name, "budi");
    let dup = anon
        .auth()
        .register("budi@example.id", PASSWORD, None)
        .await
        .expect_err("taken");
    let api = dup.api().expect("an API error");
    assert_eq!(
        (api.status, api.code.as_str()),
        (409, "conflict"),
        "{api:?}"
    );
    assert!(api.request_id.is_some());
    let bad = anon
        .auth()
        .register("not-an-email", "short", None)
        .await
        .expect_err("invalid");
    let fields: Vec<_> = bad
        .api()
        .expect("api")
        .errors
        .iter()
        .map(|e| e.field.clone())
        .collect();
    assert_eq!(fields, ["email", "password"]);

    let learner = client(&server).build().expect("client");
    learner
        .auth()
        .login("budi@example.id", PASSWORD)
        .await
        .expect("login");
    let courses: Vec<_> = learner
        .courses()
        .list()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .expect("catalogue as a stream, one per page");
    assert!(courses.iter().any(|c| c.slug == "sdk-course"));
    let one = learner
        .courses()
        .list()
        .search("dokumen")
        .send()
        .await
        .expect("search");
    assert_eq!(one.total, 1);
    let missing = learner.courses().get("nope").await.expect_err("404");
    assert_eq!(missing.status(), Some(404));
    learner.courses().enroll("sdk-course").await.expect("enrol");
    let progress = learner
        .courses()
        .progress("sdk-course")
        .await
        .expect("progress");
    let lesson = progress.next.expect("a next item");
    let view = learner
        .courses()
        .content("sdk-course", &lesson.content_id)
        .await
        .expect("lesson");
    assert!(view.body.as_deref().unwrap_or("").contains("invoice"));
    let after = learner
        .courses()
        .complete("sdk-course", &lesson.content_id)
        .await
        .expect("complete");
    let quiz = after.next.expect("the quiz");
    let result = learner
        .courses()
        .attempt("sdk-course", &quiz.content_id, vec![vec![1], vec![0, 2]])
        .await
        .expect("attempt");
    assert!(result.passed);
    let code = result.progress.certificate_code.expect("certificate");
    let cert = anon.certificates().get(&code).await.expect("verify");
    assert_eq!(cert.course_id, imported.course.id);
    let enrolments = learner
        .courses()
        .enrollments()
        .send()
        .await
        .expect("enrolments");
    assert_eq!(enrolments.total, 1);

    // Developer: confirm the address, upgrade, keys with scopes, analytics with a key.
    let refused = learner.auth().upgrade().await.expect_err("unverified");
    assert_eq!(
        refused.api().map(|a| (a.status, a.code.as_str())),
        Some((403, "email_unverified"))
    );
    let link = server.emailed_link("budi@example.id", "verify_email").await;
    let token = link.split("token=").nth(1).expect("token");
    let verified = anon.auth().verify_email(token).await.expect("verify");
    assert!(verified.email_verified);
    let up = learner.auth().upgrade().await.expect("upgrade");
    assert_eq!(up.role, Role::Developer);
    let key = learner
        .keys()
        .create("ci")
        .scopes([Scope::Analytics])
        .expires_in_days(7)
        .send()
        .await
        .expect("key");
    assert_eq!(learner.keys().list().await.expect("keys").len(), 2);
    let ci = client(&server)
        .api_key(&key.key)
        .build()
        .expect("key client");
    let csv = "date,category,value\n".to_string()
        + &(0..36)
            .map(|i| {
                format!(
                    "{}-{:02}-01,kopi,{}",
                    2022 + i / 12,
                    i % 12 + 1,
                    100 + i * 3 + (i % 12) * 5
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = sent.clone();
    let outcome = ci
        .analysis()
        .analyze_bytes(csv.clone())
        .horizon(6)
        .progress(move |n, _| seen.store(n, std::sync::atomic::Ordering::Relaxed))
        .send()
        .await
        .expect("analyze");
    let Analysis::Done { run_id, report } = outcome else {
        panic!("a small file is analysed at once");
    };
    assert_eq!(
        sent.load(std::sync::atomic::Ordering::Relaxed),
        csv.len() as u64
    );
    assert_eq!(
        report.series[0].forecast.as_ref().map(|f| f.points.len()),
        Some(6)
    );
    let run_id = run_id.expect("X-Run-Id");
    // A job: queued, awaited with the backing-off poll, then its report.
    let queued = ci
        .analysis()
        .analyze_bytes(csv.clone())
        .run_async(Some(true))
        .report()
        .await
        .expect("job report");
    assert_eq!(queued.series.len(), 1);
    let runs = ci
        .analysis()
        .runs()
        .status(RunStatus::Succeeded)
        .send()
        .await
        .expect("runs");
    assert_eq!(runs.total, 2);
    let table = ci.analysis().report_csv(&run_id).await.expect("csv");
    assert!(table.contains("kopi"));
    let quick = ci
        .analysis()
        .quick(csv, pintar_sdk::DataFormat::Csv)
        .await
        .expect("quick");
    assert_eq!(quick.series.len(), 1);
    // The analytics key reaches nothing else.
    let denied = ci
        .courses()
        .enroll("sdk-course")
        .await
        .expect_err("out of scope");
    assert_eq!(denied.status(), Some(403));
    ci.analysis().delete_run(&run_id).await.expect("delete run");

    // Platform analytics and admin.
    let series = admin
        .insights()
        .activity()
        .metric(ActivityMetric::Enrollments)
        .forecast(true)
        .send()
        .await
        .expect("activity");
    assert!(series.points.iter().map(|p| p.value).sum::<f64>() >= 1.0);
    let completion = admin
        .insights()
        .completion()
        .send()
        .await
        .expect("completion");
    assert!(
        completion
            .items
            .iter()
            .any(|c| c.course_slug == "sdk-course" && c.completed == 1)
    );
    admin
        .insights()
        .course_progress()
        .send()
        .await
        .expect("course progress");
    admin
        .insights()
        .engagement()
        .send()
        .await
        .expect("engagement");
    admin
        .insights()
        .user_progress()
        .send()
        .await
        .expect("user progress");
    let users = admin
        .admin()
        .users()
        .search("budi")
        .send()
        .await
        .expect("users");
    let budi = users.items[0].id.clone();
    let audit = admin
        .admin()
        .audit()
        .table("users")
        .send()
        .await
        .expect("audit");
    assert!(audit.total >= 2);
    let emails = admin.admin().emails().send().await.expect("emails");
    assert!(emails.total >= 1, "upgrade and key emails are queued");
    let exported = admin
        .admin()
        .export_course("sdk-course")
        .await
        .expect("export");
    assert_eq!(exported.slug, "sdk-course");
    admin
        .admin()
        .set_active(&budi, false)
        .await
        .expect("disable");
    // Disabled takes effect on the next request, even mid-session.
    let gone = learner.auth().me().await.expect_err("disabled");
    assert!(matches!(gone.status(), Some(401) | None), "{gone:?}");
    let forbidden = learner
        .admin()
        .users()
        .send()
        .await
        .expect_err("not an admin");
    assert!(matches!(forbidden.status(), Some(401) | Some(403) | None));
    admin
        .admin()
        .archive_course("sdk-course")
        .await
        .expect("archive");

    server.stop().await;
}

engine_tests!(
    sessions_renew_once_with_rotating_refresh_tokens,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn sessions_renew_once_with_rotating_refresh_tokens(engine: Engine) {
    let server = TestServer::start(engine).await;
    server.seed().await;
    let tokens = server.learner("rina@example.id").await;
    // A stale access token with a good refresh token: the first calls get 401, the client
    // refreshes once for all of them, and the rotated token is handed to the listener.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Tokens>::new()));
    let sink = seen.clone();
    let c = client(&server)
        .tokens(Tokens {
            access_token: "stale.jwt.token".into(),
            refresh_token: tokens.refresh_token.clone(),
            expires_at: None,
        })
        .on_tokens(move |t| sink.lock().expect("lock").push(t.clone()))
        .build()
        .expect("client");
    let calls = (0..8).map(|_| {
        let c = c.clone();
        async move { c.auth().me().await }
    });
    for r in futures_util::future::join_all(calls).await {
        assert_eq!(r.expect("renewed").email, "rina@example.id");
    }
    // Reusing a rotated refresh token would have revoked the family: one refresh happened.
    assert_eq!(seen.lock().expect("lock").len(), 1);
    c.auth().me().await.expect("still signed in");
    // The spent refresh token is refused, and a client holding only it is told to sign in.
    let spent = client(&server)
        .tokens(Tokens {
            access_token: "stale".into(),
            refresh_token: tokens.refresh_token,
            expires_at: None,
        })
        .build()
        .expect("client");
    let err = spent.auth().me().await.expect_err("spent refresh token");
    assert!(
        matches!(err, pintar_sdk::Error::Unauthenticated(_)),
        "{err:?}"
    );
    // Logout ends the session on the server.
    c.auth().logout(false).await.expect("logout");
    assert!(c.tokens().is_none());
    server.stop().await;
}
