//! Insights: platform figures about how learners use the courses (under
//! `/analytics/…`, as the API has always named them). Each handler calls one use case of
//! [`crate::insights`]: `user-progress` for any signed-in caller (their own enrolments;
//! admins anyone's), the aggregates for developers and admins; API keys need `analytics`.

use crate::error::ServerError;
use crate::http::pagination::{PageParams, Paged};
use crate::insights::figures::UserProgressQuery;
use crate::insights::{self, ActivityQuery, EngagementQuery};
use crate::policy::Actor;
use crate::setup::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::Uri;
use pintar_core::api::{
    ActivitySeries, CourseCompletion, CourseEngagement, CourseProgressDistribution, Page,
    UserCourseProgress,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(user_progress))
        .routes(routes!(course_progress))
        .routes(routes!(course_engagement))
        .routes(routes!(completion_rates))
        .routes(routes!(activity))
}

type Ctx = State<insights::Context>;

/// Progress in each enrolled course: percent complete, last activity and the next item.
///
/// Any signed-in caller, for their own enrolments; admins (session) for any learner's
/// (`user_id`) or everyone's. API keys need the `analytics` scope. Newest enrolment first.
#[utoipa::path(get, path = "/analytics/user-progress", tag = "insights",
    params(UserProgressQuery, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<UserCourseProgress>),
        (status = 403, description = "another learner's progress, and not an admin")))]
async fn user_progress(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(who): Query<UserProgressQuery>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<UserCourseProgress>, ServerError> {
    let page = insights::user_progress(&ctx, &actor, who, paging).await?;
    Ok(Paged(page, uri))
}

/// Per course, how far its enrolled learners are: six ranges of percent complete
/// (`0`, `1-25`, `26-50`, `51-75`, `76-99`, `100`), completions and the mean.
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/course-progress", tag = "insights",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseProgressDistribution>)))]
async fn course_progress(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseProgressDistribution>, ServerError> {
    let page = insights::course_progress(&ctx, &actor, paging).await?;
    Ok(Paged(page, uri))
}

/// Per course over a window of days: enrolments, content opens, quiz attempts and their
/// mean score, and learners active in the last 7 and 30 days of the window.
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/course-engagement", tag = "insights",
    params(EngagementQuery, PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseEngagement>),
        (status = 422, description = "from after to, a window over three years, or a date out of range")))]
async fn course_engagement(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(window): Query<EngagementQuery>,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseEngagement>, ServerError> {
    let page = insights::course_engagement(&ctx, &actor, window, paging).await?;
    Ok(Paged(page, uri))
}

/// Per course: completion rate, median time from enrolment to completion, and where the
/// learners who have not finished stopped (the section of their furthest completed item).
///
/// Developers and admins; API keys need the `analytics` scope. Courses by title.
#[utoipa::path(get, path = "/analytics/completion-rates", tag = "insights",
    params(PageParams),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = Page<CourseCompletion>)))]
async fn completion_rates(
    State(ctx): Ctx,
    actor: Actor,
    uri: Uri,
    Query(paging): Query<PageParams>,
) -> Result<Paged<CourseCompletion>, ServerError> {
    let page = insights::completion_rates(&ctx, &actor, paging).await?;
    Ok(Paged(page, uri))
}

/// A time series of platform activity per day or week, with a forecast from the same
/// engine as `POST /analytics/analyze` (its model pool, chosen by validation accuracy;
/// 80 % and 95 % intervals, never below zero).
///
/// Developers and admins; API keys need the `analytics` scope.
#[utoipa::path(get, path = "/analytics/activity", tag = "insights",
    params(ActivityQuery),
    security(("bearer" = []), ("api_key" = [])),
    responses((status = 200, body = ActivitySeries),
        (status = 422, description = "horizon or points out of range, or a date out of range")))]
async fn activity(
    State(ctx): Ctx,
    actor: Actor,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<ActivitySeries>, ServerError> {
    insights::activity(&ctx, &actor, q).await.map(Json)
}
