//! Error mapping: problem documents, bare error pages, answers that do not decode, transport
//! failures, timeouts, and bad configuration.

use crate::support;

use pintar_sdk::types::{FieldError, Problem, Role};
use pintar_sdk::{Client, Error, RetryPolicy};
use serde_json::json;
use std::time::{Duration, Instant};
use support::*;
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn a_problem_document_becomes_an_api_error_with_every_field() {
    let server = server().await;
    let mut p = Problem::new(422, "validation_failed", "2 fields are invalid");
    p.request_id = Some("req-0195a3-body".into());
    p.errors = vec![
        FieldError::new("email", "must be an email address"),
        FieldError::new("password", "must be 10 to 1024 characters"),
    ];
    Mock::given(method("POST"))
        .and(api("/auth/register"))
        .respond_with(
            ResponseTemplate::new(422)
                .insert_header("x-request-id", "req-from-header")
                .set_body_raw(
                    serde_json::to_vec(&p).expect("json"),
                    "application/problem+json",
                ),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = anon_client(&server)
        .auth()
        .register("not-an-email", "short", None)
        .await
        .expect_err("422");
    assert_eq!(err.status(), Some(422));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 422);
    assert_eq!(api.code, "validation_failed");
    assert_eq!(api.title, "Unprocessable Entity");
    assert_eq!(api.detail, "2 fields are invalid");
    assert_eq!(api.errors, p.errors);
    assert_eq!(
        api.request_id.as_deref(),
        Some("req-0195a3-body"),
        "the body's id wins"
    );
    assert_eq!(api.retry_after, None);
    let text = err.to_string();
    assert!(
        text.contains("2 fields are invalid") && text.contains("req-0195a3-body"),
        "{text}"
    );
}

#[tokio::test]
async fn the_request_id_comes_from_the_header_when_the_body_lacks_it() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/certificates/PE-0000-0000-0000"))
        .respond_with(
            problem(404, "not_found", "certificate not found")
                .insert_header("x-request-id", "0195a3c2-aaaa-7bbb-8ccc-dddddddddddd"),
        )
        .expect(1)
        .mount(&server)
        .await;

    let err = anon_client(&server)
        .certificates()
        .get("PE-0000-0000-0000")
        .await
        .expect_err("404");
    let api = err.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (404, "not_found"));
    assert_eq!(api.detail, "certificate not found");
    assert_eq!(
        api.request_id.as_deref(),
        Some("0195a3c2-aaaa-7bbb-8ccc-dddddddddddd")
    );
}

#[tokio::test]
async fn a_problem_without_detail_uses_the_title() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            r#"{"type":"about:blank","status":403,"title":"Forbidden","code":"forbidden"}"#,
            "application/problem+json",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let err = key_client(&server).auth().me().await.expect_err("403");
    let api = err.api().expect("api error");
    assert_eq!(
        (api.code.as_str(), api.detail.as_str()),
        ("forbidden", "Forbidden")
    );
}

#[tokio::test]
async fn an_html_502_from_a_proxy_is_an_api_error_with_its_status() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses"))
        .respond_with(ResponseTemplate::new(502).set_body_raw(
            "<html><head><title>502 Bad Gateway</title></head>\
             <body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            "text/html",
        ))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .retry(RetryPolicy::never())
        .build()
        .expect("client");
    let err = client.courses().list().send().await.expect_err("502");
    let api = err.api().expect("api error");
    assert_eq!(api.status, 502);
    assert_eq!(api.code, "bad_gateway");
    assert!(api.detail.contains("502 Bad Gateway"), "{}", api.detail);
    assert!(api.errors.is_empty() && api.request_id.is_none());
}

#[tokio::test]
async fn an_empty_error_body_still_maps_its_status() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(api(&format!("/developer/keys/{KEY_ID}")))
        .respond_with(ResponseTemplate::new(409))
        .expect(1)
        .mount(&server)
        .await;

    let err = token_client(&server, "a", "r")
        .keys()
        .revoke(KEY_ID)
        .await
        .expect_err("409");
    let api = err.api().expect("api error");
    assert_eq!((api.status, api.code.as_str()), (409, "conflict"));
}

#[tokio::test]
async fn a_body_that_does_not_match_names_the_failing_field() {
    let server = server().await;
    let mut body =
        serde_json::to_value(page(vec![user(Role::Public), user(Role::Admin)], 2, 1, 20))
            .expect("json");
    body["items"][1]["created_at"] = json!("kemarin");
    Mock::given(method("GET"))
        .and(api("/admin/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;

    let err = token_client(&server, "a", "r")
        .admin()
        .users()
        .send()
        .await
        .expect_err("decode error");
    match &err {
        Error::Decode {
            status,
            path,
            message,
        } => {
            assert_eq!(*status, 200);
            assert_eq!(path, "items[1].created_at");
            assert!(!message.is_empty());
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("items[1].created_at"), "{err}");
}

#[tokio::test]
async fn a_missing_field_and_a_non_json_body_are_decode_errors() {
    let server = server().await;
    let mut body = serde_json::to_value(certificate()).expect("json");
    body.as_object_mut().expect("object").remove("learner");
    Mock::given(method("GET"))
        .and(api("/certificates/PE-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/certificates/PE-2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>ok</html>", "text/html"))
        .mount(&server)
        .await;

    let client = anon_client(&server);
    let err = client.certificates().get("PE-1").await.expect_err("decode");
    let Error::Decode { path, message, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(path, ".");
    assert!(message.contains("learner"), "{message}");

    let err = client.certificates().get("PE-2").await.expect_err("decode");
    assert!(
        matches!(&err, Error::Decode { status: 200, path, .. } if path == "."),
        "{err:?}"
    );
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // A port that was free a moment ago and has no listener now.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry(fast_retry().max_retries(2))
        .build()
        .expect("client");
    let err = client
        .courses()
        .get("incoterms-2020")
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(
        err.to_string().starts_with("cannot reach the server"),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_server_beyond_the_timeout_is_a_timeout() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/incoterms-2020"))
        .respond_with(json(200, &course_detail()).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;

    let client = builder(&server)
        .timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client
        .courses()
        .get("incoterms-2020")
        .await
        .expect_err("timeout");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2), "not retried");
}

/// A server that answers every request with the headers of a 200 and then stalls in the
/// middle of the body.
async fn stalling_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0; 64 * 1024];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                            content-length: 1000\r\n\r\n{\"summary\":";
                let _ = socket.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_body_that_stalls_is_a_timeout_of_the_calls_own_limit() {
    let base = stalling_server().await;
    let client = Client::builder()
        .base_url(&base)
        .timeout(Duration::from_millis(200))
        .upload_timeout(Duration::from_millis(400))
        .build()
        .expect("client");
    let err = client
        .courses()
        .get("incoterms-2020")
        .await
        .expect_err("stalled");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(200)),
        "{err:?}"
    );

    // Uploads have their own limit, and the error names that one.
    let client = Client::builder()
        .base_url(&base)
        .timeout(Duration::from_secs(30))
        .upload_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let started = Instant::now();
    let err = client
        .analysis()
        .analyze_bytes(CSV)
        .send()
        .await
        .expect_err("stalled upload");
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(300)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn bad_configuration_is_refused_before_any_request() {
    for bad in ["ftp://x.id", "localhost:8000", "http://x.id/?a=1", ""] {
        let err = Client::builder().base_url(bad).build().expect_err(bad);
        assert!(matches!(err, Error::Config(_)), "{bad}: {err:?}");
    }
    let err = Client::builder()
        .api_key("pk_line\nbreak")
        .build()
        .expect_err("bad key");
    assert!(matches!(err, Error::Config(_)), "{err:?}");

    let server = server().await;
    let client = anon_client(&server);
    for bad_id in ["", ".", ".."] {
        let err = client.courses().get(bad_id).await.expect_err(bad_id);
        assert!(matches!(err, Error::Config(_)), "{bad_id:?}: {err:?}");
    }
    assert!(requests(&server).await.is_empty());
}

#[tokio::test]
async fn ids_are_escaped_as_one_path_segment() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/a%2Fb%20c%3F"))
        .and(no_query())
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;

    anon_client(&server)
        .courses()
        .get("a/b c?")
        .await
        .expect("escaped");
}

#[tokio::test]
async fn the_http_status_wins_over_what_the_body_claims() {
    let server = server().await;
    Mock::given(wiremock::matchers::method("GET"))
        .and(api("/users/me"))
        .respond_with(wiremock::ResponseTemplate::new(403).set_body_raw(
            r#"{"type":"about:blank","status":200,"title":"OK","detail":"really","code":"fine"}"#,
            "application/problem+json",
        ))
        .mount(&server)
        .await;
    let err = key_client(&server).auth().me().await.expect_err("403");
    assert_eq!(err.status(), Some(403));
}

#[tokio::test]
async fn an_answer_longer_than_the_limit_is_refused() {
    let server = server().await;
    Mock::given(wiremock::matchers::method("GET"))
        .and(api("/courses/big"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_raw(vec![b' '; 4096], "application/json"),
        )
        .mount(&server)
        .await;
    let client = builder(&server)
        .api_key("pk_test")
        .max_response_bytes(1024)
        .build()
        .expect("client");
    let err = client.courses().get("big").await.expect_err("too long");
    assert!(
        matches!(&err, pintar_sdk::Error::Decode { message, .. } if message.contains("limit")),
        "{err:?}"
    );
}

#[tokio::test]
async fn ids_with_control_characters_are_refused_before_sending() {
    let server = server().await;
    let client = key_client(&server);
    for bad in ["..\t", "\n", "a\u{7f}b"] {
        let err = client.courses().get(bad).await.expect_err("refused");
        assert!(
            matches!(err, pintar_sdk::Error::Config(_)),
            "{bad:?}: {err:?}"
        );
    }
}
