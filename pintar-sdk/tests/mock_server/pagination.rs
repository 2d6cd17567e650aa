//! Lists: `send` passes filters and paging; `stream` walks the pages lazily, in order, and
//! stops at the last one.

use crate::support;

use futures_util::{StreamExt, TryStreamExt};
use pintar_sdk::types::{CourseLevel, CourseSummary};
use support::*;
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer};

/// 7 courses, 3 per page: pages 1 and 2 hold 3, page 3 holds 1; mocks from page `from`.
async fn three_pages(server: &MockServer, from: u64) {
    let all: Vec<CourseSummary> = (1..=7).map(course).collect();
    for (n, chunk) in (1u64..).zip(all.chunks(3)) {
        if n < from {
            continue;
        }
        Mock::given(method("GET"))
            .and(api("/courses"))
            .and(exact_query(&[
                ("level", "beginner"),
                ("page", &n.to_string()),
                ("per_page", "3"),
            ]))
            .respond_with(json(200, &page(chunk.to_vec(), 7, n, 3)))
            .named(format!("page {n}"))
            .expect(1)
            .mount(server)
            .await;
    }
}

#[tokio::test]
async fn send_passes_filters_page_and_per_page() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .and(with_key())
        .and(header("accept", "application/json"))
        .and(exact_query(&[
            ("q", "kopi ekspor"),
            ("level", "intermediate"),
            ("tag", "incoterms"),
            ("sort", "-published_at"),
            ("page", "2"),
            ("per_page", "5"),
        ]))
        .respond_with(json(200, &page(vec![course(6), course(7)], 7, 2, 5)))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .courses()
        .list()
        .search("kopi ekspor")
        .level(CourseLevel::Intermediate)
        .tag("incoterms")
        .sort("-published_at")
        .page(2)
        .per_page(5)
        .send()
        .await
        .expect("page");
    assert_eq!(got, page(vec![course(6), course(7)], 7, 2, 5));
    assert_eq!(got.pages(), 2);
}

#[tokio::test]
async fn send_without_options_sends_no_query() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .and(no_query())
        .and(no_auth())
        .respond_with(json(200, &page(vec![course(1)], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = anon_client(&server)
        .courses()
        .list()
        .send()
        .await
        .expect("page");
    assert_eq!(got.items, vec![course(1)]);
}

#[tokio::test]
async fn stream_fetches_pages_lazily_and_yields_every_item_in_order() {
    let server = server().await;
    three_pages(&server, 1).await;
    let client = anon_client(&server);
    let mut items = client
        .courses()
        .list()
        .level("beginner")
        .per_page(3)
        .stream();

    assert!(
        requests(&server).await.is_empty(),
        "nothing before the first poll"
    );
    let first = items.next().await.expect("an item").expect("ok");
    assert_eq!(first.slug, "kursus-1");
    assert_eq!(
        requests(&server).await.len(),
        1,
        "one page for the first item"
    );

    let next_three: Vec<_> = items.by_ref().take(3).try_collect().await.expect("items");
    assert_eq!(
        next_three
            .iter()
            .map(|c| c.slug.as_str())
            .collect::<Vec<_>>(),
        ["kursus-2", "kursus-3", "kursus-4"]
    );
    assert_eq!(requests(&server).await.len(), 2, "page 2 only once needed");

    let rest: Vec<_> = items.try_collect().await.expect("items");
    assert_eq!(
        rest.iter().map(|c| c.slug.as_str()).collect::<Vec<_>>(),
        ["kursus-5", "kursus-6", "kursus-7"]
    );
    assert_eq!(requests(&server).await.len(), 3, "no page after the last");
}

#[tokio::test]
async fn stream_starts_at_the_chosen_page() {
    let server = server().await;
    three_pages(&server, 2).await;
    // Page 1 has no mock: asking for it would hit the catch-all and fail.
    let got: Vec<_> = anon_client(&server)
        .courses()
        .list()
        .level("beginner")
        .per_page(3)
        .page(2)
        .stream()
        .map_ok(|c| c.slug)
        .try_collect()
        .await
        .expect("items");
    assert_eq!(got, ["kursus-4", "kursus-5", "kursus-6", "kursus-7"]);
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn an_empty_list_streams_nothing_after_one_request() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me/enrollments"))
        .and(exact_query(&[("page", "1")]))
        .respond_with(json(200, &page(Vec::<CourseSummary>::new(), 0, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let all: Vec<_> = key_client(&server)
        .courses()
        .enrollments()
        .stream()
        .try_collect()
        .await
        .expect("empty");
    assert!(all.is_empty());
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .and(exact_query(&[("page", "1"), ("per_page", "2")]))
        .respond_with(json(200, &page(vec![course(1), course(2)], 5, 1, 2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .and(exact_query(&[("page", "2"), ("per_page", "2")]))
        .respond_with(problem(500, "internal", "database unavailable"))
        .expect(1)
        .mount(&server)
        .await;

    let client = anon_client(&server);
    let results: Vec<_> = client.courses().list().per_page(2).stream().collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().expect_err("page 2 failed");
    assert_eq!(err.status(), Some(500));
}

#[tokio::test]
async fn a_server_that_ignores_the_page_number_cannot_make_the_stream_loop() {
    let server = server().await;
    // Every request gets page 1 back, whatever it asked for.
    Mock::given(method("GET"))
        .and(api("/courses"))
        .respond_with(json(200, &page(vec![course(1), course(2)], 10, 1, 2)))
        .expect(2)
        .mount(&server)
        .await;
    let got: Vec<_> = key_client(&server)
        .courses()
        .list()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .expect("stream");
    // Page 1, then page 2 was asked for and page 1 came back: the stream stops there.
    assert_eq!(got.len(), 4);
}
