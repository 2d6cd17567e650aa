//! Retries: idempotent calls retry 429/502/503/504 (honouring `Retry-After`), other calls
//! and other statuses do not, and the policy bounds it all.

use crate::support;

use pintar_sdk::RetryPolicy;
use pintar_sdk::types::CourseStatus;
use std::time::{Duration, Instant};
use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn unavailable_then(
    server: &MockServer,
    http: &str,
    p: &str,
    times: u64,
    then: ResponseTemplate,
) {
    Mock::given(method(http))
        .and(api(p))
        .respond_with(
            problem(503, "unavailable", "the analysis queue is full")
                .insert_header("retry-after", "0"),
        )
        .up_to_n_times(times)
        .with_priority(1)
        .expect(times)
        .mount(server)
        .await;
    Mock::given(method(http))
        .and(api(p))
        .respond_with(then)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_get_answered_503_twice_then_200_succeeds_on_the_third_request() {
    let server = server().await;
    unavailable_then(
        &server,
        "GET",
        "/courses/incoterms-2020",
        2,
        json(200, &course_detail()),
    )
    .await;

    let detail = key_client(&server)
        .courses()
        .get("incoterms-2020")
        .await
        .expect("retried to success");
    assert_eq!(detail, course_detail());
    assert_eq!(requests(&server).await.len(), 3);
}

#[tokio::test]
async fn a_delete_is_idempotent_and_retried_too() {
    let server = server().await;
    unavailable_then(
        &server,
        "DELETE",
        &format!("/analytics/runs/{RUN_ID}"),
        1,
        ResponseTemplate::new(204),
    )
    .await;

    key_client(&server)
        .analysis()
        .delete_run(RUN_ID)
        .await
        .expect("deleted");
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_post_answered_503_is_not_retried() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/courses/incoterms-2020/enroll"))
        .respond_with(problem(503, "unavailable", "try later").insert_header("retry-after", "0"))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server)
        .courses()
        .enroll("incoterms-2020")
        .await
        .expect_err("503");
    let api = err.api().expect("api error");
    assert_eq!(api.status, 503);
    assert_eq!(api.retry_after, Some(Duration::ZERO));
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_ends_retries_and_the_error_carries_it() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .respond_with(
            problem(429, "rate_limited", "too many requests").insert_header("retry-after", "120"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry(fast_retry().max_retry_after(Duration::from_secs(30)))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client.courses().list().send().await.expect_err("429");
    assert!(started.elapsed() < Duration::from_secs(5), "did not wait");
    let api = err.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (429, "rate_limited"));
    assert_eq!(api.retry_after, Some(Duration::from_secs(120)));
}

#[tokio::test]
async fn a_429_with_a_short_retry_after_is_retried() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/admin/courses"))
        .respond_with(problem(429, "rate_limited", "slow down").insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/admin/courses"))
        .and(exact_query(&[("status", "draft")]))
        .respond_with(json(200, &page(vec![course(1)], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let page = token_client(&server, "a", "r")
        .admin()
        .courses()
        .status(CourseStatus::Draft.as_str())
        .send()
        .await
        .expect("retried");
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn never_means_one_request() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/incoterms-2020"))
        .respond_with(problem(503, "unavailable", "maintenance").insert_header("retry-after", "0"))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    let err = client
        .courses()
        .get("incoterms-2020")
        .await
        .expect_err("503");
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn retries_stop_after_max_retries_with_backoff() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/incoterms-2020"))
        .respond_with(ResponseTemplate::new(504))
        .expect(3)
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry(fast_retry().max_retries(2))
        .build()
        .expect("client");
    let err = client
        .courses()
        .get("incoterms-2020")
        .await
        .expect_err("504");
    let api = err.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (504, "gateway_timeout"));
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let server = server().await;
    for (p, status) in [
        ("/courses/a", 500),
        ("/courses/b", 404),
        ("/courses/c", 409),
    ] {
        Mock::given(method("GET"))
            .and(api(p))
            .respond_with(problem(status, "x", "no"))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = key_client(&server);
    for (id, status) in [("a", 500), ("b", 404), ("c", 409)] {
        let err = client.courses().get(id).await.expect_err("error");
        assert_eq!(err.status(), Some(status));
    }
}
