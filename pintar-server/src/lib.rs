//! The Pintar Ekspor HTTP server: an axum application over one storage layer (SQLite by
//! default, PostgreSQL in production). `main.rs` only reads settings and calls [`setup`];
//! everything else lives here so tests drive the same code. `ARCHITECTURE.md` at the
//! repository root is the map.
//!
//! Layers, arrows pointing down:
//! - front ends: [`api`] (the JSON API under `/api/v1`) and [`web`] (the website), over the
//!   HTTP plumbing in [`http`] (errors as problem documents, the gate, the access layer,
//!   bodies, uploads, paging, rate limits);
//! - use cases in the domain modules: [`accounts`], [`learning`], [`analysis`],
//!   [`insights`], [`mail`], with [`policy`] (who may do what) and [`audit`]; they know
//!   nothing of HTTP;
//! - [`storage`] (SeaORM entities and migrations for SQLite and PostgreSQL) and the
//!   primitives in [`auth`] (passwords, tokens, key shapes);
//! - [`setup`]: process set-up (shared state, the router, workers); [`config`] holds the
//!   settings.

pub mod accounts;
pub mod analysis;
pub mod api;
pub mod audit;
pub mod auth;
pub mod chart;
pub mod config;
pub mod error;
pub mod http;
pub mod insights;
pub mod learning;
pub mod mail;
pub mod metrics;
pub mod paging;
pub mod policy;
pub mod setup;
pub mod storage;
#[cfg(feature = "testing")]
pub mod testing;
pub mod web;

pub use config::Settings;
pub use error::ServerError;
pub use setup::app::router;
pub use setup::state::AppState;

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).expect("a source directory");
        for entry in entries {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The lines of `path` that are code (comments and doc comments left out).
    fn code_lines(path: &Path) -> Vec<(usize, String)> {
        std::fs::read_to_string(path)
            .expect("readable source")
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with("//"))
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect()
    }

    /// Which of `forbidden` the files under `parts` mention, as `file:line: text`.
    fn mentions(parts: &[&str], forbidden: &[&str]) -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        for part in parts {
            let path = src.join(part);
            if path.is_dir() {
                rust_files(&path, &mut files);
            } else {
                files.push(path);
            }
        }
        assert!(!files.is_empty(), "no files under {parts:?}");
        let mut found = Vec::new();
        for file in files {
            for (n, line) in code_lines(&file) {
                if forbidden.iter().any(|f| line.contains(f)) {
                    found.push(format!("{}:{n}: {}", file.display(), line.trim()));
                }
            }
        }
        found
    }

    /// The layers of `ARCHITECTURE.md`: the domain knows nothing of HTTP or of the front
    /// ends, the website does not call the API's handlers, and the API does not render pages.
    #[test]
    fn layers_point_one_way() {
        let domain = [
            "accounts",
            "learning",
            "analysis",
            "insights",
            "mail",
            "audit.rs",
            "policy",
            "storage",
            "auth",
            "paging.rs",
            "chart.rs",
            "config.rs",
        ];
        let http = [
            "axum",
            "tower",
            "crate::http",
            "crate::api",
            "crate::web",
            "crate::setup",
        ];
        let found = mentions(&domain, &http);
        assert!(
            found.is_empty(),
            "domain modules reach up:\n{}",
            found.join("\n")
        );
        let found = mentions(&["web"], &["crate::api"]);
        assert!(
            found.is_empty(),
            "pages call the API:\n{}",
            found.join("\n")
        );
        let found = mentions(&["api"], &["crate::web"]);
        assert!(
            found.is_empty(),
            "the API reaches into pages:\n{}",
            found.join("\n")
        );
    }

    /// The check itself sees a violation (it would be useless if it could not fail).
    #[test]
    fn the_layer_check_can_fail() {
        assert!(!mentions(&["http"], &["axum"]).is_empty());
        assert!(!mentions(&["web"], &["crate::learning"]).is_empty());
    }
}
