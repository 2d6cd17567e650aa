//! Shared pieces of the end-to-end tests: a real server (the server's own harness), the
//! `pintar` binary with a throw-away config directory, and a small course to learn.

#![allow(dead_code, missing_docs)]

pub use pintar_server::testing::*;
use std::path::Path;
use std::process::Output;

/// The `pintar` binary, isolated from the user's config, keyring entries and environment.
pub struct Cli {
    pub config: tempfile::TempDir,
    pub server: String,
}

impl Cli {
    pub fn new(server: &TestServer) -> Self {
        Self {
            config: tempfile::tempdir().expect("config dir"),
            server: format!("http://{}", server.addr),
        }
    }

    /// A command with this CLI's config directory and server, plain output at 80 columns.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = assert_cmd::Command::cargo_bin("pintar")
            .expect("the pintar binary (cargo test --workspace builds it)");
        c.env("PINTAR_CONFIG_DIR", self.config.path())
            .env("PINTAR_SERVER", &self.server)
            .env("NO_COLOR", "1")
            .env("COLUMNS", "80")
            .env_remove("PINTAR_API_KEY")
            .env_remove("PINTAR_TOKEN")
            .env_remove("PINTAR_PROFILE")
            .timeout(std::time::Duration::from_secs(120));
        c
    }

    /// Runs `pintar ARGS` (with `stdin`) off the async runtime, so the server keeps serving.
    pub async fn run(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut cmd = self.cmd();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(s) = stdin {
            cmd.write_stdin(s.to_string());
        }
        tokio::task::spawn_blocking(move || cmd.output().expect("pintar runs"))
            .await
            .expect("join")
    }

    /// Runs and expects success; returns stdout.
    pub async fn ok(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> String {
        let out = self.run(args, stdin, env).await;
        assert!(
            out.status.success(),
            "pintar {args:?} failed ({:?}):\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs and expects JSON on stdout.
    pub async fn json(&self, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all, None, env).await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    /// Runs and expects failure with `code`; returns stderr.
    pub async fn fails(&self, args: &[&str], code: i32, env: &[(&str, &str)]) -> String {
        let out = self.run(args, None, env).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "pintar {args:?}: stdout {} stderr {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        stderr
    }

    pub fn config_path(&self) -> &Path {
        self.config.path()
    }
}

/// A small course: one lesson, one quiz whose right answers are 2 and 1+3 (from 1).
pub fn course_document(slug: &str) -> serde_json::Value {
    serde_json::json!({
        "slug": slug,
        "title": "Dokumen Ekspor Dasar",
        "summary": "Invoice, packing list and bill of lading in one sitting.",
        "level": "beginner",
        "tags": ["documents"],
        "sections": [{
            "title": "Dokumen utama",
            "items": [
                {"kind": "lesson", "title": "Commercial invoice", "estimated_minutes": 5,
                 "body": "# Commercial invoice\n\nThe **invoice** states the goods, their value and the *Incoterm*.\n\n* seller and buyer\n* HS code\n* value"},
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

/// Monthly exports of two products over four years.
pub fn exports_csv(dir: &Path) -> std::path::PathBuf {
    let mut rows = vec!["date,category,value".to_string()];
    for (c, base) in [("kopi:USA", 900.0), ("teh:JPN", 400.0)] {
        for i in 0..48 {
            let season = 1.0 + 0.2 * (i as f64 * std::f64::consts::TAU / 12.0).sin();
            let v = (base + 4.0 * i as f64) * season + ((i * 7919 % 11) as f64 - 5.0);
            rows.push(format!("{}-{:02}-01,{c},{v:.2}", 2021 + i / 12, i % 12 + 1));
        }
    }
    let path = dir.join("exports.csv");
    std::fs::write(&path, rows.join("\n") + "\n").expect("write csv");
    path
}
