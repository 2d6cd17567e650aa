//! Admin pages.

use crate::state::AppState;
use axum::Router;

/// The admin routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
