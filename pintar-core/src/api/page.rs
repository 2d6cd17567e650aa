//! Paginated lists.

use serde::{Deserialize, Serialize};

/// Largest `per_page` a list accepts.
pub const MAX_PER_PAGE: u64 = 100;

/// One page of a list: `{items, total, page, per_page}` (the server also sends a `Link`
/// header with `first`, `prev`, `next` and `last`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// Items on all pages.
    pub total: u64,
    /// This page, from 1.
    pub page: u64,
    /// Items per page (1 to [`MAX_PER_PAGE`]).
    pub per_page: u64,
}

impl<T> Page<T> {
    /// Number of pages (at least 1).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page.max(1)).max(1)
    }
}
