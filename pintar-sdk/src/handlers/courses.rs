//! The catalogue, enrolment, lessons, quizzes and progress.

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use crate::page::ListRequest;
use pintar_core::api::{
    AttemptRequest, AttemptResult, ContentView, CourseDetail, CourseLevel, CourseProgress,
    CourseSummary, Enrollment,
};
use reqwest::Method;
use serde::Serialize;

/// `client.courses()`: browse and learn. A course is named by its id or its slug.
#[derive(Debug, Clone, Copy)]
pub struct CoursesHandler<'a> {
    client: &'a Client,
}

/// Filters of the catalogue (`GET /courses`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct CourseFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort: Option<String>,
}

/// The catalogue, filtered and paged.
pub type CourseList<'a> = ListRequest<'a, CourseFilter, CourseSummary>;

impl CourseList<'_> {
    /// Words to search for in titles, summaries and tags.
    pub fn search(mut self, q: impl Into<String>) -> Self {
        self.filter.q = Some(q.into());
        self
    }

    /// Only this level (`beginner`, `intermediate`, `advanced`, or a [`CourseLevel`]).
    pub fn level(mut self, level: impl Into<LevelArg>) -> Self {
        self.filter.level = Some(level.into().0);
        self
    }

    /// Only courses with this tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.filter.tag = Some(tag.into());
        self
    }

    /// Only courses in this status (admins; learners see published courses only).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.filter.status = Some(status.into());
        self
    }

    /// Sort order: `title` (default), `published_at`, `estimated_minutes`; a leading `-`
    /// reverses it (`-published_at`: newest first).
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.filter.sort = Some(sort.into());
        self
    }
}

/// A course level as text or as the typed value.
#[derive(Debug, Clone)]
pub struct LevelArg(String);

impl From<&str> for LevelArg {
    fn from(s: &str) -> Self {
        Self(s.to_string())
    }
}

impl From<String> for LevelArg {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<CourseLevel> for LevelArg {
    fn from(l: CourseLevel) -> Self {
        Self(l.as_str().to_string())
    }
}

impl<'a> CoursesHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// The published catalogue (`GET /courses`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let page = client.courses().list().search("incoterms").level("beginner").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn list(self) -> CourseList<'a> {
        ListRequest::new(self.client, ["courses"], CourseFilter::default())
    }

    /// One course with its outline (`GET /courses/{id}`), by id or slug.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let course = client.courses().get("incoterms-2020").await?;
    /// for section in &course.outline {
    ///     println!("{} ({} items)", section.title, section.items.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(self, course: &str) -> Result<CourseDetail> {
        self.client.json(Call::get(["courses", course])).await
    }

    /// Enrols the signed-in learner (`POST /courses/{id}/enroll`; enrolling twice is fine).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// client.courses().enroll("incoterms-2020").await?;
    /// let progress = client.courses().progress("incoterms-2020").await?;
    /// if let Some(next) = progress.next {
    ///     println!("next up: {} ({})", next.title, next.kind);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn enroll(self, course: &str) -> Result<Enrollment> {
        self.client
            .json(Call::post(["courses", course, "enroll"]))
            .await
    }

    /// Leaves a course (`DELETE /courses/{id}/enroll`).
    pub async fn unenroll(self, course: &str) -> Result<()> {
        self.client
            .empty(Call::new(Method::DELETE, ["courses", course, "enroll"]))
            .await
    }

    /// Progress in a course, with the next item to study (`GET /courses/{id}/progress`).
    pub async fn progress(self, course: &str) -> Result<CourseProgress> {
        self.client
            .json(Call::get(["courses", course, "progress"]))
            .await
    }

    /// A lesson, video or quiz (`GET /courses/{id}/contents/{cid}`).
    pub async fn content(self, course: &str, content: &str) -> Result<ContentView> {
        self.client
            .json(Call::get(["courses", course, "contents", content]))
            .await
    }

    /// Marks a lesson or video done (`POST …/contents/{cid}/complete`); quizzes are passed
    /// with [`attempt`](Self::attempt) instead.
    pub async fn complete(self, course: &str, content: &str) -> Result<CourseProgress> {
        self.client
            .json(Call::post([
                "courses", course, "contents", content, "complete",
            ]))
            .await
    }

    /// Answers a quiz (`POST …/contents/{cid}/attempts`): for each question, the indexes
    /// (from 0) of the chosen choices.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let result = client.courses().attempt("incoterms-2020", "QUIZ-ID", vec![vec![1], vec![0, 2]]).await?;
    /// println!("score {} — passed: {}", result.score, result.passed);
    /// # Ok(()) }
    /// ```
    pub async fn attempt(
        self,
        course: &str,
        content: &str,
        answers: Vec<Vec<u32>>,
    ) -> Result<AttemptResult> {
        let call = Call::post(["courses", course, "contents", content, "attempts"])
            .json(&AttemptRequest { answers })?;
        self.client.json(call).await
    }

    /// The signed-in learner's enrolments (`GET /users/me/enrollments`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let mut enrolled = client.courses().enrollments().stream();
    /// while let Some(e) = enrolled.try_next().await? {
    ///     println!("{}: {:.0} %", e.course.title, e.percent);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn enrollments(self) -> ListRequest<'a, NoFilter, Enrollment> {
        ListRequest::new(self.client, ["users", "me", "enrollments"], NoFilter {})
    }
}

/// A list without filters.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct NoFilter {}
