//! `GET /admin/courses`: every course, drafts too, with its status; creating a draft,
//! importing a course document (within the upload limit, as the API), exporting one (as a
//! download), and publishing, archiving and deleting — each a use case of
//! [`crate::learning::authoring`].

use super::{after_action, back_to, refusal};
use crate::error::{FieldError, ServerError};
use crate::http::multipart::{self, Spec};
use crate::learning::authoring;
use crate::learning::catalog::CourseFilter;
use crate::paging::PageParams;
use crate::setup::state::AppState;
use crate::web::forms::{FieldErrors, clip, non_empty, read_form};
use crate::web::{Chrome, Flash, Pager, Visitor, with_query};
use askama::Template;
use axum::Form;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pintar_core::api::{CourseLevel, CourseStatus, CourseSummary, NewCourse};
use serde::Deserialize;

/// Courses per page.
const PER_PAGE: u64 = 25;
/// A pasted document longer than this is not shown back in the form after an error.
const ECHO_BYTES: usize = 256 * 1024;
/// The levels, in the order the select lists them.
pub(super) const LEVELS: [CourseLevel; 3] = [
    CourseLevel::Beginner,
    CourseLevel::Intermediate,
    CourseLevel::Advanced,
];
const STATUSES: [CourseStatus; 3] = [
    CourseStatus::Draft,
    CourseStatus::Published,
    CourseStatus::Archived,
];

/// The message key of a course status.
pub(super) fn status_key(s: CourseStatus) -> &'static str {
    match s {
        CourseStatus::Draft => "admin.status.draft",
        CourseStatus::Published => "admin.status.published",
        CourseStatus::Archived => "admin.status.archived",
    }
}

/// The list's query (empty = any).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CoursesQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    page: Option<u64>,
}

/// The create form, as sent (and shown back with its errors).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CreateForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    level: String,
}

/// One course in the list, with its actions' addresses.
struct Row {
    s: CourseSummary,
    publish_path: String,
    archive_path: String,
    delete_path: String,
}

#[derive(Template)]
#[template(path = "admin/courses.html")]
struct CoursesPage {
    c: Chrome,
    tab: &'static str,
    rows: Vec<Row>,
    total: usize,
    q: String,
    status: String,
    statuses: Vec<&'static str>,
    levels: Vec<&'static str>,
    back: String,
    pager: Pager,
    pager_label: String,
    create: CreateForm,
    create_errors: FieldErrors,
    import_text: String,
    import_errors: Vec<String>,
    max_upload: usize,
}

impl CoursesPage {
    fn status_name(&self, s: &CourseStatus) -> &'static str {
        self.c.t.get(status_key(*s))
    }

    fn status_word(&self, s: &str) -> &'static str {
        s.parse::<CourseStatus>()
            .map_or("", |s| self.c.t.get(status_key(s)))
    }

    fn level_word(&self, l: &str) -> &'static str {
        l.parse::<CourseLevel>().map_or("", |l| self.c.level(&l))
    }
}

/// The list page, with the create and import forms as given.
async fn render(
    state: &AppState,
    v: &Visitor,
    q: &CoursesQuery,
    create: CreateForm,
    create_errors: FieldErrors,
    import_text: String,
    import_errors: Vec<String>,
) -> Result<Response, ServerError> {
    let status = match q.status.as_str() {
        "" => None,
        s => Some(s.parse::<CourseStatus>().map_err(|_| {
            crate::insights::invalid("status", "must be draft, published or archived")
        })?),
    };
    let filter = CourseFilter {
        q: non_empty(&q.q),
        status,
        sort: Some("title".into()),
        ..CourseFilter::default()
    };
    let paging = PageParams {
        page: q.page,
        per_page: Some(PER_PAGE),
    };
    let page = authoring::list(&state.learning, &v.actor, filter, paging).await?;
    let status_s = status.map_or("", CourseStatus::as_str);
    let page_s = if page.page > 1 {
        page.page.to_string()
    } else {
        String::new()
    };
    let back = with_query(
        "/admin/courses",
        &[("q", &q.q), ("status", status_s), ("page", &page_s)],
    );
    let pager = Pager::of(&page, |n| {
        with_query(
            "/admin/courses",
            &[("q", &q.q), ("status", status_s), ("page", &n.to_string())],
        )
    });
    let failed = !create_errors.is_empty() || !import_errors.is_empty();
    let page_total = usize::try_from(page.total).unwrap_or(usize::MAX);
    let c = Chrome::of(state, v).await?;
    let view = CoursesPage {
        tab: "courses",
        rows: page
            .items
            .into_iter()
            .map(|s| Row {
                publish_path: format!("/admin/courses/{}/publish", s.id),
                archive_path: format!("/admin/courses/{}/archive", s.id),
                delete_path: format!("/admin/courses/{}/delete", s.id),
                s,
            })
            .collect(),
        total: page_total,
        q: clip(&q.q, 200),
        status: status_s.to_string(),
        statuses: STATUSES.iter().map(|s| s.as_str()).collect(),
        levels: LEVELS.iter().map(|l| l.as_str()).collect(),
        back,
        pager,
        pager_label: c.t.get("admin.courses.pages").to_string(),
        create,
        create_errors,
        import_text,
        import_errors,
        max_upload: state.settings.max_upload_bytes,
        c,
    };
    let status = if failed {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(v.html_status(status, view.render()))
}

/// `GET /admin/courses`.
pub(super) async fn list(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<CoursesQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    render(
        &state,
        &v,
        &q,
        CreateForm::default(),
        FieldErrors::default(),
        String::new(),
        Vec::new(),
    )
    .await
}

/// `POST /admin/courses`: a new draft, through `POST /api/v1/admin/courses`' handler.
pub(super) async fn create(
    State(state): State<AppState>,
    v: Visitor,
    Form(form): Form<CreateForm>,
) -> Result<Response, ServerError> {
    let errors = match form.level.parse::<CourseLevel>() {
        Err(_) => vec![FieldError::new(
            "level",
            v.t.get("admin.courses.level_missing"),
        )],
        Ok(level) => {
            let req = NewCourse {
                slug: form.slug.trim().to_string(),
                title: form.title.clone(),
                summary: form.summary.clone(),
                description: String::new(),
                level,
                tags: Vec::new(),
                estimated_minutes: None,
            };
            match authoring::create(&state.learning, &v.actor, req).await {
                Ok(d) => {
                    return Ok(v.redirect(
                        &format!("/admin/courses/{}", d.course.id),
                        Some(Flash::ok("admin.courses.flash_created").with(&d.course.title)),
                    ));
                }
                Err(ServerError::Validation(errors)) => errors,
                Err(ServerError::Conflict(_)) => {
                    vec![FieldError::new("slug", v.t.get("admin.courses.slug_taken"))]
                }
                Err(e) => return Err(e),
            }
        }
    };
    let shown = CreateForm {
        title: clip(&form.title, 300),
        slug: clip(&form.slug, 100),
        summary: clip(&form.summary, 1000),
        level: clip(&form.level, 20),
    };
    render(
        &state,
        &v,
        &CoursesQuery::default(),
        shown,
        FieldErrors(errors),
        String::new(),
        Vec::new(),
    )
    .await
}

/// The import form's two fields: an uploaded file and a pasted document.
#[derive(Debug, Default)]
struct ImportForm {
    file: Vec<u8>,
    text: String,
}

/// Reads the import form (multipart, or URL-encoded without a file), at most `limit`
/// bytes in all.
async fn read_import(req: Request, limit: usize) -> Result<ImportForm, ServerError> {
    if !multipart::is_multipart(&req) {
        #[derive(Deserialize)]
        struct Pasted {
            #[serde(default)]
            document: String,
        }
        let pasted: Pasted = read_form(req, limit).await?;
        return Ok(ImportForm {
            file: Vec::new(),
            text: pasted.document,
        });
    }
    let spec = Spec {
        text_fields: &["document"],
        text_max: limit,
        file_field: "file",
        limit,
    };
    let form = multipart::read_whole(req, &spec).await?;
    Ok(ImportForm {
        text: form.field("document").unwrap_or_default().to_string(),
        file: form.file,
    })
}

/// `POST /admin/courses/import`: a whole course from its JSON document (read the way the
/// API reads its body).
pub(super) async fn import(
    State(state): State<AppState>,
    v: Visitor,
    req: Request,
) -> Result<Response, ServerError> {
    let form = read_import(req, state.settings.max_upload_bytes).await?;
    let source: &[u8] = if form.file.is_empty() {
        form.text.trim().as_bytes()
    } else {
        &form.file
    };
    let result = if source.is_empty() {
        Err(ServerError::Validation(vec![FieldError::new(
            "",
            v.t.get("admin.courses.import_empty"),
        )]))
    } else {
        match crate::http::body::decode(source) {
            Ok(doc) => authoring::import(&state.learning, &v.actor, &doc).await,
            Err(e) => Err(e),
        }
    };
    let errors = match result {
        Ok(d) => {
            return Ok(v.redirect(
                &format!("/admin/courses/{}", d.course.id),
                Some(Flash::ok("admin.courses.flash_imported").with(&d.course.title)),
            ));
        }
        Err(ServerError::Validation(fields)) => FieldErrors(fields).all(),
        Err(ServerError::BadRequest(why) | ServerError::Conflict(why)) => vec![why],
        Err(e) => return Err(e),
    };
    let text = if form.text.len() <= ECHO_BYTES {
        form.text
    } else {
        String::new()
    };
    render(
        &state,
        &v,
        &CoursesQuery::default(),
        CreateForm::default(),
        FieldErrors::default(),
        text,
        errors,
    )
    .await
}

/// `slug` as a download's file name (the characters a slug may hold, else `course`).
fn file_name(slug: &str) -> String {
    let name: String = slug
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(80)
        .collect();
    if name.is_empty() {
        "course".into()
    } else {
        name
    }
}

/// `GET /admin/courses/{id}/export.json`: the course document, as a download.
pub(super) async fn export(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let doc = authoring::export(&state.learning, &v.actor, &id).await?;
    let body = serde_json::to_vec(&doc)
        .map_err(|e| ServerError::Internal(format!("course document: {e}")))?;
    let disposition = format!("attachment; filename=\"{}.json\"", file_name(&doc.slug));
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

/// A small action's form: where to go back to (a missing or unreadable one goes back to
/// the list).
#[derive(Debug, Default, Deserialize)]
pub(super) struct BackForm {
    back: Option<String>,
}

/// `POST /admin/courses/{id}/publish`.
pub(super) async fn publish(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Result<Response, ServerError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let result = authoring::publish(&state.learning, &v.actor, &id)
        .await
        .map(|d| Flash::ok("admin.courses.flash_published").with(&d.course.title));
    after_action(&v, form.back.as_deref(), "/admin/courses", result)
}

/// `POST /admin/courses/{id}/archive`.
pub(super) async fn archive(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Result<Response, ServerError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    let result = authoring::archive(&state.learning, &v.actor, &id)
        .await
        .map(|d| Flash::ok("admin.courses.flash_archived").with(&d.course.title));
    after_action(&v, form.back.as_deref(), "/admin/courses", result)
}

/// `POST /admin/courses/{id}/delete`: back to the list (the course's own pages are gone).
pub(super) async fn delete(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    form: Result<Form<BackForm>, FormRejection>,
) -> Result<Response, ServerError> {
    let form = form.map(|Form(f)| f).unwrap_or_default();
    match authoring::delete(&state.learning, &v.actor, &id).await {
        Ok(_) => Ok(v.redirect(
            "/admin/courses",
            Some(Flash::ok("admin.courses.flash_deleted")),
        )),
        Err(e) => {
            let detail = refusal(e)?;
            Ok(v.redirect(
                &back_to(form.back.as_deref(), "/admin/courses"),
                Some(Flash::error("admin.flash.refused").with(&detail)),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_keep_slug_characters_only() {
        assert_eq!(file_name("incoterms-2020"), "incoterms-2020");
        assert_eq!(file_name("a\"b\r\n;c"), "abc");
        assert_eq!(file_name(""), "course");
        assert_eq!(file_name(&"x".repeat(200)).len(), 80);
    }

    #[test]
    fn every_status_has_words() {
        for s in STATUSES {
            assert!(status_key(s).ends_with(s.as_str()));
        }
    }
}
