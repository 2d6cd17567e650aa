//! `page` / `per_page` query parameters, and list responses with `total` and a `Link` header.

use crate::error::{FieldError, ServerError};
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use pintar_core::api::{MAX_PER_PAGE, Page};
use serde::{Deserialize, Serialize};

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

/// A page as JSON, with `Link` (`first`, `prev`, `next`, `last`) and `X-Total-Count` headers.
/// Links are relative to the request's own path and keep its other query parameters.
pub struct Paged<T>(pub Page<T>, pub Uri);

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let Paged(page, uri) = self;
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&link_header(&uri, &page)) {
            headers.insert(header::LINK, v);
        }
        headers.insert("x-total-count", HeaderValue::from(page.total));
        (headers, Json(page)).into_response()
    }
}

fn link_header<T>(uri: &Uri, page: &Page<T>) -> String {
    let others: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .filter(|(k, _)| k != "page" && k != "per_page")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    let link = |n: u64, rel: &str| {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &others {
            q.append_pair(k, v);
        }
        q.append_pair("page", &n.to_string());
        q.append_pair("per_page", &page.per_page.to_string());
        format!("<{}?{}>; rel=\"{rel}\"", uri.path(), q.finish())
    };
    let last = page.pages();
    let mut links = vec![link(1, "first")];
    if page.page > 1 {
        links.push(link((page.page - 1).min(last), "prev"));
    }
    if page.page < last {
        links.push(link(page.page + 1, "next"));
    }
    links.push(link(last, "last"));
    links.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_filters_and_stop_at_the_ends() {
        let uri: Uri = "/api/v1/courses?q=kopi&page=2&per_page=10"
            .parse()
            .expect("uri");
        let page = Page::<u8> {
            items: vec![],
            total: 25,
            page: 2,
            per_page: 10,
        };
        let h = link_header(&uri, &page);
        assert!(
            h.contains("</api/v1/courses?q=kopi&page=1&per_page=10>; rel=\"first\""),
            "{h}"
        );
        assert!(h.contains("page=1&per_page=10>; rel=\"prev\""), "{h}");
        assert!(h.contains("page=3&per_page=10>; rel=\"next\""), "{h}");
        assert!(h.contains("page=3&per_page=10>; rel=\"last\""), "{h}");
        let first = Page::<u8> {
            page: 1,
            ..page.clone()
        };
        assert!(!link_header(&uri, &first).contains("prev"));
    }

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
