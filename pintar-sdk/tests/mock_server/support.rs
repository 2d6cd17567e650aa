//! Shared harness of the SDK's wiremock tests: a mock server that fails loudly on any request
//! no test expected, clients for each kind of credentials, request matchers, and fixtures
//! built from the real `pintar-core` types (so they are exactly what the server sends).

#![allow(dead_code, missing_docs)]

use chrono::{DateTime, NaiveDate, Utc};
use pintar_sdk::report::{
    AnalysisReport, Backtest, Direction, Forecast, ForecastPoint, Growth, HistoryPoint,
    InputWarning, ModelScore, MovingAverage, Quality, Seasonality, SeriesReport, SeriesStatus,
    Stats, Summary, Trend,
};
use pintar_sdk::types::*;
use pintar_sdk::{Client, ClientBuilder, RetryPolicy, Tokens};
use serde::Serialize;
use std::time::Duration;
use wiremock::matchers::{any, header, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The API key every key client sends.
pub const KEY: &str = "pk_Ab12Cd34_9f8e7d6c5b4a39281706";

/// A mock server whose lowest-priority mock answers 599 to anything no other mock matched,
/// and is expected never to be hit: a wrong method, path or query makes the call fail with a
/// 599, and the server panics on drop listing the request.
pub async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(|req: &Request| {
            ResponseTemplate::new(599).set_body_string(format!(
                "no mock matched {} {} (headers {:?})",
                req.method, req.url, req.headers
            ))
        })
        .with_priority(u8::MAX)
        .named("UNEXPECTED REQUEST: no mock matched it")
        .expect(0)
        .mount(&server)
        .await;
    server
}

/// Retries that keep tests fast.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .base_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
}

/// A builder aimed at `server` with fast retries.
pub fn builder(server: &MockServer) -> ClientBuilder {
    Client::builder()
        .base_url(server.uri())
        .retry(fast_retry())
        .timeout(Duration::from_secs(5))
}

pub fn anon_client(server: &MockServer) -> Client {
    builder(server).build().expect("client")
}

pub fn key_client(server: &MockServer) -> Client {
    builder(server).api_key(KEY).build().expect("client")
}

/// Tokens valid for 15 minutes.
pub fn tokens(access: &str, refresh: &str) -> Tokens {
    Tokens {
        access_token: access.into(),
        refresh_token: refresh.into(),
        expires_at: Some(Utc::now() + chrono::Duration::minutes(15)),
    }
}

pub fn token_client(server: &MockServer, access: &str, refresh: &str) -> Client {
    builder(server)
        .tokens(tokens(access, refresh))
        .build()
        .expect("client")
}

/// The path under the API root.
pub fn api(p: &str) -> impl Match + use<> {
    path(format!("/api/v1{p}"))
}

/// `Authorization: ApiKey KEY`.
pub fn with_key() -> impl Match + use<> {
    header("authorization", format!("ApiKey {KEY}").as_str())
}

/// `Authorization: Bearer TOKEN`.
pub fn bearer(token: &str) -> impl Match + use<> {
    header("authorization", format!("Bearer {token}").as_str())
}

/// No `Authorization` header at all.
pub fn no_auth() -> impl Match {
    |r: &Request| !r.headers.contains_key("authorization")
}

/// No query string at all.
pub fn no_query() -> impl Match {
    |r: &Request| r.url.query().is_none()
}

/// Exactly these query parameters (in any order), and no others.
pub fn exact_query(pairs: &[(&str, &str)]) -> impl Match + use<> {
    let mut want: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
        .collect();
    want.sort();
    move |r: &Request| {
        let mut got: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
        got.sort();
        got == want
    }
}

/// A JSON answer.
pub fn json<T: Serialize>(status: u16, body: &T) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A problem+json answer as the server writes it.
pub fn problem(status: u16, code: &str, detail: &str) -> ResponseTemplate {
    let p = Problem::new(status, code, detail);
    ResponseTemplate::new(status).set_body_raw(
        serde_json::to_vec(&p).expect("problem"),
        "application/problem+json",
    )
}

/// Requests the server saw.
pub async fn requests(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording on")
}

// ---------------------------------------------------------------------------------------
// Fixtures: real pintar-core values, serialized by the tests as the server would.
// ---------------------------------------------------------------------------------------

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("timestamp")
        .with_timezone(&Utc)
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

pub const USER_ID: &str = "0195a3c2-7d41-7c1e-9a52-3f6b0e2d4c11";
pub const COURSE_ID: &str = "0195a3c2-8e10-7a44-b1c3-5d2e9f0a6b27";
pub const SECTION_ID: &str = "0195a3c2-8e10-7a44-b1c3-5d2e9f0a6c01";
pub const LESSON_ID: &str = "0195a3c2-8e10-7a44-b1c3-5d2e9f0a6d11";
pub const QUIZ_ID: &str = "0195a3c2-8e10-7a44-b1c3-5d2e9f0a6d12";
pub const RUN_ID: &str = "0195a3d0-1111-7222-8333-944455556666";
pub const KEY_ID: &str = "0195a3c9-0a0b-7c0d-8e0f-101112131415";

pub fn token_response(access: &str, refresh: &str) -> TokenResponse {
    TokenResponse {
        access_token: access.into(),
        token_type: "Bearer".into(),
        expires_in: 900,
        refresh_token: refresh.into(),
    }
}

pub fn user(role: Role) -> UserProfile {
    UserProfile {
        id: USER_ID.into(),
        email: "siti@example.id".into(),
        display_name: "Siti Rahma".into(),
        role,
        is_active: true,
        email_verified: true,
        created_at: at("2025-01-06T02:15:00Z"),
    }
}

pub fn course(i: u32) -> CourseSummary {
    CourseSummary {
        id: format!("0195a3c2-8e10-7a44-b1c3-{i:012}"),
        slug: format!("kursus-{i}"),
        title: format!("Kursus Ekspor {i}"),
        summary: "Dasar-dasar ekspor untuk UMKM.".into(),
        level: CourseLevel::Beginner,
        tags: vec!["ekspor".into(), "incoterms".into()],
        estimated_minutes: 45 + i,
        status: CourseStatus::Published,
        published_at: Some(at("2025-02-01T00:00:00Z")),
        sections: 2,
        items: 5,
    }
}

pub fn course_detail() -> CourseDetail {
    let mut summary = course(1);
    summary.id = COURSE_ID.into();
    summary.slug = "incoterms-2020".into();
    CourseDetail {
        course: summary,
        description: "## Incoterms 2020\nSiapa menanggung apa.".into(),
        outline: vec![SectionOutline {
            id: SECTION_ID.into(),
            title: "Pengantar".into(),
            items: vec![
                ContentOutline {
                    id: LESSON_ID.into(),
                    kind: ContentKind::Lesson,
                    title: "Apa itu Incoterms".into(),
                    estimated_minutes: 10,
                },
                ContentOutline {
                    id: QUIZ_ID.into(),
                    kind: ContentKind::Quiz,
                    title: "Kuis".into(),
                    estimated_minutes: 5,
                },
            ],
        }],
        enrolled: true,
    }
}

pub fn progress() -> CourseProgress {
    CourseProgress {
        course_id: COURSE_ID.into(),
        completed: 1,
        total: 2,
        percent: 50.0,
        sections: vec![SectionProgress {
            section_id: SECTION_ID.into(),
            title: "Pengantar".into(),
            completed: 1,
            total: 2,
            percent: 50.0,
        }],
        next: Some(NextItem {
            content_id: QUIZ_ID.into(),
            section_id: SECTION_ID.into(),
            title: "Kuis".into(),
            kind: ContentKind::Quiz,
        }),
        items: vec![ItemProgress {
            content_id: LESSON_ID.into(),
            completed_at: Some(at("2025-03-02T09:00:00Z")),
            last_accessed_at: at("2025-03-02T08:50:00Z"),
        }],
        enrolled_at: at("2025-03-01T07:00:00Z"),
        completed_at: None,
        certificate_code: None,
    }
}

pub fn content_view() -> ContentView {
    ContentView {
        id: QUIZ_ID.into(),
        course_id: COURSE_ID.into(),
        section_id: SECTION_ID.into(),
        kind: ContentKind::Quiz,
        title: "Kuis".into(),
        estimated_minutes: 5,
        body: None,
        video_url: None,
        quiz: Some(QuizView {
            questions: vec![QuestionView {
                prompt: "Siapa menanggung ongkos angkut pada FOB?".into(),
                choices: vec!["Penjual".into(), "Pembeli".into()],
                multiple: false,
            }],
            pass_mark: 70,
            max_attempts: Some(3),
            attempts_used: 0,
            best_score: None,
            passed: false,
        }),
        completed_at: None,
    }
}

pub fn attempt_result() -> AttemptResult {
    let mut after = progress();
    after.completed = 2;
    after.percent = 100.0;
    after.next = None;
    after.completed_at = Some(at("2025-03-02T09:10:00Z"));
    after.certificate_code = Some("PE-7K3M-9QXD-2HWA".into());
    AttemptResult {
        id: "0195a3c2-9999-7a44-b1c3-5d2e9f0a6e01".into(),
        attempt: 1,
        score: 100.0,
        passed: true,
        correct: 1,
        total: 1,
        pass_mark: 70,
        best_score: 100.0,
        attempts_left: Some(2),
        questions: vec![QuestionResult {
            correct: true,
            correct_answers: Some(vec![1]),
            explanation: Some("Pada FOB, pembeli menanggung ongkos angkut utama.".into()),
        }],
        progress: after,
    }
}

pub fn enrollment() -> Enrollment {
    Enrollment {
        course: course_detail().course,
        enrolled_at: at("2025-03-01T07:00:00Z"),
        percent: 50.0,
        completed_at: None,
        certificate_code: None,
    }
}

pub fn certificate() -> Certificate {
    Certificate {
        code: "PE-7K3M-9QXD-2HWA".into(),
        learner: "Siti Rahma".into(),
        course_id: COURSE_ID.into(),
        course_title: "Incoterms 2020".into(),
        completed_at: at("2025-03-02T09:10:00Z"),
    }
}

pub fn key_info() -> ApiKeyInfo {
    ApiKeyInfo {
        id: KEY_ID.into(),
        name: "ci".into(),
        prefix: "pk_Ab12Cd34".into(),
        scopes: vec![Scope::Analytics],
        created_at: at("2025-03-03T10:00:00Z"),
        last_used_at: None,
        expires_at: Some(at("2025-06-01T10:00:00Z")),
        revoked_at: None,
    }
}

pub fn key_created() -> ApiKeyCreated {
    ApiKeyCreated {
        key: KEY.into(),
        info: key_info(),
    }
}

pub fn run(status: RunStatus) -> AnalysisRun {
    let done = status.is_done();
    AnalysisRun {
        id: RUN_ID.into(),
        owner_id: Some(USER_ID.into()),
        status,
        source: "body".into(),
        input_format: "csv".into(),
        input_bytes: 2048,
        options: pintar_sdk::types::AnalysisOptions {
            horizon: Some(6),
            ..Default::default()
        },
        summary: (status == RunStatus::Succeeded).then(|| report().summary),
        error: (status == RunStatus::Failed)
            .then(|| Problem::new(422, "analysis_failed", "no series has enough points")),
        attempts: u32::from(status != RunStatus::Queued),
        created_at: at("2025-03-04T01:00:00Z"),
        started_at: (status != RunStatus::Queued).then(|| at("2025-03-04T01:00:01Z")),
        finished_at: done.then(|| at("2025-03-04T01:00:03Z")),
        duration_ms: done.then_some(1834),
        report_url: format!("/api/v1/analytics/runs/{RUN_ID}/report"),
    }
}

/// A one-series monthly report with a forecast, as the engine writes it.
pub fn report() -> AnalysisReport {
    let point = |d: &str, v: f64| ForecastPoint {
        date: day(d),
        value: v,
        lower_80: v - 8.0,
        upper_80: v + 8.0,
        lower_95: v - 12.5,
        upper_95: v + 12.5,
    };
    AnalysisReport {
        summary: Summary {
            engine_version: "0.1.0".into(),
            layout: "long".into(),
            rows_read: 24,
            rows_used: 24,
            invalid_rows: 0,
            series_count: 1,
            forecasted: 1,
            horizon: Some(2),
            warnings: vec![InputWarning {
                row: 7,
                column: "value".into(),
                message: "empty value, filled by interpolation".into(),
            }],
        },
        series: vec![SeriesReport {
            category: "kopi".into(),
            frequency: Frequency::Month,
            start: day("2023-01-01"),
            end: day("2024-12-01"),
            status: SeriesStatus::Ok,
            notes: vec!["1 missing value filled".into()],
            quality: Quality {
                rows_read: 24,
                rows_used: 24,
                missing_values: 1,
                filled: 1,
                ..Quality::default()
            },
            stats: Stats {
                count: 24,
                mean: 118.5,
                median: 117.0,
                std: 12.25,
                min: 96.0,
                max: 142.0,
                last: 140.0,
                sum: 2844.0,
            },
            trend: Some(Trend {
                slope: 1.5,
                intercept: 101.25,
                r_squared: 0.62,
                sen_slope: 1.4,
                mann_kendall_s: 142.0,
                kendall_tau: 0.51,
                p_value: 0.0004,
                significant: true,
                direction: Direction::Increasing,
            }),
            growth: Growth {
                total_pct: Some(37.25),
                last_period_pct: Some(2.5),
                year_over_year_pct: Some(11.0),
                cagr_pct: Some(17.1),
                mean_period_pct: Some(1.5),
                moving_averages: vec![MovingAverage {
                    window: 3,
                    value: 137.5,
                }],
            },
            seasonality: Some(Seasonality {
                period: 12,
                strength: 0.41,
                detected: true,
                indices: vec![
                    0.95, 0.97, 1.0, 1.02, 1.05, 1.01, 0.99, 0.98, 1.0, 1.01, 1.0, 1.02,
                ],
            }),
            forecast: Some(Forecast {
                model: "ets(A,A,N)".into(),
                backtest: Backtest {
                    mase: 0.82,
                    smape: 6.4,
                    holdout: 4,
                },
                candidates: vec![ModelScore {
                    model: "seasonal_naive".into(),
                    backtest: Backtest {
                        mase: 1.0,
                        smape: 8.1,
                        holdout: 4,
                    },
                }],
                points: vec![point("2025-01-01", 141.5), point("2025-02-01", 143.0)],
            }),
            history: vec![HistoryPoint {
                date: day("2024-12-01"),
                value: Some(140.0),
                cleaned: 140.0,
                outlier: false,
            }],
        }],
    }
}

pub fn quick_analysis() -> QuickAnalysis {
    QuickAnalysis {
        run_id: RUN_ID.into(),
        rows_read: 24,
        invalid_rows: 0,
        series: vec![QuickSeries {
            category: "kopi".into(),
            frequency: Frequency::Month,
            status: SeriesStatus::Ok,
            periods: 24,
            start: day("2023-01-01"),
            end: day("2024-12-01"),
            last_value: Some(140.0),
            trend: Some(Direction::Increasing),
            slope_per_period: Some(1.4),
            p_value: Some(0.0004),
            last_period_pct: Some(2.5),
            year_over_year_pct: Some(11.0),
            cagr_pct: Some(17.1),
        }],
    }
}

pub fn page<T>(items: Vec<T>, total: u64, page: u64, per_page: u64) -> Page<T> {
    Page {
        items,
        total,
        page,
        per_page,
    }
}

/// A small monthly CSV of two series.
pub const CSV: &str = "date,category,value\n\
2024-01-01,kopi,120\n2024-02-01,kopi,125\n2024-03-01,kopi,131\n\
2024-01-01,teh,80\n2024-02-01,teh,78\n2024-03-01,teh,83\n";
