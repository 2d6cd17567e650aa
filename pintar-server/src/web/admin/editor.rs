//! The course editor: `GET /admin/courses/{id}` (course fields, sections and items in
//! order, with rename, delete, move and add forms) and `GET /admin/courses/{id}/items/{cid}`
//! (one item, with a preview of its Markdown). Every change goes through the API's
//! content-admin handler (`PATCH /admin/courses/{id}`, `PUT /admin/courses/{id}/order`,
//! `POST /admin/courses/{id}/sections`, `PUT`/`DELETE /admin/sections/{id}`,
//! `POST /admin/sections/{id}/contents`, `PUT`/`DELETE /admin/contents/{id}`), so content
//! checks, audit entries and catalogue cache invalidation are the API's.

use super::courses::{LEVELS, status_key};
use super::{FieldErrors, after_action, clip, read_form};
use crate::audit::RequestMeta;
use crate::body::JsonBody;
use crate::error::{FieldError, ServerError};
use crate::learning::structure::{self, find_course};
use crate::routes::course_admin;
use crate::state::AppState;
use crate::web::{Admin, Chrome, Flash, markdown};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pintar_core::api::{
    ContentDocument, ContentKind, ContentOutline, CourseDetail, CourseLevel, CourseOrder,
    CoursePatch, CourseStatus, Question, QuizDocument, SectionInput, SectionOrder,
};
use serde::Deserialize;

/// Largest editor form read (Markdown and quiz JSON, URL-encoded), unless the upload limit
/// is smaller.
const EDITOR_FORM_BYTES: usize = 1024 * 1024;
/// The pass mark a new quiz form suggests.
const DEFAULT_PASS_MARK: &str = "70";

fn editor_limit(state: &AppState) -> usize {
    EDITOR_FORM_BYTES
        .min(state.settings.max_upload_bytes)
        .max(state.settings.max_body_bytes)
}

/// The course as admins see it (drafts too), as `GET /api/v1/admin/courses/{id}` would.
async fn load(state: &AppState, id: &str) -> Result<CourseDetail, ServerError> {
    let c = find_course(&state.db, id).await?;
    structure::load(&state.db, c).await?.detail(false)
}

/// The course form, as sent (and shown back).
#[derive(Debug, Default, Deserialize)]
pub(super) struct CourseForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    estimated_minutes: String,
}

impl CourseForm {
    fn of(d: &CourseDetail) -> Self {
        Self {
            title: d.course.title.clone(),
            summary: d.course.summary.clone(),
            description: d.description.clone(),
            level: d.course.level.as_str().into(),
            tags: d.course.tags.join(", "),
            estimated_minutes: d.course.estimated_minutes.to_string(),
        }
    }

    /// The API's patch for this form, or the fields that cannot be read.
    fn patch(&self, t: crate::web::i18n::Tr) -> Result<CoursePatch, Vec<FieldError>> {
        let mut errors = Vec::new();
        let level = self.level.parse::<CourseLevel>().ok();
        if level.is_none() {
            errors.push(FieldError::new(
                "level",
                t.get("admin.courses.level_missing"),
            ));
        }
        let minutes = match minutes(&self.estimated_minutes) {
            Ok(m) => m,
            Err(()) => {
                errors.push(FieldError::new(
                    "estimated_minutes",
                    t.get("admin.editor.minutes_invalid"),
                ));
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CoursePatch {
            title: Some(self.title.clone()),
            summary: Some(self.summary.clone()),
            description: Some(self.description.replace("\r\n", "\n")),
            level,
            tags: Some(split_tags(&self.tags)),
            estimated_minutes: minutes,
            ..CoursePatch::default()
        })
    }

    fn shown(&self) -> Self {
        Self {
            title: clip(&self.title, 300),
            summary: clip(&self.summary, 1000),
            description: clip(&self.description, 40_000),
            level: clip(&self.level, 20),
            tags: clip(&self.tags, 1000),
            estimated_minutes: clip(&self.estimated_minutes, 20),
        }
    }
}

/// Tags from a comma-separated list (blank ones left out).
fn split_tags(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Minutes from a form field: empty is `None`, a whole number `Some`, anything else an error.
fn minutes(text: &str) -> Result<Option<u32>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| ())
}

/// The item form, as sent (and shown back): `action=preview` only previews.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ItemFields {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    estimated_minutes: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    pass_mark: String,
    #[serde(default)]
    max_attempts: String,
    #[serde(default)]
    questions: String,
    #[serde(default)]
    action: String,
}

impl ItemFields {
    /// An empty form for a new lesson.
    fn new_item() -> Self {
        Self {
            kind: "lesson".into(),
            pass_mark: DEFAULT_PASS_MARK.into(),
            ..Self::default()
        }
    }

    /// The form of an item's document.
    fn of(doc: &ContentDocument) -> Self {
        let quiz = doc.quiz.as_ref();
        Self {
            kind: doc.kind.as_str().into(),
            title: doc.title.clone(),
            estimated_minutes: doc
                .estimated_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            body: doc.body.clone().unwrap_or_default(),
            video_url: doc.video_url.clone().unwrap_or_default(),
            pass_mark: quiz.map_or_else(|| DEFAULT_PASS_MARK.into(), |q| q.pass_mark.to_string()),
            max_attempts: quiz
                .and_then(|q| q.max_attempts)
                .map(|m| m.to_string())
                .unwrap_or_default(),
            questions: quiz
                .and_then(|q| serde_json::to_string_pretty(&q.questions).ok())
                .unwrap_or_default(),
            action: String::new(),
        }
    }

    fn shown(&self) -> Self {
        Self {
            kind: clip(&self.kind, 20),
            title: clip(&self.title, 300),
            estimated_minutes: clip(&self.estimated_minutes, 20),
            body: clip(&self.body, 400_000),
            video_url: clip(&self.video_url, 2100),
            pass_mark: clip(&self.pass_mark, 20),
            max_attempts: clip(&self.max_attempts, 20),
            questions: clip(&self.questions, 400_000),
            action: String::new(),
        }
    }

    /// The API's item document for this form, or the fields that cannot be read. Fields
    /// of other kinds are left out (a lesson keeps no video link or questions).
    fn document(&self, t: crate::web::i18n::Tr) -> Result<ContentDocument, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind = match self.kind.parse::<ContentKind>() {
            Ok(k) => k,
            Err(_) => {
                errors.push(FieldError::new("kind", t.get("admin.item.kind_missing")));
                ContentKind::Lesson
            }
        };
        let estimated_minutes = minutes(&self.estimated_minutes).unwrap_or_else(|()| {
            errors.push(FieldError::new(
                "estimated_minutes",
                t.get("admin.editor.minutes_invalid"),
            ));
            None
        });
        let body = self.body.replace("\r\n", "\n");
        let quiz = if kind == ContentKind::Quiz {
            let pass_mark = self.pass_mark.trim().parse::<u32>().unwrap_or_else(|_| {
                errors.push(FieldError::new(
                    "pass_mark",
                    t.get("admin.item.pass_mark_invalid"),
                ));
                0
            });
            let max_attempts = minutes(&self.max_attempts).unwrap_or_else(|()| {
                errors.push(FieldError::new(
                    "max_attempts",
                    t.get("admin.item.max_attempts_invalid"),
                ));
                None
            });
            let questions = parse_questions(&self.questions).unwrap_or_else(|why| {
                errors.push(FieldError::new("questions", why));
                Vec::new()
            });
            Some(QuizDocument {
                pass_mark,
                max_attempts,
                questions,
            })
        } else {
            None
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ContentDocument {
            kind,
            title: self.title.clone(),
            estimated_minutes,
            body: (!body.trim().is_empty()).then_some(body),
            video_url: (kind == ContentKind::Video)
                .then(|| self.video_url.trim().to_string())
                .filter(|u| !u.is_empty()),
            quiz,
        })
    }
}

/// Quiz questions from the form's JSON: an array in the course document's format.
fn parse_questions(text: &str) -> Result<Vec<Question>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("not valid JSON: {e}"))?;
    if !value.is_array() {
        return Err("must be a JSON array of questions".into());
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        format!("{path}: {}", e.into_inner())
    })
}

/// An API error on an item document, named by the form's field (`quiz.pass_mark` is the
/// `pass_mark` field; a question's error is on `questions`, saying which one).
fn item_error(e: FieldError) -> FieldError {
    let f = e.field.as_str();
    let field = match f {
        "quiz.pass_mark" => "pass_mark",
        "quiz.max_attempts" => "max_attempts",
        f if f.starts_with("quiz") => "questions",
        f => f,
    }
    .to_string();
    let message = match f.strip_prefix("quiz.questions") {
        Some(rest) if !rest.is_empty() => {
            format!("{}: {}", rest.trim_start_matches('.'), e.message)
        }
        _ => e.message,
    };
    FieldError { field, message }
}

/// An item form on a page: its values, errors and the prefix of its element ids.
struct ItemForm {
    prefix: String,
    f: ItemFields,
    errors: FieldErrors,
}

impl ItemForm {
    fn id(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    fn error(&self, field: &str) -> Option<&str> {
        self.errors.of(field)
    }

    /// Describing ids of a field: its hint (when it has one) and its error.
    fn described(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(self.id(&format!("{field}-hint")));
        }
        if self.error(field).is_some() {
            ids.push(self.id(&format!("{field}-error")));
        }
        ids.join(" ")
    }
}

/// Moves section `id` one place up or down; false when it cannot move.
fn shift_section(order: &mut CourseOrder, id: &str, up: bool) -> bool {
    let Some(i) = order.sections.iter().position(|s| s.id == id) else {
        return false;
    };
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    match j {
        Some(j) if j < order.sections.len() => {
            order.sections.swap(i, j);
            true
        }
        _ => false,
    }
}

/// Moves item `id` one place up or down; from the top or bottom of its section it moves
/// to the end of the section before or the start of the one after. False when it cannot.
fn shift_item(order: &mut CourseOrder, id: &str, up: bool) -> bool {
    let Some((si, ii)) = order
        .sections
        .iter()
        .enumerate()
        .find_map(|(si, s)| s.items.iter().position(|i| i == id).map(|ii| (si, ii)))
    else {
        return false;
    };
    let len = order.sections[si].items.len();
    if up && ii > 0 {
        order.sections[si].items.swap(ii, ii - 1);
    } else if !up && ii + 1 < len {
        order.sections[si].items.swap(ii, ii + 1);
    } else if up && si > 0 {
        let item = order.sections[si].items.remove(ii);
        order.sections[si - 1].items.push(item);
    } else if !up && si + 1 < order.sections.len() {
        let item = order.sections[si].items.remove(ii);
        order.sections[si + 1].items.insert(0, item);
    } else {
        return false;
    }
    true
}

/// The course's current order.
fn order_of(d: &CourseDetail) -> CourseOrder {
    CourseOrder {
        sections: d
            .outline
            .iter()
            .map(|s| SectionOrder {
                id: s.id.clone(),
                items: s.items.iter().map(|i| i.id.clone()).collect(),
            })
            .collect(),
    }
}

/// One item row of the editor.
struct ItemRow {
    o: ContentOutline,
    edit_path: String,
    delete_path: String,
    move_path: String,
    up: bool,
    down: bool,
}

/// One section of the editor, with its forms.
struct SectionView {
    id: String,
    title: String,
    first: bool,
    last: bool,
    rename_path: String,
    delete_path: String,
    move_path: String,
    add_path: String,
    rename_value: String,
    rename_errors: FieldErrors,
    items: Vec<ItemRow>,
    form: ItemForm,
    open: bool,
}

/// What failed on the editor and is shown back with its errors.
enum Failed {
    Nothing,
    Course(CourseForm, Vec<FieldError>),
    NewSection(String, Vec<FieldError>),
    Rename(String, String, Vec<FieldError>),
    NewItem(String, ItemFields, Vec<FieldError>),
}

#[derive(Template)]
#[template(path = "admin/editor.html")]
struct EditorPage {
    c: Chrome,
    tab: &'static str,
    course: CourseDetail,
    base: String,
    form: CourseForm,
    errors: FieldErrors,
    description_html: String,
    levels: Vec<&'static str>,
    sections: Vec<SectionView>,
    new_section: String,
    new_section_errors: FieldErrors,
    publish_path: String,
    archive_path: String,
    delete_path: String,
    add_section_path: String,
}

impl EditorPage {
    fn status_name(&self, s: &CourseStatus) -> &'static str {
        self.c.t.get(status_key(*s))
    }

    fn level_word(&self, l: &str) -> &'static str {
        l.parse::<CourseLevel>().map_or("", |l| self.c.level(&l))
    }

    fn described(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("course-{field}-hint"));
        }
        if self.errors.of(field).is_some() {
            ids.push(format!("course-{field}-error"));
        }
        ids.join(" ")
    }
}

/// The editor, with whatever `failed` shown back.
async fn render_editor(
    state: &AppState,
    m: &Admin,
    id: &str,
    failed: Failed,
) -> Result<Response, ServerError> {
    let course = load(state, id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let status = if matches!(failed, Failed::Nothing) {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (form, errors) = match &failed {
        Failed::Course(f, e) => (f.shown(), FieldErrors(e.clone())),
        _ => (CourseForm::of(&course), FieldErrors::default()),
    };
    let (new_section, new_section_errors) = match &failed {
        Failed::NewSection(t, e) => (clip(t, 300), FieldErrors(e.clone())),
        _ => (String::new(), FieldErrors::default()),
    };
    let n = course.outline.len();
    let sections = course
        .outline
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let (rename_value, rename_errors) = match &failed {
                Failed::Rename(sid, t, e) if *sid == s.id => (clip(t, 300), FieldErrors(e.clone())),
                _ => (s.title.clone(), FieldErrors::default()),
            };
            let (fields, item_errors, open) = match &failed {
                Failed::NewItem(sid, f, e) if *sid == s.id => {
                    (f.shown(), FieldErrors(e.clone()), true)
                }
                _ => (ItemFields::new_item(), FieldErrors::default(), false),
            };
            let items_n = s.items.len();
            SectionView {
                id: s.id.clone(),
                title: s.title.clone(),
                first: si == 0,
                last: si + 1 == n,
                rename_path: format!("{base}/sections/{}", s.id),
                delete_path: format!("{base}/sections/{}/delete", s.id),
                move_path: format!("{base}/sections/{}/move", s.id),
                add_path: format!("{base}/sections/{}/items", s.id),
                rename_value,
                rename_errors,
                items: s
                    .items
                    .iter()
                    .enumerate()
                    .map(|(ii, o)| ItemRow {
                        edit_path: format!("{base}/items/{}", o.id),
                        delete_path: format!("{base}/items/{}/delete", o.id),
                        move_path: format!("{base}/items/{}/move", o.id),
                        up: ii > 0 || si > 0,
                        down: ii + 1 < items_n || si + 1 < n,
                        o: o.clone(),
                    })
                    .collect(),
                form: ItemForm {
                    prefix: format!("new-{}", s.id),
                    f: fields,
                    errors: item_errors,
                },
                open,
            }
        })
        .collect();
    let page = EditorPage {
        c: Chrome::of(state, &m.v).await?,
        tab: "courses",
        description_html: markdown::to_html(&course.description).to_string(),
        levels: LEVELS.iter().map(|l| l.as_str()).collect(),
        sections,
        new_section,
        new_section_errors,
        publish_path: format!("{base}/publish"),
        archive_path: format!("{base}/archive"),
        delete_path: format!("{base}/delete"),
        add_section_path: format!("{base}/sections"),
        base,
        form,
        errors,
        course,
    };
    Ok(m.v.html_status(status, page.render()))
}

/// `GET /admin/courses/{id}`.
pub(super) async fn page(
    State(state): State<AppState>,
    m: Admin,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    render_editor(&state, &m, &id, Failed::Nothing).await
}

/// `POST /admin/courses/{id}`: the course's fields, through `PATCH /admin/courses/{id}`.
pub(super) async fn save_course(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ServerError> {
    let form: CourseForm = read_form(req, editor_limit(&state)).await?;
    let errors = match form.patch(m.v.t) {
        Err(errors) => errors,
        Ok(patch) => match course_admin::update_course(
            State(state.clone()),
            m.user,
            meta,
            Path(id.clone()),
            JsonBody(patch),
        )
        .await
        {
            Ok(axum::Json(d)) => {
                return Ok(m.v.redirect(
                    &format!("/admin/courses/{}", d.course.id),
                    Some(Flash::ok("admin.editor.flash_saved").with(&d.course.title)),
                ));
            }
            Err(ServerError::Validation(errors)) => errors,
            Err(e) => {
                return after_action(&m, None, &format!("/admin/courses/{id}"), Err(e));
            }
        },
    };
    render_editor(&state, &m, &id, Failed::Course(form, errors)).await
}

/// A section's title form.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SectionForm {
    #[serde(default)]
    title: String,
}

/// `POST /admin/courses/{id}/sections`: a new section at the end.
pub(super) async fn add_section(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path(id): Path<String>,
    Form(form): Form<SectionForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let input = SectionInput {
        title: form.title.clone(),
    };
    match course_admin::add_section(
        State(state.clone()),
        m.user,
        meta,
        Path(id.clone()),
        JsonBody(input),
    )
    .await
    {
        Ok((_, axum::Json(created))) => Ok(m.v.redirect(
            &format!("{base}#section-{}", created.id),
            Some(Flash::ok("admin.editor.flash_section_added").with(form.title.trim())),
        )),
        Err(ServerError::Validation(errors)) => {
            render_editor(&state, &m, &id, Failed::NewSection(form.title, errors)).await
        }
        Err(e) => after_action(&m, None, &base, Err(e)),
    }
}

/// Section `sid` of `course`, or not found.
fn has_section(course: &CourseDetail, sid: &str) -> Result<(), ServerError> {
    if course.outline.iter().any(|s| s.id == sid) {
        Ok(())
    } else {
        Err(ServerError::NotFound("section".into()))
    }
}

/// Item `cid` of `course`, or not found.
fn has_item(course: &CourseDetail, cid: &str) -> Result<(), ServerError> {
    if course
        .outline
        .iter()
        .any(|s| s.items.iter().any(|i| i.id == cid))
    {
        Ok(())
    } else {
        Err(ServerError::NotFound("content".into()))
    }
}

/// `POST /admin/courses/{id}/sections/{sid}`: rename.
pub(super) async fn rename_section(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, sid)): Path<(String, String)>,
    Form(form): Form<SectionForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    if let Err(e) = has_section(&course, &sid) {
        return after_action(&m, None, &base, Err(e));
    }
    let input = SectionInput {
        title: form.title.clone(),
    };
    match course_admin::rename_section(
        State(state.clone()),
        m.user,
        meta,
        Path(sid.clone()),
        JsonBody(input),
    )
    .await
    {
        Ok(_) => Ok(m.v.redirect(
            &format!("{base}#section-{sid}"),
            Some(Flash::ok("admin.editor.flash_section_renamed").with(form.title.trim())),
        )),
        Err(ServerError::Validation(errors)) => {
            render_editor(&state, &m, &id, Failed::Rename(sid, form.title, errors)).await
        }
        Err(e) => after_action(&m, None, &base, Err(e)),
    }
}

/// `POST /admin/courses/{id}/sections/{sid}/delete`: the section and its items.
pub(super) async fn delete_section(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let result = match has_section(&course, &sid) {
        Ok(()) => course_admin::delete_section(State(state.clone()), m.user, meta, Path(sid))
            .await
            .map(|_| Flash::ok("admin.editor.flash_section_deleted")),
        Err(e) => Err(e),
    };
    after_action(&m, None, &base, result)
}

/// Which way to move.
#[derive(Debug, Deserialize)]
pub(super) struct MoveForm {
    direction: String,
}

impl MoveForm {
    fn up(&self) -> Result<bool, ServerError> {
        match self.direction.as_str() {
            "up" => Ok(true),
            "down" => Ok(false),
            _ => Err(crate::insights::invalid("direction", "must be up or down")),
        }
    }
}

/// Saves `order` through `PUT /admin/courses/{id}/order`.
async fn reorder(
    state: &AppState,
    m: &Admin,
    meta: RequestMeta,
    course: &CourseDetail,
    order: CourseOrder,
) -> Result<Flash, ServerError> {
    course_admin::reorder(
        State(state.clone()),
        m.user,
        meta,
        Path(course.course.id.clone()),
        JsonBody(order),
    )
    .await
    .map(|_| Flash::ok("admin.editor.flash_moved"))
}

/// `POST /admin/courses/{id}/sections/{sid}/move`.
pub(super) async fn move_section(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, sid)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let to = format!("{base}#section-{sid}");
    let result = async {
        let up = form.up()?;
        has_section(&course, &sid)?;
        let mut order = order_of(&course);
        if !shift_section(&mut order, &sid, up) {
            return Err(ServerError::Conflict(
                m.v.t.get("admin.editor.cannot_move").to_string(),
            ));
        }
        reorder(&state, &m, meta, &course, order).await
    }
    .await;
    after_action(&m, Some(&to), &base, result)
}

/// `POST /admin/courses/{id}/sections/{sid}/items`: a new item at the end of the section.
pub(super) async fn add_item(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, sid)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ServerError> {
    let fields: ItemFields = read_form(req, editor_limit(&state)).await?;
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    if let Err(e) = has_section(&course, &sid) {
        return after_action(&m, None, &base, Err(e));
    }
    let errors = match fields.document(m.v.t) {
        Err(errors) => errors,
        Ok(doc) => match course_admin::add_content(
            State(state.clone()),
            m.user,
            meta,
            Path(sid.clone()),
            JsonBody(doc),
        )
        .await
        {
            Ok((_, axum::Json(created))) => {
                return Ok(m.v.redirect(
                    &format!("{base}#item-{}", created.id),
                    Some(Flash::ok("admin.editor.flash_item_added").with(fields.title.trim())),
                ));
            }
            Err(ServerError::Validation(errors)) => errors.into_iter().map(item_error).collect(),
            Err(e) => return after_action(&m, None, &base, Err(e)),
        },
    };
    render_editor(&state, &m, &id, Failed::NewItem(sid, fields, errors)).await
}

#[derive(Template)]
#[template(path = "admin/item.html")]
struct ItemPage {
    c: Chrome,
    tab: &'static str,
    course: CourseDetail,
    base: String,
    item_id: String,
    section: String,
    form: ItemForm,
    preview: String,
    save_path: String,
    delete_path: String,
}

/// The item page, with `fields` (the stored item, or what was sent) and `errors`.
async fn render_item(
    state: &AppState,
    m: &Admin,
    course: CourseDetail,
    cid: String,
    fields: ItemFields,
    errors: Vec<FieldError>,
    status: StatusCode,
) -> Result<Response, ServerError> {
    let base = format!("/admin/courses/{}", course.course.id);
    let section = course
        .outline
        .iter()
        .find(|s| s.items.iter().any(|i| i.id == cid))
        .map(|s| s.title.clone())
        .unwrap_or_default();
    let page = ItemPage {
        c: Chrome::of(state, &m.v).await?,
        tab: "courses",
        preview: markdown::to_html(&fields.body).to_string(),
        save_path: format!("{base}/items/{cid}"),
        delete_path: format!("{base}/items/{cid}/delete"),
        form: ItemForm {
            prefix: "item".into(),
            f: fields,
            errors: FieldErrors(errors),
        },
        section,
        item_id: cid,
        base,
        course,
    };
    Ok(m.v.html_status(status, page.render()))
}

/// `GET /admin/courses/{id}/items/{cid}`: one item, through `GET /admin/contents/{id}`.
pub(super) async fn item_page(
    State(state): State<AppState>,
    m: Admin,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    has_item(&course, &cid)?;
    let axum::Json(doc) =
        course_admin::get_content_document(State(state.clone()), Path(cid.clone())).await?;
    render_item(
        &state,
        &m,
        course,
        cid,
        ItemFields::of(&doc),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/courses/{id}/items/{cid}`: save through `PUT /admin/contents/{id}`, or
/// only preview (`action=preview`).
pub(super) async fn save_item(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ServerError> {
    let fields: ItemFields = read_form(req, editor_limit(&state)).await?;
    let course = load(&state, &id).await?;
    has_item(&course, &cid)?;
    if fields.action == "preview" {
        let shown = fields.shown();
        return render_item(&state, &m, course, cid, shown, Vec::new(), StatusCode::OK).await;
    }
    let base = format!("/admin/courses/{}", course.course.id);
    let errors = match fields.document(m.v.t) {
        Err(errors) => errors,
        Ok(doc) => match course_admin::replace_content(
            State(state.clone()),
            m.user,
            meta,
            Path(cid.clone()),
            JsonBody(doc),
        )
        .await
        {
            Ok(_) => {
                return Ok(m.v.redirect(
                    &format!("{base}/items/{cid}"),
                    Some(Flash::ok("admin.editor.flash_item_saved").with(fields.title.trim())),
                ));
            }
            Err(ServerError::Validation(errors)) => errors.into_iter().map(item_error).collect(),
            Err(e) => return after_action(&m, None, &format!("{base}/items/{cid}"), Err(e)),
        },
    };
    let shown = fields.shown();
    render_item(
        &state,
        &m,
        course,
        cid,
        shown,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /admin/courses/{id}/items/{cid}/delete`.
pub(super) async fn delete_item(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let result = match has_item(&course, &cid) {
        Ok(()) => course_admin::delete_content(State(state.clone()), m.user, meta, Path(cid))
            .await
            .map(|_| Flash::ok("admin.editor.flash_item_deleted")),
        Err(e) => Err(e),
    };
    after_action(&m, None, &base, result)
}

/// `POST /admin/courses/{id}/items/{cid}/move`.
pub(super) async fn move_item(
    State(state): State<AppState>,
    m: Admin,
    meta: RequestMeta,
    Path((id, cid)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let to = format!("{base}#item-{cid}");
    let result = async {
        let up = form.up()?;
        has_item(&course, &cid)?;
        let mut order = order_of(&course);
        if !shift_item(&mut order, &cid, up) {
            return Err(ServerError::Conflict(
                m.v.t.get("admin.editor.cannot_move").to_string(),
            ));
        }
        reorder(&state, &m, meta, &course, order).await
    }
    .await;
    after_action(&m, Some(&to), &base, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{Lang, Tr};

    fn order(sections: &[(&str, &[&str])]) -> CourseOrder {
        CourseOrder {
            sections: sections
                .iter()
                .map(|(id, items)| SectionOrder {
                    id: (*id).into(),
                    items: items.iter().map(|i| (*i).to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn sections_move_within_bounds() {
        let mut o = order(&[("a", &[]), ("b", &[]), ("c", &[])]);
        assert!(shift_section(&mut o, "b", true));
        assert_eq!(o, order(&[("b", &[]), ("a", &[]), ("c", &[])]));
        assert!(!shift_section(&mut o, "b", true));
        assert!(!shift_section(&mut o, "c", false));
        assert!(shift_section(&mut o, "a", false));
        assert_eq!(o, order(&[("b", &[]), ("c", &[]), ("a", &[])]));
        assert!(!shift_section(&mut o, "zz", false));
    }

    #[test]
    fn items_move_within_and_across_sections() {
        let mut o = order(&[("a", &["1", "2"]), ("b", &[]), ("c", &["3"])]);
        assert!(shift_item(&mut o, "2", true));
        assert_eq!(o, order(&[("a", &["2", "1"]), ("b", &[]), ("c", &["3"])]));
        assert!(
            !shift_item(&mut o, "2", true),
            "first item of the first section"
        );
        assert!(shift_item(&mut o, "1", false), "into the next section");
        assert_eq!(o, order(&[("a", &["2"]), ("b", &["1"]), ("c", &["3"])]));
        assert!(
            shift_item(&mut o, "3", true),
            "to the end of the section before"
        );
        assert_eq!(o, order(&[("a", &["2"]), ("b", &["1", "3"]), ("c", &[])]));
        assert!(shift_item(&mut o, "3", false));
        assert!(
            !shift_item(&mut o, "3", false),
            "last item of the last section"
        );
        assert!(!shift_item(&mut o, "nope", true));
    }

    #[test]
    fn item_forms_become_documents_of_their_kind() {
        let t = Tr::new(Lang::En);
        let lesson = ItemFields {
            kind: "lesson".into(),
            title: "Incoterms".into(),
            estimated_minutes: " 12 ".into(),
            body: "# Hi\r\nthere".into(),
            video_url: "https://example.com/v".into(),
            questions: "[]".into(),
            ..ItemFields::default()
        };
        let doc = lesson.document(t).expect("lesson");
        assert_eq!(doc.kind, ContentKind::Lesson);
        assert_eq!(doc.estimated_minutes, Some(12));
        assert_eq!(doc.body.as_deref(), Some("# Hi\nthere"));
        assert_eq!(doc.video_url, None, "a lesson keeps no video link");
        assert_eq!(doc.quiz, None);

        let quiz = ItemFields {
            kind: "quiz".into(),
            title: "Check".into(),
            pass_mark: "80".into(),
            questions: r#"[{"prompt": "FOB?", "choices": ["a", "b"], "answers": [1]}]"#.into(),
            ..ItemFields::default()
        };
        let doc = quiz.document(t).expect("quiz");
        let q = doc.quiz.expect("questions");
        assert_eq!(
            (q.pass_mark, q.max_attempts, q.questions.len()),
            (80, None, 1)
        );
        assert_eq!(doc.body, None);

        let bad = ItemFields {
            kind: "quiz".into(),
            estimated_minutes: "soon".into(),
            pass_mark: "x".into(),
            max_attempts: "-1".into(),
            questions: r#"[{"prompt": "FOB?", "choices": "a"}]"#.into(),
            ..ItemFields::default()
        };
        let errors = bad.document(t).expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "estimated_minutes",
                "pass_mark",
                "max_attempts",
                "questions"
            ]
        );
        assert!(
            errors[3].message.starts_with("[0].choices"),
            "{}",
            errors[3].message
        );
        let unknown = ItemFields {
            kind: "podcast".into(),
            ..ItemFields::default()
        };
        assert_eq!(unknown.document(t).expect_err("kind")[0].field, "kind");
        assert!(parse_questions("{}").is_err());
        assert!(parse_questions("nope").is_err());
    }

    #[test]
    fn api_errors_land_on_form_fields() {
        let e = item_error(FieldError::new(
            "quiz.questions[2].answers",
            "must be one or more",
        ));
        assert_eq!(e.field, "questions");
        assert_eq!(e.message, "[2].answers: must be one or more");
        assert_eq!(
            item_error(FieldError::new("quiz.pass_mark", "x")).field,
            "pass_mark"
        );
        assert_eq!(item_error(FieldError::new("quiz", "x")).field, "questions");
        assert_eq!(
            item_error(FieldError::new("quiz.questions", "x")).message,
            "x"
        );
        assert_eq!(item_error(FieldError::new("body", "x")).field, "body");
    }

    #[test]
    fn course_forms_become_patches() {
        let t = Tr::new(Lang::Id);
        let form = CourseForm {
            title: "T".into(),
            summary: "S".into(),
            description: "a\r\nb".into(),
            level: "advanced".into(),
            tags: " ekspor, , HS code ,".into(),
            estimated_minutes: "".into(),
        };
        let p = form.patch(t).expect("patch");
        assert_eq!(
            p.tags,
            Some(vec!["ekspor".to_string(), "HS code".to_string()])
        );
        assert_eq!(p.level, Some(CourseLevel::Advanced));
        assert_eq!(p.estimated_minutes, None);
        assert_eq!(p.description.as_deref(), Some("a\nb"));
        assert_eq!(p.status, None, "the form never changes the status");
        let bad = CourseForm {
            level: "expert".into(),
            estimated_minutes: "1.5".into(),
            ..CourseForm::default()
        };
        let errors = bad.patch(t).expect_err("invalid");
        assert_eq!(errors.len(), 2);
        assert_eq!(minutes(" 7 "), Ok(Some(7)));
        assert_eq!(minutes(""), Ok(None));
        assert!(minutes("-3").is_err());
    }
}
