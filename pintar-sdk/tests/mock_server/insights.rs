//! `client.insights()`: platform analytics lists and the activity series.

use crate::support;

use pintar_sdk::types::*;
use support::*;
use wiremock::Mock;
use wiremock::matchers::method;

fn user_progress_row() -> UserCourseProgress {
    UserCourseProgress {
        user_id: USER_ID.into(),
        course_id: COURSE_ID.into(),
        course_slug: "incoterms-2020".into(),
        course_title: "Incoterms 2020".into(),
        enrolled_at: at("2025-03-01T07:00:00Z"),
        completed_at: None,
        completed: 1,
        total: 2,
        percent: 50.0,
        last_activity_at: at("2025-03-02T09:00:00Z"),
        next: progress().next,
    }
}

fn distribution() -> CourseProgressDistribution {
    let labels = ["0", "1-25", "26-50", "51-75", "76-99", "100"];
    CourseProgressDistribution {
        course_id: COURSE_ID.into(),
        course_slug: "incoterms-2020".into(),
        course_title: "Incoterms 2020".into(),
        items: 8,
        learners: 21,
        completed: 6,
        average_percent: 47.6,
        buckets: labels
            .iter()
            .zip([4, 3, 3, 2, 3, 6])
            .map(|(l, n)| ProgressBucket {
                label: (*l).into(),
                learners: n,
            })
            .collect(),
    }
}

fn engagement_row() -> CourseEngagement {
    CourseEngagement {
        course_id: COURSE_ID.into(),
        course_slug: "incoterms-2020".into(),
        course_title: "Incoterms 2020".into(),
        from: day("2025-02-01"),
        to: day("2025-02-28"),
        enrollments: 12,
        active_learners_7d: 5,
        active_learners_30d: 14,
        content_opens: 96,
        quiz_attempts: 17,
        average_quiz_score: Some(78.4),
    }
}

fn completion_row() -> CourseCompletion {
    CourseCompletion {
        course_id: COURSE_ID.into(),
        course_slug: "incoterms-2020".into(),
        course_title: "Incoterms 2020".into(),
        learners: 21,
        completed: 6,
        completion_rate: 28.6,
        median_seconds_to_complete: Some(259_200.0),
        not_started: 4,
        drop_off: vec![SectionDropOff {
            section_id: SECTION_ID.into(),
            title: "Pengantar".into(),
            learners: 11,
        }],
    }
}

fn activity_series() -> ActivitySeries {
    ActivitySeries {
        metric: ActivityMetric::ContentOpens,
        interval: ActivityInterval::Week,
        course_id: Some(COURSE_ID.into()),
        from: day("2025-02-03"),
        to: day("2025-03-02"),
        points: ["2025-02-03", "2025-02-10", "2025-02-17", "2025-02-24"]
            .iter()
            .zip([18.0, 22.0, 25.0, 31.0])
            .map(|(d, v)| ActivityPoint {
                date: day(d),
                value: v,
            })
            .collect(),
        forecast: Some(ActivityForecast {
            model: "ets(A,N,N)".into(),
            mase: Some(0.9),
            smape: Some(12.5),
            holdout: 2,
            points: vec![ActivityForecastPoint {
                date: day("2025-03-03"),
                value: 33.0,
                lower_80: 27.0,
                upper_80: 39.0,
                lower_95: 23.5,
                upper_95: 42.5,
            }],
        }),
        note: None,
    }
}

#[tokio::test]
async fn user_progress_filters_by_learner() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/user-progress"))
        .and(bearer("access"))
        .and(exact_query(&[("user_id", USER_ID), ("page", "3")]))
        .respond_with(json(200, &page(vec![user_progress_row()], 41, 3, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = token_client(&server, "access", "refresh")
        .insights()
        .user_progress()
        .user(USER_ID)
        .page(3)
        .send()
        .await
        .expect("page");
    assert_eq!(got, page(vec![user_progress_row()], 41, 3, 20));
}

#[tokio::test]
async fn course_progress_lists_distributions() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/course-progress"))
        .and(with_key())
        .and(no_query())
        .respond_with(json(200, &page(vec![distribution()], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .insights()
        .course_progress()
        .send()
        .await
        .expect("page");
    assert_eq!(got.items, vec![distribution()]);
    assert_eq!(
        got.items[0].buckets.iter().map(|b| b.learners).sum::<u64>(),
        21
    );
}

#[tokio::test]
async fn engagement_takes_a_date_window() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/course-engagement"))
        .and(with_key())
        .and(exact_query(&[("from", "2025-02-01"), ("to", "2025-02-28")]))
        .respond_with(json(200, &page(vec![engagement_row()], 1, 1, 20)))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .insights()
        .engagement()
        .from(day("2025-02-01"))
        .to(day("2025-02-28"))
        .send()
        .await
        .expect("page");
    assert_eq!(got.items, vec![engagement_row()]);
}

#[tokio::test]
async fn completion_lists_rates_and_drop_off() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/completion-rates"))
        .and(with_key())
        .and(exact_query(&[("per_page", "100")]))
        .respond_with(json(200, &page(vec![completion_row()], 1, 1, 100)))
        .expect(1)
        .mount(&server)
        .await;

    let got = key_client(&server)
        .insights()
        .completion()
        .per_page(100)
        .send()
        .await
        .expect("page");
    assert_eq!(got.items, vec![completion_row()]);
}

#[tokio::test]
async fn activity_sends_every_option() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(api("/analytics/activity"))
        .and(with_key())
        .and(exact_query(&[
            ("metric", "content_opens"),
            ("interval", "week"),
            ("horizon", "4"),
            ("points", "12"),
            ("to", "2025-03-02"),
            ("course_id", COURSE_ID),
            ("forecast", "true"),
        ]))
        .respond_with(json(200, &activity_series()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(api("/analytics/activity"))
        .and(no_query())
        .respond_with(json(200, &activity_series()))
        .expect(1)
        .mount(&server)
        .await;

    let client = key_client(&server);
    let got = client
        .insights()
        .activity()
        .metric(ActivityMetric::ContentOpens)
        .interval(ActivityInterval::Week)
        .horizon(4)
        .points(12)
        .to(day("2025-03-02"))
        .course(COURSE_ID)
        .forecast(true)
        .send()
        .await
        .expect("series");
    assert_eq!(got, activity_series());
    client.insights().activity().send().await.expect("defaults");
}
