//! The getting-started page's snippets work as printed: the page is fetched from a real
//! server and its shell snippets run with `bash` (curl and the `pintar` binary), the only
//! edit being the one the page asks for (the real API key in place of `pk_YOUR_KEY`).

use crate::support;

use serde_json::{Value, json};
use std::process::Command;
use support::{Engine, TestServer};

/// The text of `<code id="snip-N">`, unescaped.
fn snippet(page: &str, n: usize) -> String {
    let open = format!("<code id=\"snip-{n}\">");
    let rest = page.split(&open).nth(1).expect("snippet");
    let raw = rest.split("</code>").next().expect("closing tag");
    raw.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Runs `script` with bash in `dir` with `env`, off the async runtime (the server keeps
/// serving); returns its standard output, failing the test on a non-zero exit.
async fn bash(script: String, dir: std::path::PathBuf, env: Vec<(String, String)>) -> String {
    tokio::task::spawn_blocking(move || bash_now(&script, &dir, &env))
        .await
        .expect("join")
}

fn bash_now(script: &str, dir: &std::path::Path, env: &[(String, String)]) -> String {
    let mut cmd = Command::new("bash");
    cmd.arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .current_dir(dir);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash runs");
    assert!(
        out.status.success(),
        "snippet failed:\n{script}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_getting_started_snippets_work_as_printed() {
    let s = TestServer::start(Engine::Sqlite).await;
    s.seed().await;
    let tokens = s.learner("dev@example.id").await;
    let up = s
        .post(
            "/api/v1/auth/upgrade-role",
            Some(&tokens.access_token),
            json!({}),
        )
        .await;
    assert_eq!(up.status, 201, "{}", up.body);
    let key = up.body["api_key"]["key"].as_str().expect("key").to_string();
    let page = reqwest::get(s.url("/developer/start"))
        .await
        .expect("page")
        .text()
        .await
        .expect("text");
    let base = format!("http://{}", s.addr);
    assert!(page.contains(&base), "the page names this server");
    let dir = tempfile::tempdir().expect("dir");
    let owned = |env: &[(&str, &str)]| -> Vec<(String, String)> {
        env.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let run = |n: usize, env: &[(&str, &str)]| {
        let script = snippet(&page, n).replace("pk_YOUR_KEY", &key);
        bash(script, dir.path().to_path_buf(), owned(env))
    };

    // The sample data, then the catalogue and an analysis with curl.
    run(0, &[]).await;
    let csv = std::fs::read_to_string(dir.path().join("exports.csv")).expect("exports.csv");
    assert_eq!(csv.lines().count(), 37, "{csv}");
    let courses: Value = serde_json::from_str(&run(1, &[]).await).expect("courses JSON");
    assert!(courses["total"].as_u64().expect("total") >= 1, "{courses}");
    let report: Value = serde_json::from_str(&run(2, &[]).await).expect("report JSON");
    let points = report["series"][0]["forecast"]["points"]
        .as_array()
        .expect("points");
    assert_eq!(points.len(), 6, "horizon 6: {report}");

    // The CLI lines, with the key in the environment as the page says for scripts.
    let bin = assert_cmd::cargo::cargo_bin("pintar");
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let config = tempfile::tempdir().expect("config");
    let cli = snippet(&page, 5);
    let lines: Vec<&str> = cli.lines().collect();
    assert!(lines[0].ends_with("auth login"), "{cli}");
    let env = [
        ("PATH", path.as_str()),
        ("PINTAR_API_KEY", key.as_str()),
        ("PINTAR_CONFIG_DIR", config.path().to_str().expect("path")),
        ("NO_COLOR", "1"),
    ];
    let script = |line: &str| bash(line.to_string(), dir.path().to_path_buf(), owned(&env));
    let analysed = script(lines[1]).await;
    assert!(analysed.contains("coffee"), "{analysed}");
    let listed: Value = serde_json::from_str(&script(lines[2]).await).expect("CLI JSON");
    assert!(listed.to_string().contains("incoterms-2020"), "{listed}");
    s.stop().await;
}
