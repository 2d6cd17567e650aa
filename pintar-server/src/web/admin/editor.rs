//! The course editor, `GET /admin/courses/{id}`: the course's fields, its sections and
//! items in order, with rename, delete, move and add forms. Every change is a use case of
//! [`crate::learning::authoring`], so content checks, audit entries and cache
//! invalidation are the same as on the API. One item's page is [`super::item`].

use super::courses::{LEVELS, status_key};
use super::item::{ItemFields, ItemForm, item_error};
use super::{after_action, editor_limit};
use crate::error::{FieldError, ServerError};
use crate::learning::authoring;
use crate::setup::state::AppState;
use crate::web::forms::{FieldErrors, clip, read_form};
use crate::web::{Chrome, Flash, Visitor, markdown};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use pintar_core::api::{
    ContentOutline, CourseDetail, CourseLevel, CourseOrder, CoursePatch, CourseStatus, SectionOrder,
};
use serde::Deserialize;

/// The course as admins see it (drafts too).
pub(super) async fn load(
    state: &AppState,
    v: &Visitor,
    id: &str,
) -> Result<CourseDetail, ServerError> {
    authoring::read(&state.learning, &v.actor, id).await
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
pub(super) fn minutes(text: &str) -> Result<Option<u32>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u32>().map(Some).map_err(|_| ())
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

/// The course's current order.
pub(super) fn order_of(d: &CourseDetail) -> CourseOrder {
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
    v: &Visitor,
    id: &str,
    failed: Failed,
) -> Result<Response, ServerError> {
    let course = load(state, v, id).await?;
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
        c: Chrome::of(state, v).await?,
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
    Ok(v.html_status(status, page.render()))
}

/// `GET /admin/courses/{id}`.
pub(super) async fn page(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    render_editor(&state, &v, &id, Failed::Nothing).await
}

/// `POST /admin/courses/{id}`: the course's fields.
pub(super) async fn save_course(
    State(state): State<AppState>,
    v: Visitor,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, ServerError> {
    let form: CourseForm = read_form(req, editor_limit(&state)).await?;
    let errors = match form.patch(v.t) {
        Err(errors) => errors,
        Ok(patch) => match authoring::update(&state.learning, &v.actor, &id, patch).await {
            Ok(d) => {
                return Ok(v.redirect(
                    &format!("/admin/courses/{}", d.course.id),
                    Some(Flash::ok("admin.editor.flash_saved").with(&d.course.title)),
                ));
            }
            Err(ServerError::Validation(errors)) => errors,
            Err(e) => {
                return after_action(&v, None, &format!("/admin/courses/{id}"), Err(e));
            }
        },
    };
    render_editor(&state, &v, &id, Failed::Course(form, errors)).await
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
    v: Visitor,
    Path(id): Path<String>,
    Form(form): Form<SectionForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    match authoring::add_section(&state.learning, &v.actor, &id, &form.title).await {
        Ok(created) => Ok(v.redirect(
            &format!("{base}#section-{created}"),
            Some(Flash::ok("admin.editor.flash_section_added").with(form.title.trim())),
        )),
        Err(ServerError::Validation(errors)) => {
            render_editor(&state, &v, &id, Failed::NewSection(form.title, errors)).await
        }
        Err(e) => after_action(&v, None, &base, Err(e)),
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

/// `POST /admin/courses/{id}/sections/{sid}`: rename.
pub(super) async fn rename_section(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, sid)): Path<(String, String)>,
    Form(form): Form<SectionForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    if let Err(e) = has_section(&course, &sid) {
        return after_action(&v, None, &base, Err(e));
    }
    match authoring::rename_section(&state.learning, &v.actor, &sid, &form.title).await {
        Ok(_) => Ok(v.redirect(
            &format!("{base}#section-{sid}"),
            Some(Flash::ok("admin.editor.flash_section_renamed").with(form.title.trim())),
        )),
        Err(ServerError::Validation(errors)) => {
            render_editor(&state, &v, &id, Failed::Rename(sid, form.title, errors)).await
        }
        Err(e) => after_action(&v, None, &base, Err(e)),
    }
}

/// `POST /admin/courses/{id}/sections/{sid}/delete`: the section and its items.
pub(super) async fn delete_section(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, sid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let result = match has_section(&course, &sid) {
        Ok(()) => authoring::delete_section(&state.learning, &v.actor, &sid)
            .await
            .map(|_| Flash::ok("admin.editor.flash_section_deleted")),
        Err(e) => Err(e),
    };
    after_action(&v, None, &base, result)
}

/// Which way to move.
#[derive(Debug, Deserialize)]
pub(super) struct MoveForm {
    direction: String,
}

impl MoveForm {
    pub(super) fn up(&self) -> Result<bool, ServerError> {
        match self.direction.as_str() {
            "up" => Ok(true),
            "down" => Ok(false),
            _ => Err(crate::insights::invalid("direction", "must be up or down")),
        }
    }
}

/// Saves `order` (the reorder use case).
pub(super) async fn reorder(
    state: &AppState,
    v: &Visitor,
    course: &CourseDetail,
    order: CourseOrder,
) -> Result<Flash, ServerError> {
    authoring::reorder(&state.learning, &v.actor, &course.course.id, order)
        .await
        .map(|_| Flash::ok("admin.editor.flash_moved"))
}

/// `POST /admin/courses/{id}/sections/{sid}/move`.
pub(super) async fn move_section(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, sid)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let to = format!("{base}#section-{sid}");
    let result = async {
        let up = form.up()?;
        has_section(&course, &sid)?;
        let mut order = order_of(&course);
        if !shift_section(&mut order, &sid, up) {
            return Err(ServerError::Conflict(
                v.t.get("admin.editor.cannot_move").to_string(),
            ));
        }
        reorder(&state, &v, &course, order).await
    }
    .await;
    after_action(&v, Some(&to), &base, result)
}

/// `POST /admin/courses/{id}/sections/{sid}/items`: a new item at the end of the section.
pub(super) async fn add_item(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, sid)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ServerError> {
    let fields: ItemFields = read_form(req, editor_limit(&state)).await?;
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    if let Err(e) = has_section(&course, &sid) {
        return after_action(&v, None, &base, Err(e));
    }
    let errors = match fields.document(v.t) {
        Err(errors) => errors,
        Ok(doc) => match authoring::add_item(&state.learning, &v.actor, &sid, &doc).await {
            Ok(created) => {
                return Ok(v.redirect(
                    &format!("{base}#item-{created}"),
                    Some(Flash::ok("admin.editor.flash_item_added").with(fields.title.trim())),
                ));
            }
            Err(ServerError::Validation(errors)) => errors.into_iter().map(item_error).collect(),
            Err(e) => return after_action(&v, None, &base, Err(e)),
        },
    };
    render_editor(&state, &v, &id, Failed::NewItem(sid, fields, errors)).await
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
