//! Learning events, written in the same transaction as the change they record, so the
//! analytics never count what did not happen (or miss what did). Not audited: they are the
//! record of activity, not domain data a person changes.

use crate::error::ServerError;
use crate::storage::entities::activity_event;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use uuid::Uuid;

/// What a learner did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Enrolled in a course.
    Enrolled,
    /// Opened a content item's body.
    ContentOpened,
    /// Completed an item (a lesson or video marked done, a quiz passed).
    ContentCompleted,
    /// Submitted a quiz attempt (`score` and `passed` in the metadata).
    QuizAttempted,
    /// Completed the whole course.
    CourseCompleted,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Enrolled => "enrolled",
            Kind::ContentOpened => "content_opened",
            Kind::ContentCompleted => "content_completed",
            Kind::QuizAttempted => "quiz_attempted",
            Kind::CourseCompleted => "course_completed",
        }
    }
}

/// One event to record.
#[derive(Debug, Clone)]
pub struct Event {
    /// What happened.
    pub kind: Kind,
    /// Who did it.
    pub user: Uuid,
    /// In which course.
    pub course: Uuid,
    /// On which item, if any.
    pub content: Option<Uuid>,
    /// Details (an empty object when there are none).
    pub metadata: serde_json::Value,
}

impl Event {
    /// An event without an item or details.
    pub fn new(kind: Kind, user: Uuid, course: Uuid) -> Self {
        Self {
            kind,
            user,
            course,
            content: None,
            metadata: serde_json::json!({}),
        }
    }

    /// The same event on `item`.
    pub fn on(mut self, item: Uuid) -> Self {
        self.content = Some(item);
        self
    }

    /// The same event with `metadata`.
    pub fn with(mut self, metadata: serde_json::Value) -> Self {
        self.metadata = metadata;
        self
    }
}

/// Appends `event` through `conn` (pass the change's transaction).
pub async fn record<C: ConnectionTrait>(conn: &C, event: Event) -> Result<(), ServerError> {
    activity_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(Some(event.user)),
        kind: Set(event.kind.as_str().into()),
        course_id: Set(Some(event.course)),
        content_id: Set(event.content),
        metadata: Set(event.metadata),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await?;
    Ok(())
}
