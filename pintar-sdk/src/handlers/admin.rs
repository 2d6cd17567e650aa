//! Administration: users and roles, course content, the audit log and the email outbox.
//! Needs a signed-in admin (API keys never reach these routes).

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use crate::page::ListRequest;
use chrono::{DateTime, Utc};
use pintar_core::api::{
    AdminUserUpdate, AuditEntry, CourseDetail, CourseDocument, CoursePatch, CourseStatus,
    NewCourse, OutboxEmail, Role, UserProfile,
};
use reqwest::Method;
use serde::Serialize;

/// `client.admin()`: administration.
#[derive(Debug, Clone, Copy)]
pub struct AdminHandler<'a> {
    client: &'a Client,
}

/// Filters of the user list.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UserFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
}

/// The user list, filtered and paged.
pub type UserList<'a> = ListRequest<'a, UserFilter, UserProfile>;

impl UserList<'_> {
    /// Email or name contains this.
    pub fn search(mut self, q: impl Into<String>) -> Self {
        self.filter.q = Some(q.into());
        self
    }

    /// Only this role.
    pub fn role(mut self, role: Role) -> Self {
        self.filter.role = Some(role);
        self
    }

    /// Only active (true) or disabled (false) accounts.
    pub fn active(mut self, active: bool) -> Self {
        self.filter.active = Some(active);
        self
    }
}

/// Filters of the audit log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    table: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<DateTime<Utc>>,
}

/// The audit log, newest first, filtered and paged.
pub type AuditList<'a> = ListRequest<'a, AuditFilter, AuditEntry>;

impl AuditList<'_> {
    /// Only changes to this table (`users`, `courses`, `api_keys`, …).
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.filter.table = Some(table.into());
        self
    }

    /// Only changes to this record.
    pub fn record(mut self, id: impl Into<String>) -> Self {
        self.filter.record_id = Some(id.into());
        self
    }

    /// Only changes by this user.
    pub fn actor(mut self, user_id: impl Into<String>) -> Self {
        self.filter.actor_id = Some(user_id.into());
        self
    }

    /// Only `insert`, `update` or `delete`.
    pub fn operation(mut self, op: impl Into<String>) -> Self {
        self.filter.operation = Some(op.into());
        self
    }

    /// From this time on.
    pub fn since(mut self, at: DateTime<Utc>) -> Self {
        self.filter.since = Some(at);
        self
    }

    /// Up to this time.
    pub fn until(mut self, at: DateTime<Utc>) -> Self {
        self.filter.until = Some(at);
        self
    }
}

/// Filter of the email outbox.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EmailFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
}

/// The email outbox, filtered and paged.
pub type EmailList<'a> = ListRequest<'a, EmailFilter, OutboxEmail>;

impl EmailList<'_> {
    /// Only `pending`, `sending`, `sent`, `failed` or `suppressed` emails.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.filter.status = Some(status.into());
        self
    }
}

/// Filters of the admin course list.
pub use super::courses::CourseList;

impl<'a> AdminHandler<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Every account (`GET /admin/users`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::types::Role;
    /// let developers = client.admin().users().role(Role::Developer).active(true).send().await?;
    /// println!("{} active developers", developers.total);
    /// # Ok(()) }
    /// ```
    pub fn users(self) -> UserList<'a> {
        ListRequest::new(self.client, ["admin", "users"], UserFilter::default())
    }

    /// Changes an account's role or active flag (`PATCH /admin/users/{id}`); it takes
    /// effect on the user's next request.
    pub async fn update_user(self, id: &str, change: &AdminUserUpdate) -> Result<UserProfile> {
        let call = Call::new(Method::PATCH, ["admin", "users", id]).json(change)?;
        self.client.json(call).await
    }

    /// Gives an account a role.
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// use pintar_sdk::types::Role;
    /// client.admin().set_role("0193…", Role::Developer).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_role(self, id: &str, role: Role) -> Result<UserProfile> {
        let change = AdminUserUpdate {
            role: Some(role),
            is_active: None,
        };
        self.update_user(id, &change).await
    }

    /// Disables (false) or re-enables (true) an account.
    pub async fn set_active(self, id: &str, active: bool) -> Result<UserProfile> {
        let change = AdminUserUpdate {
            role: None,
            is_active: Some(active),
        };
        self.update_user(id, &change).await
    }

    /// The audit log (`GET /admin/audit-logs`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// let since = chrono::Utc::now() - chrono::Duration::days(1);
    /// let changes = client.admin().audit().table("users").since(since).send().await?;
    /// for e in changes.items {
    ///     println!("{} {} {} by {:?}", e.created_at, e.operation, e.record_id, e.actor_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn audit(self) -> AuditList<'a> {
        ListRequest::new(self.client, ["admin", "audit-logs"], AuditFilter::default())
    }

    /// The email outbox (`GET /admin/emails`).
    pub fn emails(self) -> EmailList<'a> {
        ListRequest::new(self.client, ["admin", "emails"], EmailFilter::default())
    }

    /// Every course in any status (`GET /admin/courses`).
    pub fn courses(self) -> CourseList<'a> {
        ListRequest::new(self.client, ["admin", "courses"], Default::default())
    }

    /// Creates an empty draft course (`POST /admin/courses`).
    pub async fn create_course(self, course: &NewCourse) -> Result<CourseDetail> {
        let call = Call::post(["admin", "courses"]).json(course)?;
        self.client.json(call).await
    }

    /// Creates a whole course from its document (`POST /admin/courses/import`).
    ///
    /// ```no_run
    /// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
    /// // Copy a course under a new slug, as a draft.
    /// let mut doc = client.admin().export_course("incoterms-2020").await?;
    /// doc.slug = "incoterms-2020-copy".into();
    /// doc.status = None;
    /// let copy = client.admin().import_course(&doc).await?;
    /// println!("{} is {}", copy.course.slug, copy.course.status);
    /// # Ok(()) }
    /// ```
    pub async fn import_course(self, document: &CourseDocument) -> Result<CourseDetail> {
        let call = Call::post(["admin", "courses", "import"]).json(document)?;
        self.client.json(call).await
    }

    /// A course as a document to edit or import elsewhere (`GET /admin/courses/{id}/export`).
    pub async fn export_course(self, course: &str) -> Result<CourseDocument> {
        self.client
            .json(Call::get(["admin", "courses", course, "export"]))
            .await
    }

    /// Changes a course's fields or status (`PATCH /admin/courses/{id}`).
    pub async fn update_course(self, course: &str, patch: &CoursePatch) -> Result<CourseDetail> {
        let call = Call::new(Method::PATCH, ["admin", "courses", course]).json(patch)?;
        self.client.json(call).await
    }

    /// Publishes a course (`POST /admin/courses/{id}/publish`).
    pub async fn publish_course(self, course: &str) -> Result<CourseDetail> {
        self.client
            .json(Call::post(["admin", "courses", course, "publish"]))
            .await
    }

    /// Archives a course: enrolled learners keep it, the catalogue no longer shows it.
    pub async fn archive_course(self, course: &str) -> Result<CourseDetail> {
        let patch = CoursePatch {
            status: Some(CourseStatus::Archived),
            ..CoursePatch::default()
        };
        self.update_course(course, &patch).await
    }

    /// Deletes a course nobody is enrolled in (`DELETE /admin/courses/{id}`).
    pub async fn delete_course(self, course: &str) -> Result<()> {
        self.client
            .empty(Call::new(Method::DELETE, ["admin", "courses", course]))
            .await
    }
}
