//! The demo courses: course documents kept as data files in `pintar-server/seed/`, built into
//! the binary and loaded on start when `seed_demo` is on. Courses whose slug exists are left
//! alone, so restarts and admin edits are safe.

use super::document::{self, Checks};
use crate::error::ServerError;
use crate::policy::Origin;
use pintar_core::api::CourseDocument;
use sea_orm::DatabaseConnection;

/// The seed files, by name.
pub const SEED_COURSES: &[(&str, &str)] = &[
    (
        "export-procedure-and-documents.json",
        include_str!("../../seed/export-procedure-and-documents.json"),
    ),
    (
        "incoterms-2020.json",
        include_str!("../../seed/incoterms-2020.json"),
    ),
    (
        "export-payment-methods.json",
        include_str!("../../seed/export-payment-methods.json"),
    ),
    (
        "hs-codes-and-market-research.json",
        include_str!("../../seed/hs-codes-and-market-research.json"),
    ),
];

/// Parses and checks every seed file.
pub fn documents() -> Result<Vec<CourseDocument>, ServerError> {
    SEED_COURSES
        .iter()
        .map(|(name, text)| {
            let doc: CourseDocument = serde_json::from_str(text)
                .map_err(|e| ServerError::Internal(format!("seed {name}: {e}")))?;
            let mut checks = Checks::default();
            checks.document(&doc);
            checks
                .done()
                .map_err(|e| ServerError::Internal(format!("seed {name}: {e}")))?;
            Ok(doc)
        })
        .collect()
}

/// Loads the seed courses that are not there yet; returns how many were added.
pub async fn seed_demo(db: &DatabaseConnection) -> Result<usize, ServerError> {
    let meta = Origin::system("seed");
    let mut added = 0;
    for doc in documents()? {
        let txn = crate::storage::write(db).await?;
        match document::import(&txn, &meta, None, &doc).await {
            Ok(_) => {
                txn.commit().await?;
                added += 1;
            }
            Err(ServerError::Conflict(_)) => txn.rollback().await?,
            Err(e) => return Err(e),
        }
    }
    Ok(added)
}
