//! `client.courses()` and `client.certificates()`: each call's method, path, credentials and
//! body, and the decoding of what the server answers.

use crate::support;

use pintar_sdk::types::Enrollment;
use serde_json::json;
use support::*;
use wiremock::matchers::{body_json, header, method};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn get_reads_one_course_with_its_outline() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/incoterms-2020"))
        .and(with_key())
        .and(no_query())
        .and(header(
            "user-agent",
            concat!("pintar-sdk/", env!("CARGO_PKG_VERSION")),
        ))
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;

    let detail = key_client(&server)
        .courses()
        .get("incoterms-2020")
        .await
        .expect("course");
    assert_eq!(detail, course_detail());
    assert_eq!(detail.outline[0].items.len(), 2);
}

#[tokio::test]
async fn get_is_anonymous_without_credentials() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api(&format!("/courses/{COURSE_ID}")))
        .and(no_auth())
        .respond_with(json(200, &course_detail()))
        .expect(1)
        .mount(&server)
        .await;

    anon_client(&server)
        .courses()
        .get(COURSE_ID)
        .await
        .expect("course");
}

#[tokio::test]
async fn enroll_posts_without_a_body_and_reads_the_enrolment() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api("/courses/incoterms-2020/enroll"))
        .and(bearer("access"))
        .and(|r: &wiremock::Request| r.body.is_empty())
        .respond_with(json(201, &enrollment()))
        .expect(1)
        .mount(&server)
        .await;

    let e: Enrollment = token_client(&server, "access", "refresh")
        .courses()
        .enroll("incoterms-2020")
        .await
        .expect("enrolled");
    assert_eq!(e, enrollment());
}

#[tokio::test]
async fn unenroll_deletes_the_enrolment() {
    let server = server().await;
    Mock::given(method("DELETE"))
        .and(api("/courses/incoterms-2020/enroll"))
        .and(with_key())
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    key_client(&server)
        .courses()
        .unenroll("incoterms-2020")
        .await
        .expect("left");
}

#[tokio::test]
async fn progress_reads_the_learners_progress() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/courses/incoterms-2020/progress"))
        .and(with_key())
        .respond_with(json(200, &progress()))
        .expect(1)
        .mount(&server)
        .await;

    let p = key_client(&server)
        .courses()
        .progress("incoterms-2020")
        .await
        .expect("progress");
    assert_eq!(p, progress());
    assert_eq!(p.next.expect("next").content_id, QUIZ_ID);
}

#[tokio::test]
async fn content_reads_a_quiz_without_answers() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api(&format!("/courses/incoterms-2020/contents/{QUIZ_ID}")))
        .and(with_key())
        .respond_with(json(200, &content_view()))
        .expect(1)
        .mount(&server)
        .await;

    let c = key_client(&server)
        .courses()
        .content("incoterms-2020", QUIZ_ID)
        .await
        .expect("content");
    assert_eq!(c, content_view());
}

#[tokio::test]
async fn complete_marks_a_lesson_done() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api(&format!(
            "/courses/incoterms-2020/contents/{LESSON_ID}/complete"
        )))
        .and(with_key())
        .respond_with(json(200, &progress()))
        .expect(1)
        .mount(&server)
        .await;

    let p = key_client(&server)
        .courses()
        .complete("incoterms-2020", LESSON_ID)
        .await
        .expect("completed");
    assert_eq!(p.completed, 1);
}

#[tokio::test]
async fn attempt_posts_the_chosen_answers() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(api(&format!(
            "/courses/incoterms-2020/contents/{QUIZ_ID}/attempts"
        )))
        .and(with_key())
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"answers": [[1], [0, 2]]})))
        .respond_with(json(201, &attempt_result()))
        .expect(1)
        .mount(&server)
        .await;

    let r = key_client(&server)
        .courses()
        .attempt("incoterms-2020", QUIZ_ID, vec![vec![1], vec![0, 2]])
        .await
        .expect("graded");
    assert_eq!(r, attempt_result());
    assert_eq!(
        r.progress.certificate_code.as_deref(),
        Some("PE-7K3M-9QXD-2HWA")
    );
}

#[tokio::test]
async fn enrollments_lists_the_learners_courses() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/users/me/enrollments"))
        .and(with_key())
        .and(exact_query(&[("per_page", "50")]))
        .respond_with(json(200, &page(vec![enrollment()], 1, 1, 50)))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .courses()
        .enrollments()
        .per_page(50)
        .send()
        .await
        .expect("page");
    assert_eq!(got, page(vec![enrollment()], 1, 1, 50));
}

#[tokio::test]
async fn certificates_are_looked_up_anonymously_even_by_a_signed_in_client() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/certificates/PE-7K3M-9QXD-2HWA"))
        .and(no_auth())
        .respond_with(json(200, &certificate()))
        .expect(1)
        .mount(&server)
        .await;

    let cert = key_client(&server)
        .certificates()
        .get(" PE-7K3M-9QXD-2HWA\n")
        .await
        .expect("certificate");
    assert_eq!(cert, certificate());
}
