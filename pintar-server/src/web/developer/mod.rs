//! The developer area in the browser: becoming a developer (with the first API key),
//! managing API keys, the analysis workbench (upload, past runs, reports with charts and
//! downloads) and a getting-started page whose snippets name the address the visitor used.
//! One module per page; every action is a use case of the domain, so roles, limits,
//! visibility and validation are the API's.
//!
//! A new key's secret only ever travels in the body of the page answering the POST that made
//! it: never in an address, a cookie or a flash message (pages are sent `no-store`).

mod keys;
mod overview;
mod run;
mod start;
mod workbench;

use super::i18n::Tr;
use crate::error::ServerError;
use crate::setup::state::AppState;
use axum::Router;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use pintar_core::api::{ApiKeyCreated, RunStatus, Scope};
use uuid::Uuid;

/// Highest page number read from a query.
const MAX_PAGE: u64 = 100_000;

/// The developer routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/developer", get(overview::overview))
        .route("/developer/upgrade", post(overview::upgrade))
        .route("/developer/keys", get(keys::page).post(keys::create))
        .route("/developer/keys/{id}/revoke", post(keys::revoke))
        .route(
            "/developer/analytics",
            get(workbench::workbench).post(workbench::analyze),
        )
        .route("/developer/analytics/runs/{id}", get(run::page))
        .route(
            "/developer/analytics/runs/{id}/report.json",
            get(run::report_json),
        )
        .route(
            "/developer/analytics/runs/{id}/report.csv",
            get(run::report_csv),
        )
        .route("/developer/analytics/runs/{id}/delete", post(run::delete))
        .route("/developer/start", get(start::start))
}

/// A key just made, for the page that shows its secret this once.
pub(super) struct NewKey {
    key: String,
    name: String,
    prefix: String,
    scopes: String,
    expires: String,
}

impl NewKey {
    pub(super) fn of(created: &ApiKeyCreated, t: Tr) -> Self {
        Self {
            key: created.key.clone(),
            name: created.info.name.clone(),
            prefix: created.info.prefix.clone(),
            scopes: scope_list(&created.info.scopes),
            expires: created
                .info
                .expires_at
                .map_or_else(|| t.get("dev.keys.no_expiry").to_string(), |d| t.date(&d)),
        }
    }
}

/// Scopes as listed on a page.
pub(super) fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A date and time (UTC) as a page shows it.
pub(super) fn stamp(t: Tr, d: &DateTime<Utc>) -> String {
    format!("{} {}", t.date(d), d.format("%H:%M UTC"))
}

/// The `page` parameter of a query, within 1 to [`MAX_PAGE`] (1 when absent or unreadable).
pub(super) fn page_of(query: Option<&str>) -> u64 {
    query
        .into_iter()
        .flat_map(|q| form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.trim().parse::<u64>().ok())
        .unwrap_or(1)
        .clamp(1, MAX_PAGE)
}

/// A byte count as people read it (`512 B`, `1.5 KB`, `50.0 MB`).
pub(super) fn human_bytes(n: u64) -> String {
    const KB: f64 = 1024.0;
    let x = n as f64;
    if x < KB {
        format!("{n} B")
    } else if x < KB * KB {
        format!("{:.1} KB", x / KB)
    } else if x < KB * KB * KB {
        format!("{:.1} MB", x / (KB * KB))
    } else {
        format!("{:.1} GB", x / (KB * KB * KB))
    }
}

/// A run id in its canonical form, or 404 as the API answers for a malformed one.
pub(super) fn canonical_run_id(raw: &str) -> Result<String, ServerError> {
    Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ServerError::NotFound("analysis run".into()))
}

pub(super) fn run_path(id: &str) -> String {
    format!("/developer/analytics/runs/{id}")
}

/// A run's status in words, and the badge it wears.
pub(super) fn status_words(s: RunStatus) -> (&'static str, &'static str) {
    match s {
        RunStatus::Queued => ("dev.status.queued", "draft"),
        RunStatus::Running => ("dev.status.running", "draft"),
        RunStatus::Succeeded => ("dev.status.succeeded", "published"),
        RunStatus::Failed => ("dev.status.failed", "archived"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_sizes_read_safely() {
        assert_eq!(page_of(None), 1);
        assert_eq!(page_of(Some("page=3")), 3);
        assert_eq!(page_of(Some("x=1&page=0")), 1);
        assert_eq!(page_of(Some("page=abc")), 1);
        assert_eq!(page_of(Some("page=99999999999999999999")), 1);
        assert_eq!(page_of(Some("page=7777777")), MAX_PAGE);
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KB");
        assert_eq!(human_bytes(50 * 1024 * 1024), "50.0 MB");
    }
}
