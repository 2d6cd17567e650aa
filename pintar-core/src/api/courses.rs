//! Courses, learning progress, quizzes and certificates; and the course document that admins
//! import and export (the seed courses are written in it too).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} '{other}' (expected {})",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

string_enum! {
    /// How much a course assumes.
    CourseLevel {
        /// No prior knowledge.
        Beginner = "beginner",
        /// Knows the basics.
        Intermediate = "intermediate",
        /// Practitioners.
        Advanced = "advanced",
    }
}

string_enum! {
    /// Where a course is in its life.
    CourseStatus {
        /// Being written: admins only.
        Draft = "draft",
        /// Listed and open for enrolment.
        Published = "published",
        /// No longer listed or open for enrolment; enrolled learners keep access.
        Archived = "archived",
    }
}

string_enum! {
    /// What a content item is.
    ContentKind {
        /// A Markdown lesson.
        Lesson = "lesson",
        /// A link to a video, with optional notes.
        Video = "video",
        /// A quiz graded on the server.
        Quiz = "quiz",
    }
}

/// A course as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseSummary {
    /// Course id (UUIDv7).
    pub id: String,
    /// URL name, unique.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Level.
    pub level: CourseLevel,
    /// Topics.
    pub tags: Vec<String>,
    /// Time to study it all.
    pub estimated_minutes: u32,
    /// Status (learners only ever see published ones in lists).
    pub status: CourseStatus,
    /// First published.
    pub published_at: Option<DateTime<Utc>>,
    /// Number of sections.
    pub sections: u32,
    /// Number of content items.
    pub items: u32,
}

/// A content item in a course outline (no body: that needs enrolment).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentOutline {
    /// Content id.
    pub id: String,
    /// Lesson, video or quiz.
    pub kind: ContentKind,
    /// Title.
    pub title: String,
    /// Time to study it.
    pub estimated_minutes: u32,
}

/// A section in a course outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionOutline {
    /// Section id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Items in order.
    pub items: Vec<ContentOutline>,
}

/// `GET /courses/{id}`: the course and its outline, visible to everyone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseDetail {
    /// The listing fields.
    #[serde(flatten)]
    pub course: CourseSummary,
    /// Longer description (Markdown).
    pub description: String,
    /// Sections in order.
    pub outline: Vec<SectionOutline>,
    /// Whether the caller is enrolled (false when anonymous).
    pub enrolled: bool,
}

/// A quiz question as learners see it: no answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionView {
    /// The question.
    pub prompt: String,
    /// Choices, answered by index from 0.
    pub choices: Vec<String>,
    /// Whether more than one choice is correct.
    pub multiple: bool,
}

/// A quiz as a learner sees it before submitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizView {
    /// Questions in order.
    pub questions: Vec<QuestionView>,
    /// Score (percent) needed to pass.
    pub pass_mark: u32,
    /// Attempts allowed; unlimited when absent.
    pub max_attempts: Option<u32>,
    /// Attempts the caller has made.
    pub attempts_used: u32,
    /// The caller's best score (percent).
    pub best_score: Option<f64>,
    /// Whether the caller has passed.
    pub passed: bool,
}

/// `GET /courses/{id}/contents/{cid}`: one item, for enrolled learners and admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentView {
    /// Content id.
    pub id: String,
    /// Course id.
    pub course_id: String,
    /// Section id.
    pub section_id: String,
    /// Lesson, video or quiz.
    pub kind: ContentKind,
    /// Title.
    pub title: String,
    /// Time to study it.
    pub estimated_minutes: u32,
    /// Markdown (lessons, and notes for videos and quizzes).
    pub body: Option<String>,
    /// The video (videos).
    pub video_url: Option<String>,
    /// The quiz, without answers (quizzes).
    pub quiz: Option<QuizView>,
    /// When the caller completed it.
    pub completed_at: Option<DateTime<Utc>>,
}

/// `POST /courses/{id}/contents/{cid}/attempts`: chosen indices per question, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptRequest {
    /// For each question, the indices of the chosen choices.
    pub answers: Vec<Vec<u32>>,
}

/// How one question of an attempt went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionResult {
    /// Whether the answer was right.
    pub correct: bool,
    /// The right choices: shown once the quiz is passed.
    pub correct_answers: Option<Vec<u32>>,
    /// Why, shown with the right choices.
    pub explanation: Option<String>,
}

/// A graded attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptResult {
    /// Attempt id.
    pub id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Percent of questions answered right.
    pub score: f64,
    /// Whether `score` reaches the pass mark.
    pub passed: bool,
    /// Questions answered right.
    pub correct: u32,
    /// Questions in the quiz.
    pub total: u32,
    /// Percent needed to pass.
    pub pass_mark: u32,
    /// Best score so far, this attempt included.
    pub best_score: f64,
    /// Attempts left; unlimited when absent.
    pub attempts_left: Option<u32>,
    /// Per question, in order.
    pub questions: Vec<QuestionResult>,
    /// Progress after the attempt (a passed quiz completes its item).
    pub progress: CourseProgress,
}

/// Progress on one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemProgress {
    /// Content id.
    pub content_id: String,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// Last opened at.
    pub last_accessed_at: DateTime<Utc>,
}

/// Progress through one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionProgress {
    /// Section id.
    pub section_id: String,
    /// Title.
    pub title: String,
    /// Items completed.
    pub completed: u32,
    /// Items in the section.
    pub total: u32,
    /// `completed / total` in percent (100 for an empty section).
    pub percent: f64,
}

/// The item to study next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextItem {
    /// Content id.
    pub content_id: String,
    /// Section id.
    pub section_id: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: ContentKind,
}

/// `GET /courses/{id}/progress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseProgress {
    /// Course id.
    pub course_id: String,
    /// Items completed.
    pub completed: u32,
    /// Items in the course.
    pub total: u32,
    /// `completed / total` in percent.
    pub percent: f64,
    /// Per section, in order.
    pub sections: Vec<SectionProgress>,
    /// The first item not yet completed, in course order; none when all are.
    pub next: Option<NextItem>,
    /// Items opened or completed.
    pub items: Vec<ItemProgress>,
    /// Enrolled at.
    pub enrolled_at: DateTime<Utc>,
    /// When every item was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// The certificate's code, once completed (`GET /certificates/{code}`).
    pub certificate_code: Option<String>,
}

/// `GET /users/me/enrollments`: one course the caller is enrolled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Enrollment {
    /// The course.
    pub course: CourseSummary,
    /// Enrolled at.
    pub enrolled_at: DateTime<Utc>,
    /// Percent of items completed.
    pub percent: f64,
    /// Completed at.
    pub completed_at: Option<DateTime<Utc>>,
    /// Certificate code, once completed.
    pub certificate_code: Option<String>,
}

/// `GET /certificates/{code}`: proof that someone completed a course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certificate {
    /// The code printed on the certificate.
    pub code: String,
    /// The learner's display name.
    pub learner: String,
    /// Course id.
    pub course_id: String,
    /// Course title.
    pub course_title: String,
    /// Completed at.
    pub completed_at: DateTime<Utc>,
}

/// A quiz question with its answers, as written by admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// The question.
    pub prompt: String,
    /// At least two choices.
    pub choices: Vec<String>,
    /// Indices of the right choices (one or more).
    pub answers: Vec<u32>,
    /// Shown after grading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

/// A quiz as written by admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizDocument {
    /// Percent needed to pass (1–100).
    pub pass_mark: u32,
    /// Attempts allowed; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// Questions in order.
    pub questions: Vec<Question>,
}

/// A content item in a course document (and the body of content create/replace).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContentDocument {
    /// Lesson, video or quiz.
    pub kind: ContentKind,
    /// Title.
    pub title: String,
    /// Time to study it (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_minutes: Option<u32>,
    /// Markdown: required for lessons, notes for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// http(s) link, required for videos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_url: Option<String>,
    /// Required for quizzes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiz: Option<QuizDocument>,
}

/// A section in a course document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionDocument {
    /// Title.
    pub title: String,
    /// Items in order.
    #[serde(default)]
    pub items: Vec<ContentDocument>,
}

/// A whole course as one JSON document: `GET /admin/courses/{id}/export`,
/// `POST /admin/courses/import`, and the format of the seed courses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseDocument {
    /// URL name: lower-case letters, digits and dashes.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Longer description (Markdown).
    #[serde(default)]
    pub description: String,
    /// Level.
    pub level: CourseLevel,
    /// Topics.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Time to study it all; the sum of the items when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_minutes: Option<u32>,
    /// Status on import (default draft).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CourseStatus>,
    /// Sections in order.
    #[serde(default)]
    pub sections: Vec<SectionDocument>,
}

/// `POST /admin/courses`: a new, empty draft course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCourse {
    /// URL name: lower-case letters, digits and dashes.
    pub slug: String,
    /// Title.
    pub title: String,
    /// One or two sentences.
    pub summary: String,
    /// Longer description (Markdown).
    #[serde(default)]
    pub description: String,
    /// Level.
    pub level: CourseLevel,
    /// Topics.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Time to study it all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_minutes: Option<u32>,
}

/// `PATCH /admin/courses/{id}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoursePatch {
    /// New slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<CourseLevel>,
    /// New tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// New estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_minutes: Option<u32>,
    /// New status (publishing sets `published_at` the first time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CourseStatus>,
}

/// `POST /admin/courses/{id}/sections` and `PUT /admin/sections/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionInput {
    /// Title.
    pub title: String,
}

/// One section's place and items in [`CourseOrder`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionOrder {
    /// Section id.
    pub id: String,
    /// Its content ids in order (items may move here from other sections).
    pub items: Vec<String>,
}

/// `PUT /admin/courses/{id}/order`: every section and item of the course, in the new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CourseOrder {
    /// Sections in order.
    pub sections: Vec<SectionOrder>,
}

/// Ids created by an import or a create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    /// The new resource's id.
    pub id: String,
}
