//! The README's first command, for real: the `pintar-server` binary on a fresh data
//! directory migrates, creates the first admin, loads the demo courses, serves, and stops
//! cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn fresh_start_serves_seeded_courses_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pintar-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PINTAR_DATA_DIR", dir.path())
        .env("PINTAR_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pintar-server");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    // The generated admin password is printed once on stdout; the address is logged.
    let printed = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<_>>()
            .join("\n")
    });
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("address=") {
                let addr: String = line[i + 8..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = tx.send(addr);
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server logs its address");
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();

    let ready: serde_json::Value = client
        .get(format!("{base}/ready"))
        .send()
        .await
        .expect("ready")
        .json()
        .await
        .expect("json");
    assert_eq!(ready["database"], "sqlite");
    let courses: serde_json::Value = client
        .get(format!("{base}/api/v1/courses"))
        .send()
        .await
        .expect("courses")
        .json()
        .await
        .expect("json");
    assert_eq!(courses["total"], 4, "demo courses seeded");
    let docs = client
        .get(format!("{base}/docs/"))
        .send()
        .await
        .expect("docs");
    assert_eq!(docs.status(), 200);
    assert!(
        dir.path().join("pintar.db").exists(),
        "SQLite file in the data dir"
    );
    // The database (password hashes) and the generated secret are the owner's alone.
    {
        use std::os::unix::fs::PermissionsExt;
        for file in ["pintar.db", "jwt_secret"] {
            let mode = std::fs::metadata(dir.path().join(file))
                .expect("file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{file} is {mode:o}");
        }
    }

    let pid = child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "graceful exit: {exit:?}");
    let out = printed.join().expect("stdout");
    assert!(
        out.contains("Created the first admin: admin@pintar.local"),
        "{out}"
    );
}

#[test]
fn a_short_jwt_secret_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_pintar-server"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PINTAR_DATA_DIR", dir.path())
        .env("PINTAR_BIND", "127.0.0.1:0")
        .env("PINTAR_JWT_SECRET", "only-24-bytes-of-secret!")
        .output()
        .expect("run pintar-server");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("JWT secret is 24 bytes; it must be at least 32"),
        "{err}"
    );
}
