//! List responses with `total`, a `Link` header and `X-Total-Count`. The `page` /
//! `per_page` parameters themselves are [`crate::paging::PageParams`].

pub use crate::paging::PageParams;
use axum::Json;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use pintar_core::api::Page;
use serde::Serialize;

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
}
