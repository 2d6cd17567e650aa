//! Learning in the browser: the dashboard (enrolled courses with progress and "continue
//! where you left off"), enrolling, lessons, completing an item, and quizzes with grading
//! and review. Every action goes through the API's own handlers, so the rules (visibility,
//! enrolment, attempts, certificates, audit) are the same code.

use super::{Chrome, Flash, SignedIn};
use crate::audit::RequestMeta;
use crate::body::JsonBody;
use crate::error::ServerError;
use crate::pagination::PageParams;
use crate::routes::courses;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::Uri;
use axum::response::Response;
use axum::routing::{get, post};
use pintar_core::api::{
    AttemptRequest, AttemptResult, ContentKind, ContentView, CourseDetail, CourseProgress,
    Enrollment, NextItem,
};

/// Enrolments shown on the dashboard.
const DASHBOARD_COURSES: u64 = 50;
/// Form fields read from a quiz submission.
const MAX_QUIZ_FIELDS: usize = 2_000;

/// The learning routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard))
        .route("/courses/{slug}/enroll", post(enroll))
        .route("/learn/{slug}/{cid}", get(item))
        .route("/learn/{slug}/{cid}/complete", post(complete))
        .route("/learn/{slug}/{cid}/quiz", post(attempt))
}

/// One enrolled course on the dashboard.
struct Enrolled {
    e: Enrollment,
    next: Option<NextItem>,
}

#[derive(Template)]
#[template(path = "learn/dashboard.html")]
struct Dashboard {
    c: Chrome,
    courses: Vec<Enrolled>,
    resume: Option<(String, NextItem)>,
}

async fn dashboard(State(state): State<AppState>, m: SignedIn) -> Result<Response, ServerError> {
    let page = courses::my_enrollments(
        State(state.clone()),
        m.user,
        Uri::from_static("/dashboard"),
        Query(PageParams {
            page: Some(1),
            per_page: Some(DASHBOARD_COURSES),
        }),
    )
    .await?
    .0;
    let mut enrolled = Vec::with_capacity(page.items.len());
    // Where the learner left off: the unfinished course touched most recently.
    let mut latest: Option<(chrono::DateTime<chrono::Utc>, String, NextItem)> = None;
    for e in page.items {
        let p = if e.completed_at.is_none() {
            Some(
                courses::get_progress(State(state.clone()), m.user, Path(e.course.id.clone()))
                    .await?
                    .0,
            )
        } else {
            None
        };
        let next = p.as_ref().and_then(|p| p.next.clone());
        if let (Some(p), Some(n)) = (&p, &next) {
            let touched = p
                .items
                .iter()
                .map(|i| i.last_accessed_at)
                .max()
                .unwrap_or(p.enrolled_at);
            if latest.as_ref().is_none_or(|(t, _, _)| touched > *t) {
                latest = Some((touched, e.course.slug.clone(), n.clone()));
            }
        }
        enrolled.push(Enrolled { e, next });
    }
    let view = Dashboard {
        c: Chrome::of(&state, &m.v).await?,
        courses: enrolled,
        resume: latest.map(|(_, slug, n)| (slug, n)),
    };
    Ok(m.v.html(view.render()))
}

async fn enroll(
    State(state): State<AppState>,
    m: SignedIn,
    meta: RequestMeta,
    Path(slug): Path<String>,
) -> Result<Response, ServerError> {
    let (_, axum::Json(e)) =
        courses::enroll(State(state.clone()), m.user, meta, Path(slug.clone())).await?;
    Ok(m.v.redirect(
        &format!("/courses/{}", e.course.slug),
        Some(Flash::ok("flash.enrolled").with(&e.course.title)),
    ))
}

#[derive(Template)]
#[template(path = "learn/item.html")]
struct ItemPage {
    c: Chrome,
    course: CourseDetail,
    item: ContentView,
    body: String,
    prev: Option<String>,
    next: Option<String>,
    complete_path: String,
    quiz_path: String,
}

impl ItemPage {
    /// A video's link, only for a video and only http(s) (checked when it was stored too).
    fn video(&self) -> Option<&str> {
        let url = self.item.video_url.as_deref()?;
        let web = url.starts_with("https://") || url.starts_with("http://");
        (self.item.kind == ContentKind::Video && web).then_some(url)
    }
}

/// The addresses of the items before and after `id` in the course's order.
fn neighbours(course: &CourseDetail, id: &str) -> (Option<String>, Option<String>) {
    let ids: Vec<&str> = course
        .outline
        .iter()
        .flat_map(|s| s.items.iter().map(|i| i.id.as_str()))
        .collect();
    let at = ids.iter().position(|i| *i == id);
    let link = |i: &str| format!("/learn/{}/{i}", course.course.slug);
    match at {
        Some(k) => (
            k.checked_sub(1).and_then(|p| ids.get(p)).map(|i| link(i)),
            ids.get(k + 1).map(|i| link(i)),
        ),
        None => (None, None),
    }
}

async fn item(
    State(state): State<AppState>,
    m: SignedIn,
    Path((slug, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let axum::Json(item) =
        courses::get_content(State(state.clone()), m.user, Path((slug.clone(), cid))).await?;
    let axum::Json(course) = courses::get_course(
        State(state.clone()),
        crate::auth::MaybeAuthUser(Some(m.user)),
        Path(slug),
    )
    .await?;
    let (prev, next) = neighbours(&course, &item.id);
    let base = format!("/learn/{}/{}", course.course.slug, item.id);
    let page = ItemPage {
        c: Chrome::of(&state, &m.v).await?,
        body: item
            .body
            .as_deref()
            .map(|b| super::markdown::to_html(b).to_string())
            .unwrap_or_default(),
        complete_path: format!("{base}/complete"),
        quiz_path: format!("{base}/quiz"),
        course,
        item,
        prev,
        next,
    };
    Ok(m.v.html(page.render()))
}

async fn complete(
    State(state): State<AppState>,
    m: SignedIn,
    meta: RequestMeta,
    Path((slug, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let axum::Json(p) = courses::complete_content(
        State(state.clone()),
        m.user,
        meta,
        Path((slug.clone(), cid)),
    )
    .await?;
    Ok(after_progress(&m, &slug, &p, Flash::ok("flash.completed")))
}

/// Where to go once an item is done: the next item, or the course page (with its
/// certificate) when the course is complete.
fn after_progress(m: &SignedIn, slug: &str, p: &CourseProgress, flash: Flash) -> Response {
    match &p.next {
        Some(n) => {
            m.v.redirect(&format!("/learn/{slug}/{}", n.content_id), Some(flash))
        }
        None => m.v.redirect(
            &format!("/courses/{slug}"),
            Some(Flash::ok("flash.course_done")),
        ),
    }
}

#[derive(Template)]
#[template(path = "learn/result.html")]
struct ResultPage {
    c: Chrome,
    course: CourseDetail,
    item: ContentView,
    result: AttemptResult,
    next: Option<String>,
}

impl ResultPage {
    fn prompt(&self, i: &usize) -> &str {
        let i = *i;
        self.item
            .quiz
            .as_ref()
            .and_then(|q| q.questions.get(i))
            .map_or("", |q| q.prompt.as_str())
    }

    fn choices(&self, i: &usize, answers: &[u32]) -> String {
        let i = *i;
        let Some(q) = self.item.quiz.as_ref().and_then(|q| q.questions.get(i)) else {
            return String::new();
        };
        answers
            .iter()
            .filter_map(|a| q.choices.get(*a as usize))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Reads a quiz form: `q0=1&q1=0&q1=2`: question index to chosen choice indexes.
fn answers(body: &[u8], questions: usize) -> Vec<Vec<u32>> {
    let mut answers = vec![Vec::new(); questions];
    for (k, v) in form_urlencoded::parse(body).take(MAX_QUIZ_FIELDS) {
        let Some(q) = k.strip_prefix('q').and_then(|i| i.parse::<usize>().ok()) else {
            continue;
        };
        if let (Some(slot), Ok(choice)) = (answers.get_mut(q), v.parse::<u32>())
            && !slot.contains(&choice)
        {
            slot.push(choice);
        }
    }
    answers
}

async fn attempt(
    State(state): State<AppState>,
    m: SignedIn,
    meta: RequestMeta,
    Path((slug, cid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let axum::Json(item) = courses::get_content(
        State(state.clone()),
        m.user,
        Path((slug.clone(), cid.clone())),
    )
    .await?;
    let questions = match (&item.kind, &item.quiz) {
        (ContentKind::Quiz, Some(q)) => q.questions.len(),
        _ => return Err(ServerError::Conflict("this item is not a quiz".into())),
    };
    let req = AttemptRequest {
        answers: answers(&body, questions),
    };
    let (_, axum::Json(result)) = courses::submit_attempt(
        State(state.clone()),
        m.user,
        meta,
        Path((slug.clone(), cid)),
        JsonBody(req),
    )
    .await?;
    let axum::Json(course) = courses::get_course(
        State(state.clone()),
        crate::auth::MaybeAuthUser(Some(m.user)),
        Path(slug.clone()),
    )
    .await?;
    let next = result
        .progress
        .next
        .as_ref()
        .map(|n| format!("/learn/{slug}/{}", n.content_id));
    let page = ResultPage {
        c: Chrome::of(&state, &m.v).await?,
        course,
        item,
        result,
        next,
    };
    Ok(m.v.html(page.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quiz_answers_within_bounds() {
        let a = answers(b"q0=1&q1=0&q1=2&q1=2&q9=1&x=3&q0=junk&q-1=2", 2);
        assert_eq!(a, vec![vec![1], vec![0, 2]]);
        assert_eq!(answers(b"", 3), vec![Vec::<u32>::new(); 3]);
    }
}
