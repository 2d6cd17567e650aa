//! Developer pages.

use crate::state::AppState;
use axum::Router;

/// The developer routes.
pub fn router() -> Router<AppState> {
    Router::new()
}
