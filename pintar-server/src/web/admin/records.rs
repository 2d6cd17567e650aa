//! The records admins read: `GET /admin/audit` (the audit trail: who changed what, when,
//! from where, with the row before and after) and `GET /admin/emails` (the email outbox
//! with delivery status). The same use cases as the API's `/admin/audit-logs` and
//! `/admin/emails`, which leave secrets out.

use crate::audit::{self, AuditFilter};
use crate::error::ServerError;
use crate::mail::outbox::{self, EmailFilter};
use crate::paging::PageParams;
use crate::setup::state::AppState;
use crate::web::forms::{clip, non_empty};
use crate::web::{Chrome, Pager, Visitor, with_query};
use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use pintar_core::api::{AuditEntry, OUTBOX_STATUSES, OutboxEmail};
use serde::Deserialize;
use uuid::Uuid;

/// Rows per page.
const PER_PAGE: u64 = 25;
/// Longest JSON value shown in full, in characters.
const MAX_JSON_CHARS: usize = 20_000;
const OPERATIONS: [&str; 3] = ["insert", "update", "delete"];

/// `value` as indented JSON, cut after `max` characters (marked with `…`); empty for none.
fn pretty(value: Option<&serde_json::Value>, max: usize) -> String {
    let Some(v) = value else {
        return String::new();
    };
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    if text.chars().count() > max {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The audit page's query (empty = any).
#[derive(Debug, Default, Deserialize)]
pub(super) struct AuditQuery {
    #[serde(default)]
    table: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    operation: String,
    #[serde(default)]
    record: String,
    page: Option<u64>,
}

/// The API's filter for the audit page's query.
fn audit_filter(q: &AuditQuery) -> Result<AuditFilter, ServerError> {
    let actor_id = match non_empty(&q.actor) {
        None => None,
        Some(a) => Some(
            Uuid::parse_str(&a)
                .map_err(|_| crate::insights::invalid("actor", "must be a user id"))?,
        ),
    };
    Ok(AuditFilter {
        table: non_empty(&q.table),
        record_id: non_empty(&q.record),
        actor_id,
        operation: non_empty(&q.operation),
        since: None,
        until: None,
    })
}

/// One audit entry with what the page shows of it.
struct AuditRow {
    e: AuditEntry,
    actor: String,
    actor_link: String,
    table_link: String,
    record_link: String,
    old: String,
    new: String,
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    c: Chrome,
    tab: &'static str,
    rows: Vec<AuditRow>,
    total: u64,
    table: String,
    actor: String,
    operation: String,
    record: String,
    operations: [&'static str; 3],
    pager: Pager,
    pager_label: String,
}

/// `GET /admin/audit`.
pub(super) async fn audit(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let filter = audit_filter(&q)?;
    let paging = PageParams {
        page: q.page,
        per_page: Some(PER_PAGE),
    };
    let found = audit::search(&state.db, &v.actor, filter, paging).await?;
    // Who the actors are (at most a page of them), by email.
    let emails = audit::actor_emails(&state.db, &found.items).await?;
    let pager = Pager::of(&found, |n| {
        with_query(
            "/admin/audit",
            &[
                ("table", q.table.trim()),
                ("actor", q.actor.trim()),
                ("operation", q.operation.trim()),
                ("record", q.record.trim()),
                ("page", &n.to_string()),
            ],
        )
    });
    let c = Chrome::of(&state, &v).await?;
    let page = AuditPage {
        tab: "audit",
        rows: found
            .items
            .into_iter()
            .map(|e| AuditRow {
                actor: e
                    .actor_id
                    .as_ref()
                    .map(|a| emails.get(a).cloned().unwrap_or_else(|| a.clone()))
                    .unwrap_or_default(),
                actor_link: with_query(
                    "/admin/audit",
                    &[("actor", e.actor_id.as_deref().unwrap_or(""))],
                ),
                table_link: with_query("/admin/audit", &[("table", &e.table)]),
                record_link: with_query(
                    "/admin/audit",
                    &[("table", &e.table), ("record", &e.record_id)],
                ),
                old: pretty(e.old_values.as_ref(), MAX_JSON_CHARS),
                new: pretty(e.new_values.as_ref(), MAX_JSON_CHARS),
                e,
            })
            .collect(),
        total: found.total,
        table: clip(q.table.trim(), 64),
        actor: clip(q.actor.trim(), 64),
        operation: clip(q.operation.trim(), 10),
        record: clip(q.record.trim(), 64),
        operations: OPERATIONS,
        pager,
        pager_label: c.t.get("admin.audit.pages").to_string(),
        c,
    };
    Ok(v.html(page.render()))
}

/// The email page's query (empty = any).
#[derive(Debug, Default, Deserialize)]
pub(super) struct EmailsQuery {
    #[serde(default)]
    status: String,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "admin/emails.html")]
struct EmailsPage {
    c: Chrome,
    tab: &'static str,
    rows: Vec<OutboxEmail>,
    total: u64,
    status: String,
    statuses: [&'static str; 5],
    pager: Pager,
    pager_label: String,
}

impl EmailsPage {
    /// An outbox status in the visitor's words.
    fn status_word(&self, s: &str) -> &'static str {
        self.c.t.get(match s {
            "pending" => "admin.emails.pending",
            "sending" => "admin.emails.sending",
            "sent" => "admin.emails.sent",
            "failed" => "admin.emails.failed",
            "suppressed" => "admin.emails.suppressed",
            _ => "admin.emails.unknown",
        })
    }

    /// The badge class of a status.
    fn status_class(&self, s: &str) -> &'static str {
        match s {
            "sent" => "published",
            "failed" | "suppressed" => "archived",
            _ => "draft",
        }
    }
}

/// `GET /admin/emails`.
pub(super) async fn emails(
    State(state): State<AppState>,
    v: Visitor,
    query: Result<Query<EmailsQuery>, QueryRejection>,
) -> Result<Response, ServerError> {
    let Query(q) = query.map_err(|e| ServerError::BadRequest(e.body_text()))?;
    let filter = EmailFilter {
        status: non_empty(&q.status),
    };
    let paging = PageParams {
        page: q.page,
        per_page: Some(PER_PAGE),
    };
    let found = outbox::list(&state.db, &v.actor, filter, paging).await?;
    let status = q.status.trim().to_string();
    let pager = Pager::of(&found, |n| {
        with_query(
            "/admin/emails",
            &[("status", &status), ("page", &n.to_string())],
        )
    });
    let c = Chrome::of(&state, &v).await?;
    let page = EmailsPage {
        tab: "emails",
        rows: found.items,
        total: found.total,
        status,
        statuses: OUTBOX_STATUSES,
        pager,
        pager_label: c.t.get("admin.emails.pages").to_string(),
        c,
    };
    Ok(v.html(page.render()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented_and_cut() {
        let v = serde_json::json!({"title": "<b>FOB</b>"});
        assert_eq!(pretty(Some(&v), 100), "{\n  \"title\": \"<b>FOB</b>\"\n}");
        assert_eq!(pretty(None, 100), "");
        let cut = pretty(Some(&v), 5);
        assert_eq!(cut.chars().count(), 6);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn the_audit_query_becomes_the_apis_filter() {
        let q = AuditQuery {
            table: " courses ".into(),
            actor: String::new(),
            operation: "update".into(),
            record: String::new(),
            page: Some(2),
        };
        let f = audit_filter(&q).expect("filter");
        assert_eq!(f.table.as_deref(), Some("courses"));
        assert_eq!(f.operation.as_deref(), Some("update"));
        assert!(f.actor_id.is_none() && f.record_id.is_none());
        let bad = AuditQuery {
            actor: "not-a-uuid".into(),
            ..AuditQuery::default()
        };
        assert!(audit_filter(&bad).is_err());
    }
}
