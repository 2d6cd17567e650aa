//! Lists: one page at a time ([`ListRequest::send`]), or every item as a `Stream` that
//! fetches pages as it goes ([`ListRequest::stream`]).

use crate::client::Client;
use crate::error::Result;
use crate::http::Call;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt, stream};
use pintar_core::api::Page;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// A list call: filters `F` (set with the area's methods), paging, then [`send`](Self::send)
/// for one page or [`stream`](Self::stream) for every item.
///
/// ```no_run
/// # async fn demo(client: pintar_sdk::Client) -> pintar_sdk::Result<()> {
/// use futures_util::TryStreamExt;
/// let first = client.courses().list().per_page(10).send().await?;
/// println!("{} courses in all", first.total);
/// let all: Vec<_> = client.courses().list().stream().try_collect().await?;
/// # Ok(()) }
/// ```
#[must_use = "a list does nothing until `send` or `stream`"]
pub struct ListRequest<'a, F, T> {
    client: &'a Client,
    segments: Vec<String>,
    pub(crate) filter: F,
    page: Option<u64>,
    per_page: Option<u64>,
    item: PhantomData<fn() -> T>,
}

impl<F: Clone, T> Clone for ListRequest<'_, F, T> {
    fn clone(&self) -> Self {
        Self {
            client: self.client,
            segments: self.segments.clone(),
            filter: self.filter.clone(),
            page: self.page,
            per_page: self.per_page,
            item: PhantomData,
        }
    }
}

impl<F: std::fmt::Debug, T> std::fmt::Debug for ListRequest<'_, F, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListRequest")
            .field("path", &self.segments.join("/"))
            .field("filter", &self.filter)
            .field("page", &self.page)
            .field("per_page", &self.per_page)
            .finish()
    }
}

#[derive(Serialize)]
struct Query<'q, F> {
    #[serde(flatten)]
    filter: &'q F,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_page: Option<u64>,
}

impl<'a, F, T> ListRequest<'a, F, T>
where
    F: Serialize + Clone + Send + Sync + 'a,
    T: DeserializeOwned + Send + 'a,
{
    pub(crate) fn new<I, S>(client: &'a Client, segments: I, filter: F) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            client,
            segments: segments.into_iter().map(Into::into).collect(),
            filter,
            page: None,
            per_page: None,
            item: PhantomData,
        }
    }

    /// The page to fetch, from 1 (the first page where a stream starts).
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Items per page, 1 to 100 (the server's default is 20).
    pub fn per_page(mut self, per_page: u64) -> Self {
        self.per_page = Some(per_page);
        self
    }

    /// Fetches one page.
    pub async fn send(self) -> Result<Page<T>> {
        let call = Call::get(self.segments.iter().cloned()).query(&Query {
            filter: &self.filter,
            page: self.page,
            per_page: self.per_page,
        })?;
        self.client.json(call).await
    }

    /// Every item from the chosen page on, fetching the next page when the items of the
    /// last one are used up.
    pub fn stream(self) -> BoxStream<'a, Result<T>> {
        let first = self.page.unwrap_or(1).max(1);
        stream::try_unfold(Some(first), move |next| {
            let request = next.map(|n| (n, self.clone().page(n)));
            async move {
                let Some(request) = request else {
                    return Ok::<_, crate::Error>(None);
                };
                let (asked, page) = request;
                let page = page.send().await?;
                // Count from the page asked for: a server that echoes another number
                // (or ignores `page`) must not make the stream loop.
                let more = page.page == asked && asked < page.pages() && !page.items.is_empty();
                Ok(Some((page.items, more.then_some(asked + 1))))
            }
        })
        .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
    }
}
