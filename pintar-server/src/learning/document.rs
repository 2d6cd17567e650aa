//! Course documents: checking what admins send, writing it as rows (with audit entries), and
//! reading a course back as one document.

use super::structure::{Structure, find_course};
use crate::audit;
use crate::error::{FieldError, ServerError};
use crate::policy::Origin;
use crate::storage::entities::{content, course, section};
use chrono::{DateTime, Utc};
use pintar_core::api::{
    ContentDocument, ContentKind, CourseDocument, CourseStatus, Question, QuizDocument,
    SectionDocument,
};
use sea_orm::{ConnectionTrait, Set};
use uuid::Uuid;

/// Minutes an item takes when the document does not say.
pub const DEFAULT_ITEM_MINUTES: u32 = 5;
const MAX_MINUTES: u32 = 100_000;

/// Collects field errors.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    /// Records that `field` is invalid.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Text of `min..=max` characters after trimming.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.trim().chars().count();
        if n < min || n > max {
            self.fail(field, format!("must be {min} to {max} characters"));
        }
    }

    /// A slug: 1–80 of `a-z`, `0-9` and inner dashes.
    pub fn slug(&mut self, field: &str, value: &str) {
        let ok = (1..=80).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if !ok {
            self.fail(
                field,
                "must be 1 to 80 lower-case letters, digits and inner dashes",
            );
        }
    }

    /// Up to 12 tags of 1–40 characters.
    pub fn tags(&mut self, field: &str, tags: &[String]) {
        if tags.len() > 12
            || tags
                .iter()
                .any(|t| !(1..=40).contains(&t.trim().chars().count()))
        {
            self.fail(field, "must be at most 12 tags of 1 to 40 characters");
        }
    }

    /// A duration in minutes.
    pub fn minutes(&mut self, field: &str, minutes: Option<u32>) {
        if minutes.is_some_and(|m| m > MAX_MINUTES) {
            self.fail(field, format!("must be at most {MAX_MINUTES}"));
        }
    }

    /// A content item, by kind.
    pub fn content(&mut self, at: &str, c: &ContentDocument) {
        self.text(&format!("{at}title"), &c.title, 1, 200);
        self.minutes(&format!("{at}estimated_minutes"), c.estimated_minutes);
        if c.body.as_ref().is_some_and(|b| b.len() > 200_000) {
            self.fail(&format!("{at}body"), "must be at most 200000 bytes");
        }
        match c.kind {
            ContentKind::Lesson if c.body.as_deref().is_none_or(|b| b.trim().is_empty()) => {
                self.fail(&format!("{at}body"), "a lesson needs a Markdown body");
            }
            ContentKind::Video
                if !c.video_url.as_deref().is_some_and(|u| {
                    (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 2000
                }) =>
            {
                self.fail(&format!("{at}video_url"), "a video needs an http(s) link");
            }
            ContentKind::Quiz => match &c.quiz {
                Some(q) => self.quiz(&format!("{at}quiz."), q),
                None => self.fail(&format!("{at}quiz"), "a quiz needs questions"),
            },
            _ => {}
        }
        // A link is only a video's, and only http(s): a `javascript:` address must never
        // reach a learner's page, whatever the item.
        if c.kind != ContentKind::Video && c.video_url.is_some() {
            self.fail(&format!("{at}video_url"), "only videos have a link");
        }
        if c.kind != ContentKind::Quiz && c.quiz.is_some() {
            self.fail(&format!("{at}quiz"), "only quizzes have questions");
        }
    }

    fn quiz(&mut self, at: &str, q: &QuizDocument) {
        if !(1..=100).contains(&q.pass_mark) {
            self.fail(&format!("{at}pass_mark"), "must be 1 to 100 (percent)");
        }
        if q.max_attempts.is_some_and(|m| !(1..=100).contains(&m)) {
            self.fail(&format!("{at}max_attempts"), "must be 1 to 100");
        }
        if !(1..=100).contains(&q.questions.len()) {
            self.fail(&format!("{at}questions"), "must be 1 to 100 questions");
        }
        for (i, question) in q.questions.iter().enumerate() {
            let f = format!("{at}questions[{i}].");
            self.text(&format!("{f}prompt"), &question.prompt, 1, 2000);
            let n = question.choices.len();
            if !(2..=10).contains(&n) || question.choices.iter().any(|c| c.trim().is_empty()) {
                self.fail(&format!("{f}choices"), "must be 2 to 10 non-empty choices");
            }
            let mut answers = question.answers.clone();
            answers.sort_unstable();
            answers.dedup();
            if answers.is_empty()
                || answers.len() != question.answers.len()
                || answers.iter().any(|&a| a as usize >= n)
            {
                self.fail(
                    &format!("{f}answers"),
                    "must be one or more distinct indices of choices",
                );
            }
        }
    }

    /// A whole course document.
    pub fn document(&mut self, d: &CourseDocument) {
        self.slug("slug", &d.slug);
        self.text("title", &d.title, 1, 200);
        self.text("summary", &d.summary, 1, 500);
        self.text("description", &d.description, 0, 20_000);
        self.tags("tags", &d.tags);
        self.minutes("estimated_minutes", d.estimated_minutes);
        if d.sections.len() > 200 {
            self.fail("sections", "must be at most 200 sections");
        }
        for (i, s) in d.sections.iter().enumerate() {
            self.text(&format!("sections[{i}].title"), &s.title, 1, 200);
            if s.items.len() > 200 {
                self.fail(&format!("sections[{i}].items"), "must be at most 200 items");
            }
            for (j, c) in s.items.iter().enumerate() {
                self.content(&format!("sections[{i}].items[{j}]."), c);
            }
        }
    }

    /// `Ok` when nothing failed.
    pub fn done(self) -> Result<(), ServerError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServerError::Validation(self.0))
        }
    }
}

/// Tags trimmed, without duplicates.
pub fn clean_tags(tags: &[String]) -> serde_json::Value {
    let mut out: Vec<String> = Vec::new();
    for t in tags.iter().map(|t| t.trim().to_string()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
    serde_json::json!(out)
}

/// Questions as stored.
pub fn stored_questions(c: &content::Model) -> Vec<Question> {
    c.quiz
        .clone()
        .and_then(|q| serde_json::from_value(q).ok())
        .unwrap_or_default()
}

/// Fills the fields of `row` that a content document sets.
pub fn set_content(row: &mut content::ActiveModel, doc: &ContentDocument) {
    row.kind = Set(doc.kind.as_str().into());
    row.title = Set(doc.title.trim().into());
    row.body = Set(doc.body.clone());
    row.video_url = Set(doc.video_url.clone());
    row.quiz = Set(doc.quiz.as_ref().map(|q| serde_json::json!(q.questions)));
    row.pass_mark = Set(doc.quiz.as_ref().map(|q| q.pass_mark as i32));
    row.max_attempts = Set(doc
        .quiz
        .as_ref()
        .and_then(|q| q.max_attempts.map(|m| m as i32)));
    row.estimated_minutes = Set(doc.estimated_minutes.unwrap_or(DEFAULT_ITEM_MINUTES) as i32);
}

/// Inserts a content item at `position` of `section`, with its audit entry.
pub async fn insert_content<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    section: &section::Model,
    position: i32,
    doc: &ContentDocument,
) -> Result<content::Model, ServerError> {
    let now = Utc::now();
    let mut row = content::ActiveModel {
        id: Set(Uuid::now_v7()),
        section_id: Set(section.id),
        course_id: Set(section.course_id),
        position: Set(position),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    set_content(&mut row, doc);
    Ok(audit::insert(conn, meta, actor, row).await?)
}

/// Inserts a section at `position` of `course_id`, with its audit entry.
pub async fn insert_section<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    course_id: Uuid,
    position: i32,
    title: &str,
) -> Result<section::Model, ServerError> {
    let now = Utc::now();
    let row = audit::insert(
        conn,
        meta,
        actor,
        section::ActiveModel {
            id: Set(Uuid::now_v7()),
            course_id: Set(course_id),
            title: Set(title.trim().into()),
            position: Set(position),
            created_at: Set(now),
            updated_at: Set(now),
        },
    )
    .await?;
    Ok(row)
}

/// Fails with 409 when `slug` is taken by a course other than `except`.
pub async fn slug_free<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    except: Option<Uuid>,
) -> Result<(), ServerError> {
    match find_course(conn, slug).await {
        Ok(c) if Some(c.id) != except => Err(ServerError::Conflict(format!(
            "the slug '{slug}' is taken by another course"
        ))),
        Ok(_) | Err(ServerError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates a course from `doc` (already checked) inside `conn`, with audit entries for every
/// row. `published_at` is set when the document's status is published.
pub async fn import<C: ConnectionTrait>(
    conn: &C,
    meta: &Origin,
    actor: Option<Uuid>,
    doc: &CourseDocument,
) -> Result<Structure, ServerError> {
    slug_free(conn, &doc.slug, None).await?;
    let now = Utc::now();
    let status = doc.status.unwrap_or(CourseStatus::Draft);
    let minutes = doc.estimated_minutes.unwrap_or_else(|| {
        doc.sections
            .iter()
            .flat_map(|s| &s.items)
            .map(|c| c.estimated_minutes.unwrap_or(DEFAULT_ITEM_MINUTES))
            .sum()
    });
    let course = audit::insert(
        conn,
        meta,
        actor,
        course::ActiveModel {
            id: Set(Uuid::now_v7()),
            slug: Set(doc.slug.clone()),
            title: Set(doc.title.trim().into()),
            summary: Set(doc.summary.trim().into()),
            description: Set(doc.description.clone()),
            level: Set(doc.level.as_str().into()),
            tags: Set(clean_tags(&doc.tags)),
            estimated_minutes: Set(minutes.min(MAX_MINUTES) as i32),
            status: Set(status.as_str().into()),
            created_by: Set(actor),
            created_at: Set(now),
            updated_at: Set(now),
            published_at: Set(published_at(status, None, now)),
        },
    )
    .await?;
    let mut sections = Vec::with_capacity(doc.sections.len());
    for (i, s) in doc.sections.iter().enumerate() {
        let row = insert_section(conn, meta, actor, course.id, i as i32, &s.title).await?;
        let mut items = Vec::with_capacity(s.items.len());
        for (j, c) in s.items.iter().enumerate() {
            items.push(insert_content(conn, meta, actor, &row, j as i32, c).await?);
        }
        sections.push((row, items));
    }
    Ok(Structure { course, sections })
}

/// When a course in `status` counts as published: kept from before, or now on first publish.
pub fn published_at(
    status: CourseStatus,
    before: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    match (status, before) {
        (_, Some(t)) => Some(t),
        (CourseStatus::Published, None) => Some(now),
        _ => None,
    }
}

/// One item as a document (with quiz answers: for admins).
pub fn content_document(c: &content::Model) -> ContentDocument {
    let kind = c.kind();
    ContentDocument {
        kind,
        title: c.title.clone(),
        estimated_minutes: Some(c.minutes()),
        body: c.body.clone(),
        video_url: c.video_url.clone(),
        quiz: (kind == ContentKind::Quiz).then(|| QuizDocument {
            pass_mark: c.pass_mark(),
            max_attempts: c.max_attempts(),
            questions: stored_questions(c),
        }),
    }
}

/// The whole course as one document, ready to import elsewhere.
pub fn export(s: &Structure) -> Result<CourseDocument, ServerError> {
    let summary = s.summary()?;
    Ok(CourseDocument {
        slug: summary.slug,
        title: summary.title,
        summary: summary.summary,
        description: s.course.description.clone(),
        level: summary.level,
        tags: summary.tags,
        estimated_minutes: Some(summary.estimated_minutes),
        status: Some(summary.status),
        sections: s
            .sections
            .iter()
            .map(|(sec, items)| SectionDocument {
                title: sec.title.clone(),
                items: items.iter().map(content_document).collect(),
            })
            .collect(),
    })
}
