//! Page render times under load: 50 concurrent clients, each signed in with its own
//! browser session, fetch the catalogue and a lesson page as fast as they can over a real
//! server on a loopback port (SQLite, demo courses). Reports each page's latency
//! percentiles as the clients saw them (an upper bound on the server's render time: the
//! clients and the server share this machine) and the server's own time per page from its
//! request-duration histogram. Run:
//! `cargo bench -p pintar-ekspor --bench web_render` (release).

use pintar_server::testing::{Engine, PASSWORD, TestServer};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const SECONDS: u64 = 10;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn csrf(jar: &reqwest::cookie::Jar, base: &str) -> String {
    let url = base.parse().expect("url");
    let cookies = reqwest::cookie::CookieStore::cookies(jar, &url).expect("cookies");
    cookies
        .to_str()
        .expect("text")
        .split("; ")
        .find_map(|c| c.strip_prefix("pe_csrf="))
        .expect("csrf")
        .to_string()
}

/// A browser-like client: registered through the form (so signed in), enrolled in `course`.
async fn learner(base: &str, email: &str, course: &str) -> reqwest::Client {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    http.get(format!("{base}/register"))
        .send()
        .await
        .expect("form");
    let res = http
        .post(format!("{base}/register?csrf={}", csrf(&jar, base)))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), 303, "registered and signed in");
    let res = http
        .post(format!(
            "{base}/courses/{course}/enroll?csrf={}",
            csrf(&jar, base)
        ))
        .send()
        .await
        .expect("enrol");
    assert_eq!(res.status(), 303, "enrolled");
    http
}

/// The server's own count, mean and p99 bucket bound for GET `route` from `/metrics`.
async fn server_time(base: &str, route: &str) -> (f64, f64, f64) {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let needle = format!("route=\"{route}\"");
    let mine: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.contains(&needle) && l.contains("method=\"GET\"") && l.contains("status=\"200\"")
        })
        .collect();
    let value = |suffix: &str| -> f64 {
        mine.iter()
            .find(|l| l.contains(suffix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let count = value("_count");
    let sum = value("_sum");
    let mut p99 = f64::INFINITY;
    for l in mine.iter().filter(|l| l.contains("_bucket")) {
        let le = l
            .split("le=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|v| v.parse::<f64>().ok());
        let n: f64 = l
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0);
        if let Some(le) = le
            && n >= 0.99 * count
        {
            p99 = p99.min(le);
        }
    }
    (count, sum / count.max(1.0), p99)
}

/// The server's own time for one answer, from its `Server-Timing: app;dur=…` header.
fn server_timing(res: &reqwest::Response) -> Option<Duration> {
    let value = res.headers().get("server-timing")?.to_str().ok()?;
    let ms: f64 = value.split("dur=").nth(1)?.parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1e3))
}

/// Every client fetches `url` as fast as it can for [`SECONDS`]: the times the clients saw,
/// and the server's own times (from `Server-Timing`).
async fn load(clients: &[reqwest::Client], url: &str) -> (Vec<Duration>, Vec<Duration>) {
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for c in clients {
        let c = c.clone();
        let url = url.to_string();
        tasks.push(tokio::spawn(async move {
            let (mut times, mut server) = (Vec::new(), Vec::new());
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = c.get(&url).send().await.expect("get");
                assert_eq!(res.status(), 200, "{url}");
                server.extend(server_timing(&res));
                let body = res.bytes().await.expect("body");
                assert!(body.len() > 1000);
                times.push(t.elapsed());
            }
            (times, server)
        }));
    }
    let (mut all, mut server) = (Vec::new(), Vec::new());
    for t in tasks {
        let (times, s) = t.await.expect("task");
        all.extend(times);
        server.extend(s);
    }
    all.sort();
    server.sort();
    (all, server)
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let server = TestServer::start(Engine::Sqlite).await;
        server.seed().await;
        let base = format!("http://{}", server.addr);
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            clients.push(learner(&base, &format!("learner{i}@example.id"), "incoterms-2020").await);
        }
        let detail: serde_json::Value = reqwest::get(format!("{base}/api/v1/courses/incoterms-2020"))
            .await
            .expect("course")
            .json()
            .await
            .expect("json");
        let lesson = detail["outline"][0]["items"][0]["id"].as_str().expect("lesson").to_string();
        println!("{CLIENTS} clients, {SECONDS} s per page, server and clients on this machine");
        // First openings: every client opens every item of the course once, all at the
        // same time; each is a write (progress and the `content_opened` event).
        let items: Vec<String> = detail["outline"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["items"].as_array().into_iter().flatten())
            .filter_map(|i| i["id"].as_str().map(String::from))
            .collect();
        let mut tasks = Vec::new();
        for c in &clients {
            let c = c.clone();
            let urls: Vec<String> = items
                .iter()
                .map(|i| format!("{base}/learn/incoterms-2020/{i}"))
                .collect();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::new();
                for url in urls {
                    let t = Instant::now();
                    let res = c.get(&url).send().await.expect("get");
                    assert_eq!(res.status(), 200, "{url}");
                    res.bytes().await.expect("body");
                    times.push(t.elapsed());
                }
                times
            }));
        }
        let mut first = Vec::new();
        for t in tasks {
            first.extend(t.await.expect("task"));
        }
        first.sort();
        println!(
            "{:<10} {:>7} pages (first openings: writes)  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
            "lesson",
            first.len(),
            percentile(&first, 0.50).as_secs_f64() * 1e3,
            percentile(&first, 0.90).as_secs_f64() * 1e3,
            percentile(&first, 0.99).as_secs_f64() * 1e3,
            first.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        for (name, path, route) in [
            ("catalogue", "/courses".to_string(), "/courses"),
            ("lesson", format!("/learn/incoterms-2020/{lesson}"), "/learn/{slug}/{cid}"),
        ] {
            let url = format!("{base}{path}");
            let (times, server_times) = load(&clients, &url).await;
            let n = times.len();
            println!(
                "{name:<10} {n:>7} pages  {:>7.0}/s  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms",
                n as f64 / SECONDS as f64,
                percentile(&times, 0.50).as_secs_f64() * 1e3,
                percentile(&times, 0.90).as_secs_f64() * 1e3,
                percentile(&times, 0.99).as_secs_f64() * 1e3,
                times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            );
            let (count, mean, p99) = server_time(&base, route).await;
            println!(
                "{name:<10} server: {count:.0} requests, mean {:.2} ms, p99 at most {:.2} ms (histogram bucket)",
                mean * 1e3,
                p99 * 1e3
            );
            println!(
                "{name:<10} server (Server-Timing): p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
                percentile(&server_times, 0.50).as_secs_f64() * 1e3,
                percentile(&server_times, 0.90).as_secs_f64() * 1e3,
                percentile(&server_times, 0.99).as_secs_f64() * 1e3,
                server_times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            );
        }
        server.stop().await;
    });
}
