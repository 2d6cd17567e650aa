//! One item of a course in the editor, `GET /admin/courses/{id}/items/{cid}`: its fields
//! (lesson body, video link or quiz) with a preview of its Markdown; saving, deleting and
//! moving it. The item form is also the editor's "add item" form.

use super::editor::{MoveForm, load, minutes, order_of, reorder};
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
    ContentDocument, ContentKind, CourseDetail, CourseOrder, Question, QuizDocument,
};
use serde::Deserialize;

/// The pass mark a new quiz form suggests.
const DEFAULT_PASS_MARK: &str = "70";

/// The item form, as sent (and shown back): `action=preview` only previews.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ItemFields {
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    pub(super) estimated_minutes: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) video_url: String,
    #[serde(default)]
    pub(super) pass_mark: String,
    #[serde(default)]
    pub(super) max_attempts: String,
    #[serde(default)]
    pub(super) questions: String,
    #[serde(default)]
    pub(super) action: String,
}

impl ItemFields {
    /// An empty form for a new lesson.
    pub(super) fn new_item() -> Self {
        Self {
            kind: "lesson".into(),
            pass_mark: DEFAULT_PASS_MARK.into(),
            ..Self::default()
        }
    }

    /// The form of an item's document.
    pub(super) fn of(doc: &ContentDocument) -> Self {
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

    pub(super) fn shown(&self) -> Self {
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
    pub(super) fn document(
        &self,
        t: crate::web::i18n::Tr,
    ) -> Result<ContentDocument, Vec<FieldError>> {
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
pub(super) fn item_error(e: FieldError) -> FieldError {
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
pub(super) struct ItemForm {
    pub(super) prefix: String,
    pub(super) f: ItemFields,
    pub(super) errors: FieldErrors,
}

impl ItemForm {
    pub(super) fn id(&self, name: &str) -> String {
        format!("{}-{name}", self.prefix)
    }

    pub(super) fn error(&self, field: &str) -> Option<&str> {
        self.errors.of(field)
    }

    /// Describing ids of a field: its hint (when it has one) and its error.
    pub(super) fn described(&self, field: &str, hint: bool) -> String {
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
    v: &Visitor,
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
        c: Chrome::of(state, v).await?,
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
    Ok(v.html_status(status, page.render()))
}

/// `GET /admin/courses/{id}/items/{cid}`: one item.
pub(super) async fn page(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    has_item(&course, &cid)?;
    let doc = authoring::item_document(&state.learning, &v.actor, &cid).await?;
    render_item(
        &state,
        &v,
        course,
        cid,
        ItemFields::of(&doc),
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// `POST /admin/courses/{id}/items/{cid}`: save, or only preview (`action=preview`).
pub(super) async fn save(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, cid)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ServerError> {
    let fields: ItemFields = read_form(req, editor_limit(&state)).await?;
    let course = load(&state, &v, &id).await?;
    has_item(&course, &cid)?;
    if fields.action == "preview" {
        let shown = fields.shown();
        return render_item(&state, &v, course, cid, shown, Vec::new(), StatusCode::OK).await;
    }
    let base = format!("/admin/courses/{}", course.course.id);
    let errors = match fields.document(v.t) {
        Err(errors) => errors,
        Ok(doc) => match authoring::replace_item(&state.learning, &v.actor, &cid, &doc).await {
            Ok(_) => {
                return Ok(v.redirect(
                    &format!("{base}/items/{cid}"),
                    Some(Flash::ok("admin.editor.flash_item_saved").with(fields.title.trim())),
                ));
            }
            Err(ServerError::Validation(errors)) => errors.into_iter().map(item_error).collect(),
            Err(e) => return after_action(&v, None, &format!("{base}/items/{cid}"), Err(e)),
        },
    };
    let shown = fields.shown();
    render_item(
        &state,
        &v,
        course,
        cid,
        shown,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /admin/courses/{id}/items/{cid}/delete`.
pub(super) async fn delete(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, cid)): Path<(String, String)>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let result = match has_item(&course, &cid) {
        Ok(()) => authoring::delete_item(&state.learning, &v.actor, &cid)
            .await
            .map(|_| Flash::ok("admin.editor.flash_item_deleted")),
        Err(e) => Err(e),
    };
    after_action(&v, None, &base, result)
}

/// `POST /admin/courses/{id}/items/{cid}/move`.
pub(super) async fn move_item(
    State(state): State<AppState>,
    v: Visitor,
    Path((id, cid)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> Result<Response, ServerError> {
    let course = load(&state, &v, &id).await?;
    let base = format!("/admin/courses/{}", course.course.id);
    let to = format!("{base}#item-{cid}");
    let result = async {
        let up = form.up()?;
        has_item(&course, &cid)?;
        let mut order = order_of(&course);
        if !shift_item(&mut order, &cid, up) {
            return Err(ServerError::Conflict(
                v.t.get("admin.editor.cannot_move").to_string(),
            ));
        }
        reorder(&state, &v, &course, order).await
    }
    .await;
    after_action(&v, Some(&to), &base, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::i18n::{Lang, Tr};
    use pintar_core::api::SectionOrder;

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
}
