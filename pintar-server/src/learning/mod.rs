//! Courses and learning, without HTTP. The use cases: [`enrollment`] (the catalogue,
//! outlines, enrolling, studying, quizzes, progress and certificates) and [`authoring`]
//! (admins' content management and course documents). Under them: loading a course's
//! structure, the catalogue cache, progress roll-up, quiz grading, certificate codes,
//! course documents, the demo seed and the learning events.

pub mod activity;
pub mod authoring;
pub mod catalog;
pub mod certificate;
pub mod document;
pub mod enrollment;
pub mod progress;
pub mod quiz;
pub mod seed;
pub mod structure;

use catalog::Catalog;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use structure::Structures;

/// What the learning use cases need: the database and the caches of published courses
/// and course structures.
#[derive(Clone)]
pub struct Context {
    /// The database.
    pub db: DatabaseConnection,
    /// Published course summaries.
    pub catalog: Arc<Catalog>,
    /// Course structures (sections and items).
    pub structures: Arc<Structures>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("learning::Context").finish_non_exhaustive()
    }
}

impl Context {
    /// A context over `db` whose caches keep their copies for `cache_ttl` (zero: none).
    pub fn new(db: DatabaseConnection, cache_ttl: Duration) -> Self {
        Self {
            db,
            catalog: Arc::new(Catalog::new(cache_ttl)),
            structures: Arc::new(Structures::new(cache_ttl)),
        }
    }

    /// After a change of course content commits: this instance's caches forget it at once
    /// (other instances within the cache time).
    pub fn content_changed(&self) {
        self.catalog.invalidate();
        self.structures.invalidate();
    }
}
