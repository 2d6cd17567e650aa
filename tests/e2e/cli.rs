//! The `pintar` CLI end to end against a real server on a loopback port: a learner signs
//! up, studies a lesson and passes a quiz, becomes a developer, makes a key, and analyses a
//! file remotely with the key from the environment; an admin imports, publishes and
//! archives a course and manages users. Exit codes are checked as scripts rely on them.

use crate::support;

use support::{Cli, Engine, PASSWORD, TestServer, course_document, exports_csv};

const LEARNER: &str = "siti@example.id";
const ADMIN: &str = "admin@example.id";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_learner_a_developer_and_an_admin_at_the_terminal() {
    let server = TestServer::start(Engine::Sqlite).await;
    let cli = Cli::new(&server);
    let admin = Cli::new(&server);
    let pw = format!("{PASSWORD}\n");

    // Anonymous: protected commands say "sign in" with exit 5; public ones work.
    let err = cli.fails(&["keys", "list"], 5, &[]).await;
    assert!(err.contains("pintar auth login"), "{err}");
    cli.fails(&["auth", "status"], 5, &[]).await;

    // The admin brings a course in and publishes it.
    server.admin(ADMIN).await;
    admin
        .ok(
            &["auth", "login", "--email", ADMIN, "--password-stdin"],
            Some(&pw),
            &[],
        )
        .await;
    let doc = admin.config_path().join("course.json");
    std::fs::write(&doc, course_document("dokumen-dasar").to_string()).expect("write course");
    let imported = admin
        .json(
            &["admin", "courses", "import", doc.to_str().expect("utf-8")],
            &[],
        )
        .await;
    assert_eq!(imported["status"], "draft");
    admin
        .ok(&["admin", "courses", "publish", "dokumen-dasar"], None, &[])
        .await;

    // Register asks only for email and password; login keeps the session.
    cli.ok(
        &["auth", "register", "--email", LEARNER, "--password-stdin"],
        Some(&pw),
        &[],
    )
    .await;
    let login = cli
        .run(
            &["auth", "login", "--email", LEARNER, "--password-stdin"],
            Some(&pw),
            &[],
        )
        .await;
    assert!(login.status.success(), "{login:?}");
    let stderr = String::from_utf8_lossy(&login.stderr);
    let file = cli.config_path().join("credentials.json");
    if stderr.contains("keyring unavailable") {
        // No keyring on this machine: the fallback file, owner-only, holds the session.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file)
            .expect("credentials file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "credentials file mode {mode:o}");
        assert_eq!(
            stderr.matches("warning").count(),
            1,
            "one warning: {stderr}"
        );
    }
    let status = cli.json(&["auth", "status"], &[]).await;
    assert_eq!(status["signed_in"], true);
    assert_eq!(status["email"], LEARNER);
    assert_eq!(status["role"], "public");
    assert_eq!(
        status["display_name"], "siti",
        "the email's local part by default"
    );

    // The catalogue, the course, enrolment.
    let list = cli.json(&["courses", "list"], &[]).await;
    assert!(
        list["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|c| c["slug"] == "dokumen-dasar"),
        "{list}"
    );
    let human = cli.ok(&["courses", "list"], None, &[]).await;
    assert!(
        human.lines().all(|l| l.chars().count() <= 80),
        "fits 80 columns:\n{human}"
    );
    assert!(human.contains("dokumen-dasar"), "{human}");
    cli.fails(&["courses", "show", "no-such-course"], 7, &[])
        .await;

    // `learn` enrols, shows the lesson and completes it.
    let lesson = cli.json(&["learn", "dokumen-dasar"], &[]).await;
    assert_eq!(lesson["content"]["kind"], "lesson");
    assert_eq!(lesson["completed"], true);
    let text = cli
        .ok(&["courses", "progress", "dokumen-dasar"], None, &[])
        .await;
    assert!(text.contains("1 of 2 items done"), "{text}");
    // Next is the quiz: without a terminal `learn` points to `quiz` (usage, exit 2).
    let err = cli.fails(&["learn", "dokumen-dasar"], 2, &[]).await;
    assert!(err.contains("pintar quiz"), "{err}");
    // A wrong answer fails the quiz (exit 3), a malformed one is refused before sending.
    cli.fails(&["quiz", "dokumen-dasar", "-a", "1", "-a", "1"], 3, &[])
        .await;
    cli.fails(&["quiz", "dokumen-dasar", "-a", "9", "-a", "1"], 2, &[])
        .await;
    let passed = cli
        .json(&["quiz", "dokumen-dasar", "-a", "2", "-a", "1,3"], &[])
        .await;
    assert_eq!(passed["passed"], true, "{passed}");
    let code = passed["progress"]["certificate_code"]
        .as_str()
        .expect("a certificate")
        .to_string();
    let verified = cli.json(&["certificates", "verify", &code], &[]).await;
    assert_eq!(verified["learner"], "siti");
    let certs = cli.json(&["certificates", "show"], &[]).await;
    assert_eq!(certs[0]["code"], code.as_str());
    cli.fails(&["certificates", "verify", "PE-0000-0000-0000"], 7, &[])
        .await;

    // A learner is not an admin (exit 6), and has no keys yet.
    cli.fails(&["admin", "users", "list"], 6, &[]).await;
    cli.fails(&["keys", "list"], 6, &[]).await;

    // Upgrading needs a confirmed address: the link from the email, pasted whole.
    let err = cli.fails(&["upgrade"], 6, &[]).await;
    assert!(err.contains("confirm your email"), "{err}");
    let link = server.emailed_link(LEARNER, "verify_email").await;
    let out = cli.ok(&["account", "verify", &link], None, &[]).await;
    assert!(out.is_empty(), "notes go to stderr: {out}");
    cli.fails(&["account", "verify", &link], 3, &[]).await;

    // Upgrade prints the first key once, on stdout.
    let first = cli.ok(&["upgrade"], None, &[]).await;
    assert!(first.trim().starts_with("pk_"), "{first}");
    let key = cli
        .ok(&["keys", "create", "ci", "--scope", "analytics"], None, &[])
        .await
        .trim()
        .to_string();
    assert!(key.starts_with("pk_"));
    let keys = cli.json(&["keys", "list"], &[]).await;
    assert_eq!(keys.as_array().expect("keys").len(), 2);

    // Remote analysis with the key from the environment gives the local numbers.
    let data = tempfile::tempdir().expect("data dir");
    let csv = exports_csv(data.path());
    let csv = csv.to_str().expect("utf-8");
    let env = [("PINTAR_API_KEY", key.as_str())];
    let remote = cli.json(&["analyze", csv, "--remote"], &env).await;
    let local = cli.json(&["analyze", csv], &[]).await;
    assert_eq!(remote["series"].as_array().map(Vec::len), Some(2));
    for (r, l) in remote["series"]
        .as_array()
        .expect("series")
        .iter()
        .zip(local["series"].as_array().expect("series"))
    {
        assert_eq!(r["category"], l["category"]);
        assert_eq!(
            r["forecast"]["points"], l["forecast"]["points"],
            "same engine, same numbers"
        );
    }
    let runs = cli.json(&["runs", "list"], &env).await;
    let run_id = runs["items"][0]["id"].as_str().expect("a run").to_string();
    let table = cli
        .ok(&["runs", "download", &run_id, "--csv"], None, &env)
        .await;
    assert!(
        table.starts_with("category,") || table.contains("kopi:USA"),
        "{table}"
    );
    // A key cannot manage keys: that needs a signed-in session (exit 5).
    let err = cli.fails(&["keys", "list"], 5, &env).await;
    assert!(err.contains("signed-in session"), "{err}");
    // A revoked key stops at once: exit 5.
    let ci = keys
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["name"] == "ci")
        .map(|k| k["id"].as_str().expect("id").to_string())
        .expect("the ci key");
    cli.ok(&["keys", "revoke", &ci], None, &[]).await;
    cli.fails(&["runs", "list"], 5, &env).await;

    // Admin: users, roles, disabling, audit, emails, archive.
    let users = admin
        .json(&["admin", "users", "list", "--search", "siti"], &[])
        .await;
    assert_eq!(users["total"], 1);
    let changed = admin
        .json(&["admin", "users", "role", LEARNER, "public"], &[])
        .await;
    assert_eq!(changed["role"], "public");
    let audit = admin
        .json(&["admin", "audit", "--table", "users"], &[])
        .await;
    assert!(audit["total"].as_u64().unwrap_or(0) >= 2, "{audit}");
    let emails = admin.json(&["admin", "emails"], &[]).await;
    assert!(emails["total"].as_u64().unwrap_or(0) >= 1, "{emails}");
    admin
        .ok(&["admin", "users", "disable", LEARNER], None, &[])
        .await;
    // Disabled takes effect on the learner's next request.
    cli.fails(&["auth", "status"], 5, &[]).await;
    let archived = admin
        .json(&["admin", "courses", "archive", "dokumen-dasar"], &[])
        .await;
    assert_eq!(archived["status"], "archived");
    let progress = admin.json(&["analytics", "completion"], &[]).await;
    assert!(progress.as_array().is_some(), "{progress}");

    // Logout forgets the stored session.
    admin.ok(&["auth", "logout"], None, &[]).await;
    admin.fails(&["auth", "status"], 5, &[]).await;

    server.stop().await;
    // Nothing listens any more: server unavailable (exit 9).
    cli.fails(&["courses", "list"], 9, &[]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_config_and_bad_settings() {
    let server = TestServer::start(Engine::Sqlite).await;
    let cli = Cli::new(&server);
    // config set/get/list with a named profile; the server comes from the profile.
    cli.ok(
        &[
            "--profile",
            "staging",
            "config",
            "set",
            "server",
            "http://staging.example:9000",
        ],
        None,
        &[],
    )
    .await;
    let got = cli
        .ok(
            &["--profile", "staging", "config", "get", "server"],
            None,
            &[],
        )
        .await;
    assert_eq!(got.trim(), "http://staging.example:9000/");
    let list = cli.ok(&["config", "list"], None, &[]).await;
    assert!(
        list.contains("staging.server = http://staging.example:9000"),
        "{list}"
    );
    cli.fails(&["config", "set", "colour", "blue"], 2, &[])
        .await;
    cli.fails(&["config", "set", "server", "ftp://x"], 2, &[])
        .await;
    // PINTAR_SERVER wins over the profile.
    let out = cli
        .json(&["--profile", "staging", "courses", "list"], &[])
        .await;
    assert!(out["items"].is_array());
    // A bad URL on the command line is a usage error.
    cli.fails(&["--server", "not a url", "courses", "list"], 2, &[])
        .await;
    // Stored credentials belong to the server that issued them: pointed elsewhere, the
    // CLI does not send them (a hostile host would get the session).
    let pw = format!("{PASSWORD}\n");
    cli.ok(
        &[
            "auth",
            "register",
            "--email",
            "ani@example.id",
            "--password-stdin",
        ],
        Some(&pw),
        &[],
    )
    .await;
    cli.ok(
        &[
            "auth",
            "login",
            "--email",
            "ani@example.id",
            "--password-stdin",
        ],
        Some(&pw),
        &[],
    )
    .await;
    let err = cli
        .fails(
            &["--server", "http://127.0.0.1:9", "auth", "status"],
            5,
            &[],
        )
        .await;
    assert!(err.contains("not sent"), "{err}");
    // With PINTAR_TOKEN in charge, logout says to unset it instead of touching the store.
    let err = cli
        .fails(&["auth", "logout"], 2, &[("PINTAR_TOKEN", "x")])
        .await;
    assert!(err.contains("PINTAR_TOKEN"), "{err}");
    server.stop().await;
}
