//! What people and scripts see: `pintar`'s human and JSON output over the demo courses,
//! snapshotted (insta) with ids, times and ports filtered out.

use crate::support;

use support::{Cli, Engine, TestServer};

/// Ids, times and the port change on every run; the snapshot keeps their shape.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[uuid]",
    );
    s.add_filter(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", "[time]");
    s.add_filter(r"127\.0\.0\.1:\d+", "[server]");
    s.add_filter(r"file [^\s)]+credentials\.json", "file [credentials]");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalogue_and_account_output() {
    let server = TestServer::start(Engine::Sqlite).await;
    server.seed().await;
    let cli = Cli::new(&server);
    let list = cli.ok(&["courses", "list"], None, &[]).await;
    let json = cli
        .ok(&["--json", "courses", "list", "--per-page", "2"], None, &[])
        .await;
    let missing = cli
        .run(&["courses", "show", "no-such-course"], None, &[])
        .await;
    cli.ok(
        &[
            "auth",
            "register",
            "--email",
            "wati@example.id",
            "--password-stdin",
        ],
        Some("kopi-luwak-2024\n"),
        &[],
    )
    .await;
    cli.ok(
        &[
            "auth",
            "login",
            "--email",
            "wati@example.id",
            "--password-stdin",
        ],
        Some("kopi-luwak-2024\n"),
        &[],
    )
    .await;
    let status = cli.ok(&["auth", "status"], None, &[]).await;
    let status_json = cli.ok(&["--json", "auth", "status"], None, &[]).await;
    server.stop().await;

    settings().bind(|| {
        insta::assert_snapshot!("courses_list_80_columns", list);
        insta::assert_snapshot!("courses_list_json", json);
        insta::assert_snapshot!(
            "course_not_found",
            format!(
                "exit {:?}\n{}",
                missing.status.code(),
                String::from_utf8_lossy(&missing.stderr)
            )
        );
        insta::assert_snapshot!("auth_status", status);
        insta::assert_snapshot!("auth_status_json", status_json);
    });
}
