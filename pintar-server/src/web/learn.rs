//! Learning in the browser: the dashboard (enrolled courses with progress and "continue
//! where you left off"), enrolling, lessons, completing an item, and quizzes with grading
//! and review. Every action is a use case of [`crate::learning::enrollment`], so the rules
//! (visibility, enrolment, attempts, certificates, audit) are the API's.

use super::{Chrome, Flash, Visitor};
use crate::error::ServerError;
use crate::learning::enrollment;
use crate::setup::state::AppState;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use pintar_core::api::{
    AttemptResult, ContentKind, ContentView, CourseDetail, CourseProgress, Enrollment, NextItem,
};

/// Enrollments shown on the dashboard.
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

async fn dashboard(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let d = enrollment::dashboard(&state.learning, &v.actor, DASHBOARD_COURSES).await?;
    let view = Dashboard {
        c: Chrome::of(&state, &v).await?,
        courses: d
            .courses
            .into_iter()
            .map(|(e, next)| Enrolled { e, next })
            .collect(),
        resume: d.resume,
    };
    Ok(v.html(view.render()))
}

async fn enroll(
    State(state): State<AppState>,
    v: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, ServerError> {
    let e = enrollment::enroll(&state.learning, &v.actor, &slug)
        .await?
        .enrollment;
    Ok(v.redirect(
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
    v: Visitor,
    Path((slug, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let opened = enrollment::open_item(&state.learning, &v.actor, &slug, &cid).await?;
    let course = opened.outline()?;
    let item = opened.item;
    let (prev, next) = neighbours(&course, &item.id);
    let base = format!("/learn/{}/{}", course.course.slug, item.id);
    let page = ItemPage {
        c: Chrome::of(&state, &v).await?,
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
    Ok(v.html(page.render()))
}

async fn complete(
    State(state): State<AppState>,
    v: Visitor,
    Path((slug, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let p = enrollment::complete_item(&state.learning, &v.actor, &slug, &cid).await?;
    Ok(after_progress(&v, &slug, &p, Flash::ok("flash.completed")))
}

/// Where to go once an item is done: the next item, or the course page (with its
/// certificate) when the course is complete.
fn after_progress(v: &Visitor, slug: &str, p: &CourseProgress, flash: Flash) -> Response {
    match &p.next {
        Some(n) => v.redirect(&format!("/learn/{slug}/{}", n.content_id), Some(flash)),
        None => v.redirect(
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
    v: Visitor,
    Path((slug, cid)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ServerError> {
    // The quiz as shown (no visit is noted: this answers a submission).
    let shown = enrollment::view_item(&state.learning, &v.actor, &slug, &cid).await?;
    let questions = match (&shown.item.kind, &shown.item.quiz) {
        (ContentKind::Quiz, Some(q)) => q.questions.len(),
        _ => return Err(ServerError::Conflict("this item is not a quiz".into())),
    };
    let given = answers(&body, questions);
    let result = enrollment::submit_attempt(&state.learning, &v.actor, &slug, &cid, given).await?;
    let next = result
        .progress
        .next
        .as_ref()
        .map(|n| format!("/learn/{slug}/{}", n.content_id));
    let page = ResultPage {
        c: Chrome::of(&state, &v).await?,
        course: shown.outline()?,
        item: shown.item,
        result,
        next,
    };
    Ok(v.html(page.render()))
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
