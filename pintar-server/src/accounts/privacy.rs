//! The owner's rights over their data (Indonesia's personal data protection law, UU PDP
//! No. 27/2022): a copy of everything the platform holds about the account, and deleting
//! the account for good.
//!
//! Deleting removes the account and what only it gives meaning to: sessions, keys, one-time
//! tokens, enrolments with their certificates (a certificate names its holder; its code
//! stops verifying), progress, quiz attempts, analysis runs with their inputs and reports,
//! and the emails queued or sent to it. The audit trail keeps its rows, because it is the
//! platform's record of who changed what, but with the person taken out: the account's own
//! rows and its keys' rows lose their values, and every row the account acted in loses its
//! IP address; what is left is an id that no longer leads to anyone. Learning events stay
//! without their owner (`user_id` set to null), so platform figures keep their history.

use super::{Context, keys, sessions, users};
use crate::audit::{self, Action, Change};
use crate::auth::verify_password;
use crate::error::ServerError;
use crate::policy::{Actor, Operation};
use crate::storage::entities::{
    activity_event, analysis_input, analysis_report, analysis_run, api_key, audit_log,
    content_progress, course, email_outbox, enrollment, quiz_attempt, user,
};
use chrono::Utc;
use pintar_core::api::{
    ACCOUNT_EXPORT_FORMAT, AccountExport, Certificate, DeleteAccountRequest, ExportedActivity,
    ExportedAttempt, ExportedEnrollment, ExportedProgress, FieldError, Role,
};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Everything the platform holds about the actor's account, in one document.
pub async fn export(ctx: &Context, actor: &Actor) -> Result<AccountExport, ServerError> {
    let caller = actor.require(Operation::ExportAccount)?;
    let db = &ctx.db;
    let account = users::load(db, caller.id).await?;
    let enrolled = enrollment::Entity::find()
        .filter(enrollment::Column::UserId.eq(account.id))
        .order_by_asc(enrollment::Column::EnrolledAt)
        .all(db)
        .await?;
    let titles: HashMap<Uuid, String> = course::Entity::find()
        .filter(course::Column::Id.is_in(enrolled.iter().map(|e| e.course_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.title))
        .collect();
    let title = |id: &Uuid| titles.get(id).cloned().unwrap_or_default();
    let certificates = enrolled
        .iter()
        .filter_map(|e| {
            Some(Certificate {
                code: e.certificate_code.clone()?,
                learner: account.display_name.clone(),
                course_id: e.course_id.to_string(),
                course_title: title(&e.course_id),
                completed_at: e.completed_at?,
            })
        })
        .collect();
    let enrollments = enrolled
        .iter()
        .map(|e| ExportedEnrollment {
            course_id: e.course_id.to_string(),
            course_title: title(&e.course_id),
            enrolled_at: e.enrolled_at,
            completed_at: e.completed_at,
            certificate_code: e.certificate_code.clone(),
        })
        .collect();
    let progress = content_progress::Entity::find()
        .filter(content_progress::Column::UserId.eq(account.id))
        .order_by_asc(content_progress::Column::LastAccessedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|p| ExportedProgress {
            course_id: p.course_id.to_string(),
            content_id: p.content_id.to_string(),
            completed_at: p.completed_at,
            last_accessed_at: p.last_accessed_at,
        })
        .collect();
    let quiz_attempts = quiz_attempt::Entity::find()
        .filter(quiz_attempt::Column::UserId.eq(account.id))
        .order_by_asc(quiz_attempt::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|a| ExportedAttempt {
            content_id: a.content_id.to_string(),
            answers: a.answers,
            score: a.score,
            passed: a.passed,
            created_at: a.created_at,
        })
        .collect();
    let activity = activity_event::Entity::find()
        .filter(activity_event::Column::UserId.eq(account.id))
        .order_by_asc(activity_event::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ExportedActivity {
            kind: e.kind,
            course_id: e.course_id.map(|c| c.to_string()),
            content_id: e.content_id.map(|c| c.to_string()),
            created_at: e.created_at,
        })
        .collect();
    let analysis_runs = analysis_run::Entity::find()
        .filter(analysis_run::Column::UserId.eq(account.id))
        .order_by_desc(analysis_run::Column::CreatedAt)
        .all(db)
        .await?
        .iter()
        .map(crate::analysis::runs::view)
        .collect();
    Ok(AccountExport {
        format: ACCOUNT_EXPORT_FORMAT.into(),
        exported_at: Utc::now(),
        profile: users::profile(&account)?,
        enrollments,
        progress,
        quiz_attempts,
        certificates,
        activity,
        analysis_runs,
        api_keys: keys::of_owner(db, account.id).await?,
        sessions: sessions::list(db, account.id, caller.session()).await?,
    })
}

/// Deletes the actor's account and its data, as the module says. The current password is
/// needed; the last active admin cannot go (409).
pub async fn delete(
    ctx: &Context,
    actor: &Actor,
    req: DeleteAccountRequest,
) -> Result<(), ServerError> {
    let caller = actor.require(Operation::DeleteAccount)?;
    let account = users::load(&ctx.db, caller.id).await?;
    let ok = req.current_password.chars().count() <= super::validate::MAX_PASSWORD
        && verify_password(req.current_password, account.password_hash.clone()).await;
    if !ok {
        return Err(ServerError::Validation(vec![FieldError::new(
            "current_password",
            "is not your current password",
        )]));
    }
    let txn = crate::storage::write(&ctx.db).await?;
    if account.role == Role::Admin.as_str() {
        // Locked (PostgreSQL; SQLite writes one at a time anyway): two admins deleting
        // themselves at once must not both see the other and leave none.
        let admins = user::Entity::find()
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .filter(user::Column::IsActive.eq(true))
            .lock_exclusive()
            .all(&txn)
            .await?
            .len();
        if admins <= 1 {
            return Err(ServerError::Conflict(
                "you are the only active admin; make another admin first".into(),
            ));
        }
    }
    erase(&txn, account.id, &account.email).await?;
    let change = Change {
        op: Action::Delete,
        table: "users",
        record_id: account.id,
        old: Some(redacted(account.id)),
        new: None,
    };
    let mut origin = actor.origin.clone();
    origin.ip = None;
    audit::record(&txn, &origin, Some(account.id), change).await?;
    txn.commit().await?;
    ctx.credentials_changed();
    tracing::info!(user = %account.id, "account deleted by its owner");
    Ok(())
}

/// What an audit row about an erased person keeps.
fn redacted(id: Uuid) -> serde_json::Value {
    serde_json::json!({ "id": id, "redacted": true })
}

/// Removes `id`'s personal data through `conn` (the deletion's transaction).
async fn erase<C: ConnectionTrait>(conn: &C, id: Uuid, email: &str) -> Result<(), ServerError> {
    let key_ids: Vec<String> = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|k| k.id.to_string())
        .collect();
    // The audit trail: rows about the account and its keys lose their values…
    for (table, records) in [("users", vec![id.to_string()]), ("api_keys", key_ids)] {
        for chunk in records.chunks(500) {
            audit_log::Entity::update_many()
                .col_expr(audit_log::Column::OldValues, Expr::value(redacted_json()))
                .col_expr(audit_log::Column::NewValues, Expr::value(redacted_json()))
                .filter(audit_log::Column::TableName.eq(table))
                .filter(audit_log::Column::RecordId.is_in(chunk.iter().cloned()))
                .exec(conn)
                .await?;
        }
    }
    // …so do the rows of its learning (enrolments with their certificate codes, progress,
    // quiz answers), found by its id in their values: rows since deleted count too.
    let mentions = format!("%{id}%");
    audit_log::Entity::update_many()
        .col_expr(audit_log::Column::OldValues, Expr::value(redacted_json()))
        .col_expr(audit_log::Column::NewValues, Expr::value(redacted_json()))
        .filter(audit_log::Column::TableName.is_in([
            "enrollments",
            "content_progress",
            "quiz_attempts",
        ]))
        .filter(
            Condition::any()
                .add(audit_log::Column::ActorId.eq(id))
                .add(
                    Expr::col(audit_log::Column::OldValues)
                        .cast_as("TEXT")
                        .like(mentions.clone()),
                )
                .add(
                    Expr::col(audit_log::Column::NewValues)
                        .cast_as("TEXT")
                        .like(mentions),
                ),
        )
        .exec(conn)
        .await?;
    // …and rows it acted in lose the address it acted from.
    audit_log::Entity::update_many()
        .col_expr(
            audit_log::Column::ActorIp,
            Expr::value(Option::<String>::None),
        )
        .filter(audit_log::Column::ActorId.eq(id))
        .exec(conn)
        .await?;
    // Runs with their inputs and reports (explicitly, not trusting a cascade).
    let runs = Query::select()
        .column(analysis_run::Column::Id)
        .from(analysis_run::Entity)
        .and_where(analysis_run::Column::UserId.eq(id))
        .to_owned();
    analysis_input::Entity::delete_many()
        .filter(analysis_input::Column::RunId.in_subquery(runs.clone()))
        .exec(conn)
        .await?;
    analysis_report::Entity::delete_many()
        .filter(analysis_report::Column::RunId.in_subquery(runs))
        .exec(conn)
        .await?;
    analysis_run::Entity::delete_many()
        .filter(analysis_run::Column::UserId.eq(id))
        .exec(conn)
        .await?;
    email_outbox::Entity::delete_many()
        .filter(
            Condition::any()
                .add(email_outbox::Column::UserId.eq(id))
                .add(email_outbox::Column::ToAddress.eq(email)),
        )
        .exec(conn)
        .await?;
    activity_event::Entity::update_many()
        .col_expr(
            activity_event::Column::UserId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(activity_event::Column::UserId.eq(id))
        .exec(conn)
        .await?;
    // Sessions, keys, one-time tokens, enrolments (certificates), progress and attempts
    // cascade from the account's row.
    user::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

fn redacted_json() -> Option<serde_json::Value> {
    Some(serde_json::json!({ "redacted": true }))
}
