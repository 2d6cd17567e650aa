//! Public pages: the landing page, the catalogue (search, level and tag filters, sort), a
//! course's outline, and certificate verification.

use super::{Chrome, Visitor};
use crate::error::ServerError;
use crate::learning::catalog::CourseFilter;
use crate::learning::enrollment;
use crate::paging::PageParams;
use crate::setup::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::get;
use pintar_core::api::{Certificate, CourseDetail, CourseLevel, CourseProgress, CourseSummary};
use serde::Deserialize;

/// Courses per catalogue page.
const PER_PAGE: u64 = 12;

/// The public routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/courses", get(catalogue))
        .route("/courses/{slug}", get(outline))
        .route("/verify", get(verify))
        .route("/certificates/{code}", get(certificate))
}

#[derive(Template)]
#[template(path = "public/landing.html")]
struct Landing {
    c: Chrome,
    featured: Vec<CourseSummary>,
    total: usize,
}

async fn landing(State(state): State<AppState>, v: Visitor) -> Result<Response, ServerError> {
    let all = enrollment::catalogue(&state.learning, &v.actor).await?;
    // The newest three, copying only those.
    let mut newest: Vec<&CourseSummary> = all.iter().collect();
    newest.sort_by_key(|c| std::cmp::Reverse(c.published_at));
    let featured = newest.into_iter().take(3).cloned().collect();
    let page = Landing {
        c: Chrome::of(&state, &v).await?,
        featured,
        total: all.len(),
    };
    Ok(v.html(page.render()))
}

/// The catalogue's query: the API's filter, as a plain form sends it (empty = any).
#[derive(Debug, Default, Deserialize)]
struct CatalogueQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    sort: String,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "public/catalogue.html")]
struct Catalogue {
    c: Chrome,
    courses: Vec<CourseSummary>,
    found: usize,
    q: String,
    level: String,
    tag: String,
    sort: String,
    tags: Vec<String>,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
}

const SORTS: [&str; 4] = [
    "title",
    "-published_at",
    "estimated_minutes",
    "-estimated_minutes",
];

async fn catalogue(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<CatalogueQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ServerError> {
    // A malformed query (a page that is not a number) shows the whole catalogue.
    let Query(q) = query.unwrap_or_default();
    let level = q.level.parse::<CourseLevel>().ok();
    let sort = if SORTS.contains(&q.sort.as_str()) {
        q.sort.clone()
    } else {
        "title".to_string()
    };
    let filter = CourseFilter {
        q: Some(q.q.trim().chars().take(200).collect::<String>()).filter(|s| !s.is_empty()),
        level,
        tag: Some(q.tag.trim().chars().take(40).collect::<String>()).filter(|s| !s.is_empty()),
        status: None,
        sort: Some(sort.clone()),
    };
    let all = enrollment::catalogue(&state.learning, &v.actor).await?;
    let found = filter.apply(&all)?;
    let pages = (found.len() as u64).div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let shown = PageParams {
        page: Some(page),
        per_page: Some(PER_PAGE),
    }
    .slice(&found)?;
    let mut tags: Vec<String> = all.iter().flat_map(|c| c.tags.iter().cloned()).collect();
    tags.sort();
    tags.dedup();
    let words: String = q.q.chars().take(200).collect();
    let topic: String = q.tag.chars().take(40).collect();
    let link = |p: u64| {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &words)
            .append_pair("level", level.map_or("", |l| l.as_str()))
            .append_pair("tag", &topic)
            .append_pair("sort", &sort)
            .append_pair("page", &p.to_string())
            .finish();
        format!("/courses?{query}")
    };
    let page_view = Catalogue {
        c: Chrome::of(&state, &v).await?,
        courses: shown.items.into_iter().cloned().collect(),
        found: found.len(),
        q: q.q.chars().take(200).collect(),
        level: level.map_or(String::new(), |l| l.as_str().to_string()),
        tag: q.tag.chars().take(40).collect(),
        sort: sort.clone(),
        tags,
        page,
        pages,
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
    };
    Ok(v.html(page_view.render()))
}

#[derive(Template)]
#[template(path = "public/outline.html")]
struct Outline {
    c: Chrome,
    course: CourseDetail,
    progress: Option<CourseProgress>,
    description: String,
    enroll_path: String,
}

impl Outline {
    fn done(&self, id: &str) -> bool {
        self.progress.as_ref().is_some_and(|p| {
            p.items
                .iter()
                .any(|i| i.content_id == id && i.completed_at.is_some())
        })
    }
}

async fn outline(
    State(state): State<AppState>,
    v: Visitor,
    Path(slug): Path<String>,
) -> Result<Response, ServerError> {
    let course = enrollment::view_course(&state.learning, &v.actor, &slug).await?;
    let progress = if course.enrolled {
        Some(enrollment::progress(&state.learning, &v.actor, &course.course.id).await?)
    } else {
        None
    };
    let page = Outline {
        c: Chrome::of(&state, &v).await?,
        description: super::markdown::to_html(&course.description).to_string(),
        enroll_path: format!("/courses/{}/enroll", course.course.slug),
        course,
        progress,
    };
    Ok(v.html(page.render()))
}

#[derive(Debug, Default, Deserialize)]
struct VerifyQuery {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "public/verify.html")]
struct Verify {
    c: Chrome,
    code: String,
    not_found: bool,
}

async fn verify(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<VerifyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.unwrap_or_default();
    let code: String = q.code.trim().chars().take(64).collect();
    if !code.is_empty() {
        match enrollment::certificate(&state.learning, &v.actor, &code).await {
            Ok(cert) => {
                let to = format!(
                    "/certificates/{}",
                    form_urlencoded::byte_serialize(cert.code.as_bytes()).collect::<String>()
                );
                return Ok(v.redirect(&to, None));
            }
            Err(ServerError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let page = Verify {
        c: Chrome::of(&state, &v).await?,
        not_found: !code.is_empty(),
        code,
    };
    Ok(v.html(page.render()))
}

#[derive(Template)]
#[template(path = "public/certificate.html")]
struct CertificatePage {
    c: Chrome,
    cert: Certificate,
    completed: String,
    link: String,
}

async fn certificate(
    State(state): State<AppState>,
    v: Visitor,
    Path(code): Path<String>,
) -> Result<Response, ServerError> {
    let cert = enrollment::certificate(&state.learning, &v.actor, &code).await?;
    let page = CertificatePage {
        completed: v.t.date(&cert.completed_at),
        link: format!("/certificates/{}", cert.code),
        c: Chrome::of(&state, &v).await?,
        cert,
    };
    Ok(v.html(page.render()))
}
