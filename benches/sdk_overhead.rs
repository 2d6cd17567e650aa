//! The SDK's cost per call against a raw reqwest round trip, over a real server on a
//! loopback port (SQLite, demo courses): the same request, the same JSON decoded into the
//! same type, interleaved so both see the same machine. Run:
//! `cargo bench -p pintar-ekspor --bench sdk_overhead` (release).

use pintar_sdk::types::CourseDetail;
use pintar_server::testing::{Engine, TestServer};
use std::time::{Duration, Instant};

const WARMUP: usize = 200;
const ROUNDS: usize = 20;
const CALLS: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
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
        let url = format!("{base}/api/v1/courses/incoterms-2020");
        let raw = reqwest::Client::new();
        let sdk = pintar_sdk::Client::builder()
            .base_url(&base)
            .build()
            .expect("client");

        let raw_call = || async {
            let res = raw
                .get(&url)
                .header("accept", "application/json")
                .send()
                .await
                .expect("send");
            assert!(res.status().is_success());
            let bytes = res.bytes().await.expect("body");
            let c: CourseDetail = serde_json::from_slice(&bytes).expect("decode");
            c
        };
        let sdk_call = || async { sdk.courses().get("incoterms-2020").await.expect("sdk") };

        for _ in 0..WARMUP {
            raw_call().await;
            sdk_call().await;
        }
        let (mut raw_t, mut sdk_t) = (Vec::new(), Vec::new());
        let (mut raw_total, mut sdk_total) = (Duration::ZERO, Duration::ZERO);
        for round in 0..ROUNDS {
            // Alternate which goes first so neither always meets a warmer server.
            for first_raw in [round % 2 == 0, round % 2 == 1] {
                let started = Instant::now();
                for _ in 0..CALLS {
                    let t = Instant::now();
                    if first_raw {
                        raw_call().await;
                        raw_t.push(t.elapsed());
                    } else {
                        sdk_call().await;
                        sdk_t.push(t.elapsed());
                    }
                }
                if first_raw {
                    raw_total += started.elapsed();
                } else {
                    sdk_total += started.elapsed();
                }
            }
        }
        raw_t.sort();
        sdk_t.sort();
        let n = (ROUNDS * CALLS) as f64;
        let (raw_mean, sdk_mean) = (
            raw_total.as_secs_f64() / n * 1e6,
            sdk_total.as_secs_f64() / n * 1e6,
        );
        println!(
            "GET /courses/incoterms-2020 decoded into CourseDetail, {} calls each",
            ROUNDS * CALLS
        );
        println!(
            "raw reqwest: mean {raw_mean:.1} µs, p50 {:?}, p99 {:?}",
            percentile(&raw_t, 0.5),
            percentile(&raw_t, 0.99)
        );
        println!(
            "pintar-sdk:  mean {sdk_mean:.1} µs, p50 {:?}, p99 {:?}",
            percentile(&sdk_t, 0.5),
            percentile(&sdk_t, 0.99)
        );
        let p50 = percentile(&sdk_t, 0.5).as_secs_f64() / percentile(&raw_t, 0.5).as_secs_f64();
        println!(
            "SDK overhead: mean {:+.1}%, p50 {:+.1}%",
            (sdk_mean / raw_mean - 1.0) * 100.0,
            (p50 - 1.0) * 100.0
        );
        server.stop().await;
    });
}
