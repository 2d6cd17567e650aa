//! Getting an account back, end to end: with the `pintar` CLI and with the SDK, against a
//! real server, the address is confirmed from the emailed link, a forgotten password is
//! reset, the email is changed, the sessions are listed and ended, the data is exported,
//! and the account is deleted. The links are read from the server's outbox, as a person
//! reads them from their mailbox.

use crate::support;

use pintar_sdk::Client;
use pintar_server::engine_tests;
use support::{Cli, Engine, PASSWORD, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovering_an_account_at_the_terminal() {
    let server = TestServer::start(Engine::Sqlite).await;
    let cli = Cli::new(&server);
    let email = "rina@example.id";
    let pw = format!("{PASSWORD}\n");
    cli.ok(
        &["auth", "register", "--email", email, "--password-stdin"],
        Some(&pw),
        &[],
    )
    .await;
    let login = cli
        .run(
            &["auth", "login", "--email", email, "--password-stdin"],
            Some(&pw),
            &[],
        )
        .await;
    assert!(login.status.success());
    // Loopback: no warning about plain HTTP.
    assert!(!String::from_utf8_lossy(&login.stderr).contains("unencrypted"));

    // The registration's link went out a moment ago: asking again waits (exit 8).
    cli.fails(&["account", "resend-verification"], 8, &[]).await;
    let link = server.emailed_link(email, "verify_email").await;
    let token = link.split("token=").nth(1).expect("token").to_string();
    let verified = cli.json(&["account", "verify", &token], &[]).await;
    assert_eq!(verified["email_verified"], true);

    // Sessions: this one, and one more from another terminal; then only this one.
    let other = Cli::new(&server);
    other
        .ok(
            &["auth", "login", "--email", email, "--password-stdin"],
            Some(&pw),
            &[],
        )
        .await;
    let list = cli.json(&["account", "sessions"], &[]).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let ended = cli
        .json(&["account", "sessions", "--end-others"], &[])
        .await;
    assert_eq!(ended["ended"], 1);
    other.fails(&["auth", "status"], 5, &[]).await;

    // The export, to a file.
    let file = cli.config_path().join("data-saya.json");
    cli.ok(
        &["account", "export", "-o", file.to_str().expect("utf-8")],
        None,
        &[],
    )
    .await;
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("export")).expect("json");
    assert_eq!(doc["format"], "pintar-account-export/1");
    assert_eq!(doc["profile"]["email"], email);

    // A forgotten password: the same answer for any address; the link sets a new one and
    // ends every session, this one's too.
    let known = cli
        .json(&["account", "forgot-password", "--email", email], &[])
        .await;
    let unknown = cli
        .json(
            &["account", "forgot-password", "--email", "siapa@example.id"],
            &[],
        )
        .await;
    assert_eq!(known, unknown);
    let link = server.emailed_link(email, "password_reset").await;
    let new = "sambal-matah-2026\n";
    cli.ok(
        &["account", "reset-password", &link, "--password-stdin"],
        Some(new),
        &[],
    )
    .await;
    cli.fails(&["auth", "status"], 5, &[]).await;
    let spent = cli
        .run(
            &["account", "reset-password", &link, "--password-stdin"],
            Some("sambal-matah-2027\n"),
            &[],
        )
        .await;
    assert_eq!(spent.status.code(), Some(3), "the link works once");
    cli.ok(
        &["auth", "login", "--email", email, "--password-stdin"],
        Some(new),
        &[],
    )
    .await;

    // Deleting asks for the password; afterwards nothing signs in.
    let wrong = cli
        .run(
            &["account", "delete", "--yes", "--password-stdin"],
            Some("bukan-sandinya-1\n"),
            &[],
        )
        .await;
    assert_eq!(
        wrong.status.code(),
        Some(3),
        "a wrong password deletes nothing"
    );
    cli.ok(
        &["account", "delete", "--yes", "--password-stdin"],
        Some(new),
        &[],
    )
    .await;
    cli.fails(&["auth", "status"], 5, &[]).await;
    assert_eq!(
        server.login(email, new.trim()).await.status(),
        401,
        "the account is gone"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_two_small_heavy_files_are_refused_remotely_with_exit_3() {
    let server = TestServer::start(Engine::Sqlite).await;
    let cli = Cli::new(&server);
    let pw = format!("{PASSWORD}\n");
    server.register("berat@example.id").await;
    cli.ok(
        &[
            "auth",
            "login",
            "--email",
            "berat@example.id",
            "--password-stdin",
        ],
        Some(&pw),
        &[],
    )
    .await;
    let dir = tempfile::tempdir().expect("dir");
    for columns in [1_000, 10_000] {
        let mut csv = String::from("date");
        for c in 0..columns {
            csv.push_str(&format!(",s{c}"));
        }
        csv.push('\n');
        for date in ["2020-01-01", "2020-01-02", "2022-09-26"] {
            csv.push_str(date);
            for c in 0..columns {
                csv.push_str(&format!(",{}", c % 7 + 1));
            }
            csv.push('\n');
        }
        let path = dir.path().join(format!("jarang-{columns}.csv"));
        std::fs::write(&path, csv).expect("write");
        let started = std::time::Instant::now();
        let err = cli
            .fails(
                &["analyze", path.to_str().expect("utf-8"), "--remote"],
                3,
                &[],
            )
            .await;
        assert!(err.contains("periods"), "{err}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{columns}: {:?}",
            started.elapsed()
        );
    }
    server.stop().await;
}

fn client(server: &TestServer) -> pintar_sdk::ClientBuilder {
    Client::builder().base_url(format!("http://{}", server.addr))
}

fn token(link: &str) -> String {
    link.split("token=").nth(1).expect("token").to_string()
}

engine_tests!(
    recovering_an_account_through_the_sdk,
    flavor = "multi_thread",
    worker_threads = 2
);
async fn recovering_an_account_through_the_sdk(engine: Engine) {
    let server = TestServer::start(engine).await;
    let anon = client(&server).build().expect("client");
    let email = "dina@example.id";
    let me = anon
        .auth()
        .register(email, PASSWORD, Some("Dina"))
        .await
        .expect("register");
    assert!(!me.email_verified);
    let dina = client(&server).build().expect("client");
    dina.auth().login(email, PASSWORD).await.expect("login");
    let wait = dina
        .auth()
        .resend_verification()
        .await
        .expect_err("sent a moment ago");
    assert_eq!(wait.status(), Some(429));
    let link = server.emailed_link(email, "verify_email").await;
    assert!(
        anon.auth()
            .verify_email(&token(&link))
            .await
            .expect("verify")
            .email_verified
    );

    // A new address: nothing changes until its link is opened.
    let accepted = dina
        .auth()
        .change_email("dina.baru@example.id", PASSWORD)
        .await
        .expect("change");
    assert!(accepted.message.contains("dina.baru@example.id"));
    assert_eq!(dina.auth().me().await.expect("me").email, email);
    let link = server
        .emailed_link("dina.baru@example.id", "email_change_verify")
        .await;
    let moved = anon
        .auth()
        .confirm_email_change(&token(&link))
        .await
        .expect("confirm");
    assert_eq!(moved.email, "dina.baru@example.id");
    let email = "dina.baru@example.id";

    // Sessions and the export.
    let second = client(&server).build().expect("client");
    second.auth().login(email, PASSWORD).await.expect("login");
    assert_eq!(dina.auth().sessions().await.expect("sessions").len(), 2);
    assert_eq!(
        dina.auth().end_other_sessions().await.expect("end").ended,
        1
    );
    assert!(second.auth().me().await.is_err(), "ended");
    let doc = dina.auth().export().await.expect("export");
    assert_eq!(doc.profile.email, email);
    assert_eq!(doc.sessions.len(), 1);

    // A forgotten password.
    let a = anon
        .auth()
        .request_password_reset(email)
        .await
        .expect("ask");
    let b = anon
        .auth()
        .request_password_reset("tidak.ada@example.id")
        .await
        .expect("ask");
    assert_eq!(a, b);
    let link = server.emailed_link(email, "password_reset").await;
    anon.auth()
        .reset_password(&token(&link), "rendang-padang-2026")
        .await
        .expect("reset");
    assert!(dina.auth().me().await.is_err(), "every session ended");
    let again = client(&server).build().expect("client");
    again
        .auth()
        .login(email, "rendang-padang-2026")
        .await
        .expect("new password");

    // Deletion.
    let wrong = again
        .auth()
        .delete_account("bukan-ini-123")
        .await
        .expect_err("wrong password");
    assert_eq!(wrong.status(), Some(422));
    again
        .auth()
        .delete_account("rendang-padang-2026")
        .await
        .expect("delete");
    assert!(
        client(&server)
            .build()
            .expect("client")
            .auth()
            .login(email, "rendang-padang-2026")
            .await
            .is_err()
    );
    server.stop().await;
}
