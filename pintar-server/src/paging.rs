//! Which page of a list to return: `page` / `per_page`, checked, and slicing a list into a
//! [`Page`]. Use cases take these; the HTTP layer adds the `Link` header.

use crate::error::{FieldError, ServerError};
use pintar_core::api::{MAX_PER_PAGE, Page};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Select};
use serde::Deserialize;

/// Default page size.
pub const DEFAULT_PER_PAGE: u64 = 20;

/// Which page of a list to return.
#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page number, from 1 (default 1).
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u64>,
}

impl PageParams {
    /// `(page, per_page)`, checked.
    pub fn resolve(self) -> Result<(u64, u64), ServerError> {
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = Vec::new();
        if page == 0 || page > 1_000_000 {
            errors.push(FieldError {
                field: "page".into(),
                message: "must be 1 to 1000000".into(),
            });
        }
        if !(1..=MAX_PER_PAGE).contains(&per_page) {
            errors.push(FieldError {
                field: "per_page".into(),
                message: format!("must be 1 to {MAX_PER_PAGE}"),
            });
        }
        if errors.is_empty() {
            Ok((page, per_page))
        } else {
            Err(ServerError::Validation(errors))
        }
    }

    /// The page of `items` (already filtered and sorted) that these parameters select.
    pub fn slice<T: Clone>(self, items: &[T]) -> Result<Page<T>, ServerError> {
        let (page, per_page) = self.resolve()?;
        let start = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
        let items_on_page = items
            .iter()
            .skip(start)
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .cloned()
            .collect();
        Ok(Page {
            items: items_on_page,
            total: items.len() as u64,
            page,
            per_page,
        })
    }
}

/// The page of `query`'s rows that `paging` selects, each shown by `view`, with the total.
pub async fn fetch_page<C, E, T>(
    conn: &C,
    query: Select<E>,
    paging: PageParams,
    view: impl Fn(&E::Model) -> Result<T, ServerError>,
) -> Result<Page<T>, ServerError>
where
    C: ConnectionTrait,
    E: EntityTrait,
    E::Model: Sync,
{
    let (page, per_page) = paging.resolve()?;
    let paginator = query.paginate(conn, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    Ok(Page {
        items: rows.iter().map(view).collect::<Result<_, _>>()?,
        total,
        page,
        per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_paging_is_a_validation_error() {
        let p = PageParams {
            page: Some(0),
            per_page: Some(500),
        };
        match p.resolve() {
            Err(ServerError::Validation(e)) => assert_eq!(e.len(), 2),
            other => panic!("{other:?}"),
        }
        let p = PageParams {
            page: Some(3),
            per_page: Some(2),
        };
        let page = p.slice(&[1, 2, 3, 4, 5]).expect("page");
        assert_eq!((page.items, page.total), (vec![5], 5));
    }
}
