//! Sending one call: the URL, credentials, the 401 → renew → retry-once rule, retries of
//! idempotent calls, and decoding the answer or the problem document.

use crate::client::{Client, Credentials};
use crate::error::{ApiError, Error, Result};
use crate::handlers::analysis::UploadProgress;
use crate::retry::retryable;
use crate::session::Tokens;
use bytes::Bytes;
use pintar_core::api::{LoginRequest, Problem, RefreshRequest, TokenResponse};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, Response, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Renew an access token this close to its expiry before using it.
const EXPIRY_MARGIN_SECS: i64 = 30;

/// A request body.
pub(crate) enum Body {
    /// No body.
    Empty,
    /// Bytes with their media type; can be sent again.
    Bytes(Bytes, &'static str),
    /// Bytes sent in chunks, reporting progress; can be sent again.
    Progress(Bytes, &'static str, UploadProgress),
    /// A one-shot stream (uploads); never retried.
    Stream(reqwest::Body, &'static str, Option<u64>),
}

/// Upload chunk size: small enough for smooth progress, large enough to cost nothing.
const CHUNK: usize = 64 * 1024;

/// `bytes` as a stream of chunks that reports each one sent.
fn with_progress(bytes: Bytes, progress: UploadProgress) -> reqwest::Body {
    let total = bytes.len() as u64;
    progress(0, Some(total));
    let chunks = (0..bytes.len()).step_by(CHUNK).map(move |start| {
        let end = (start + CHUNK).min(bytes.len());
        progress(end as u64, Some(total));
        Ok::<_, std::io::Error>(bytes.slice(start..end))
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(chunks))
}

/// One call to the API.
pub(crate) struct Call {
    method: Method,
    segments: Vec<String>,
    query: Option<String>,
    body: Body,
    auth: bool,
    upload: bool,
    accept: &'static str,
}

impl Call {
    /// `method` on the path made of `segments` (each is escaped).
    pub(crate) fn new<I, S>(method: Method, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: None,
            body: Body::Empty,
            auth: true,
            upload: false,
            accept: "application/json",
        }
    }

    /// A GET.
    pub(crate) fn get<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::GET, segments)
    }

    /// A POST.
    pub(crate) fn post<I, S>(segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::new(Method::POST, segments)
    }

    /// The query string from a serializable value (None fields are left out).
    pub(crate) fn query<Q: Serialize + ?Sized>(mut self, q: &Q) -> Result<Self> {
        let s = serde_urlencoded::to_string(q).map_err(|e| Error::Config(e.to_string()))?;
        self.query = (!s.is_empty()).then_some(s);
        Ok(self)
    }

    /// A JSON body.
    pub(crate) fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| Error::Config(e.to_string()))?;
        self.body = Body::Bytes(bytes.into(), "application/json");
        Ok(self)
    }

    /// Any body.
    pub(crate) fn body(mut self, body: Body) -> Self {
        self.body = body;
        self
    }

    /// Sent without credentials (sign-in, refresh, public lookups).
    pub(crate) fn anonymous(mut self) -> Self {
        self.auth = false;
        self
    }

    /// An upload: the longer upload timeout applies.
    pub(crate) fn upload(mut self) -> Self {
        self.upload = true;
        self
    }

    /// Accept this media type instead of JSON.
    pub(crate) fn accept(mut self, media: &'static str) -> Self {
        self.accept = media;
        self
    }

    fn idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        )
    }
}

/// A successful answer, read whole.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    /// The body decoded as `T`; a mismatch names the failing field.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode(self.status, &self.body)
    }

    /// A header as text.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// Decodes JSON, reporting the path of the field that failed.
pub(crate) fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    // The fast path decodes plainly; only a failure pays for tracking the field path.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            status,
            path,
            message: e.into_inner().to_string(),
        }
    })
}

impl Client {
    /// Sends `call` and reads the whole answer; errors become [`Error`].
    pub(crate) async fn execute(&self, call: Call) -> Result<Answer> {
        let timeout = self.timeout_of(&call);
        let res = self.respond(call).await?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        // The call's own limit (an upload's is longer) also bounds reading the answer.
        let body = read_capped(res, self.inner.max_response_bytes, timeout).await?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// Sends `call` and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.execute(call).await?.json()
    }

    /// Sends `call` and ignores the (empty) answer.
    pub(crate) async fn empty(&self, call: Call) -> Result<()> {
        self.execute(call).await.map(|_| ())
    }

    /// Sends `call`: renews the session once on 401, retries idempotent calls on 429/5xx,
    /// and turns error answers into [`Error::Api`]. The response is a success.
    pub(crate) async fn respond(&self, mut call: Call) -> Result<Response> {
        let inner = &self.inner;
        let url = self.url(&call)?;
        let timeout = self.timeout_of(&call);
        let mut renewed = false;
        let mut attempt = 0u32;
        loop {
            let (auth, used_token) = if call.auth {
                self.authorization().await?
            } else {
                (None, None)
            };
            let body = match &call.body {
                Body::Empty | Body::Stream(..) => None,
                Body::Bytes(b, ct) => Some((reqwest::Body::from(b.clone()), *ct, None)),
                Body::Progress(b, ct, p) => Some((
                    with_progress(b.clone(), p.clone()),
                    *ct,
                    Some(b.len() as u64),
                )),
            };
            let mut req = inner
                .http
                .request(call.method.clone(), url.clone())
                .timeout(timeout)
                .header(reqwest::header::ACCEPT, call.accept);
            if let Some(a) = auth {
                req = req.header(AUTHORIZATION, a);
            }
            let one_shot = matches!(call.body, Body::Stream(..));
            if let Some((b, ct, len)) = body {
                req = req.header(CONTENT_TYPE, ct);
                if let Some(n) = len {
                    req = req.header(reqwest::header::CONTENT_LENGTH, n);
                }
                req = req.body(b);
            } else if one_shot
                && let Body::Stream(b, ct, len) = std::mem::replace(&mut call.body, Body::Empty)
            {
                req = req.header(CONTENT_TYPE, ct);
                if let Some(n) = len {
                    req = req.header(reqwest::header::CONTENT_LENGTH, n);
                }
                req = req.body(b);
            }
            let sent = req.send().await;
            let res = match sent {
                Ok(r) => r,
                Err(e) => {
                    let may_retry = call.idempotent() && !one_shot && e.is_connect();
                    if may_retry && let Some(wait) = inner.retry.delay(attempt, None) {
                        attempt += 1;
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    return Err(Error::transport(e, timeout));
                }
            };
            let status = res.status().as_u16();
            if res.status().is_success() {
                return Ok(res);
            }
            if status == 401 && call.auth && !renewed && !one_shot && self.can_renew() {
                renewed = true;
                self.renew(used_token.as_deref()).await?;
                continue;
            }
            let retry_after = retry_after(res.headers());
            if retryable(status)
                && call.idempotent()
                && !one_shot
                && let Some(wait) = inner.retry.delay(attempt, retry_after)
            {
                attempt += 1;
                drop(res);
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(self.api_error(res, retry_after, timeout).await);
        }
    }

    /// The time allowed for `call`, from sending to the whole answer.
    fn timeout_of(&self, call: &Call) -> Duration {
        if call.upload {
            self.inner.upload_timeout
        } else {
            self.inner.timeout
        }
    }

    fn url(&self, call: &Call) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|()| Error::Config("the base URL cannot take a path".into()))?;
            segs.pop_if_empty();
            for s in &call.segments {
                // Control characters are dropped by URL parsing after this check, which
                // would let "..\t" climb a level: refuse them outright.
                if s.is_empty() || s == "." || s == ".." || s.chars().any(char::is_control) {
                    return Err(Error::Config(format!("'{s}' is not a valid id")));
                }
                segs.push(s);
            }
        }
        url.set_query(call.query.as_deref());
        Ok(url)
    }

    async fn api_error(
        &self,
        res: Response,
        retry_after: Option<Duration>,
        timeout: Duration,
    ) -> Error {
        let status = res.status().as_u16();
        let request_id = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match read_capped(res, MAX_ERROR_BYTES, timeout).await {
            Ok(b) => b,
            // An error page too large to be a problem document: the status says enough.
            Err(Error::Decode { .. }) => Bytes::new(),
            Err(e) => return e,
        };
        let mut api = match serde_json::from_slice::<Problem>(&body) {
            Ok(p) => ApiError::from_problem(p, request_id, retry_after),
            Err(_) => ApiError::from_status(status, &body, request_id, retry_after),
        };
        // The HTTP status is the truth; a body may claim anything (a gateway forwarding
        // an upstream problem, a broken server).
        api.status = status;
        api.into()
    }

    /// The `Authorization` header for the next call, and the access token it carries.
    async fn authorization(&self) -> Result<(Option<HeaderValue>, Option<String>)> {
        let session = &self.inner.session;
        match &session.credentials {
            Credentials::ApiKey(k) => {
                let v = HeaderValue::from_str(&format!("ApiKey {k}"))
                    .map_err(|_| Error::Config("the API key is not a valid header".into()))?;
                Ok((Some(sensitive(v)), None))
            }
            _ if !self.can_renew() => Ok((None, None)),
            _ => {
                let tokens = match session.tokens() {
                    Some(t) if !t.expires_within(chrono::Duration::seconds(EXPIRY_MARGIN_SECS)) => {
                        t
                    }
                    current => {
                        let stale = current.map(|t| t.access_token);
                        self.renew(stale.as_deref()).await?;
                        session
                            .tokens()
                            .ok_or_else(|| Error::Unauthenticated("no session".into()))?
                    }
                };
                let v = HeaderValue::from_str(&format!("Bearer {}", tokens.access_token))
                    .map_err(|_| Error::Unauthenticated("the access token is malformed".into()))?;
                Ok((Some(sensitive(v)), Some(tokens.access_token)))
            }
        }
    }

    /// Whether the client holds a session it can renew: a password, or tokens (given, or
    /// from a [`login`](crate::handlers::auth::AuthHandler::login)).
    fn can_renew(&self) -> bool {
        let session = &self.inner.session;
        match session.credentials {
            Credentials::ApiKey(_) => false,
            Credentials::Password { .. } | Credentials::Tokens(_) => true,
            _ => session.tokens().is_some(),
        }
    }

    /// Renews the session unless another call already did since `stale` was read: one
    /// refresh (or sign-in) for any number of concurrent callers.
    pub(crate) async fn renew(&self, stale: Option<&str>) -> Result<()> {
        let session = &self.inner.session;
        let _one_at_a_time = session.renewing.lock().await;
        let current = session.tokens();
        // Another caller renewed while this one waited: use its tokens, whatever their
        // expiry (a short-lived token must not make every waiter refresh again).
        if let Some(t) = &current
            && Some(t.access_token.as_str()) != stale
        {
            return Ok(());
        }
        if let Some(t) = current {
            let call = Call::post(["auth", "refresh"])
                .anonymous()
                .json(&RefreshRequest {
                    refresh_token: t.refresh_token,
                })?;
            // Boxed: renewing sends a call, and sending a call may renew.
            match Box::pin(self.json::<TokenResponse>(call)).await {
                Ok(fresh) => {
                    session.set_tokens(Some(Tokens::from_response(&fresh)));
                    return Ok(());
                }
                Err(Error::Api(e)) if e.status == 401 || e.status == 422 => {
                    session.set_tokens(None);
                }
                Err(e) => return Err(e),
            }
        }
        match &session.credentials {
            Credentials::Password { email, password } => {
                let call = Call::post(["auth", "token"])
                    .anonymous()
                    .json(&LoginRequest {
                        email: email.clone(),
                        password: password.clone(),
                    })?;
                let fresh: TokenResponse = Box::pin(self.json(call)).await?;
                session.set_tokens(Some(Tokens::from_response(&fresh)));
                Ok(())
            }
            _ => Err(Error::Unauthenticated(
                "the session has ended; sign in again".into(),
            )),
        }
    }
}

/// Largest error body read (problem documents are small).
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// Reads a body, refusing one longer than `limit` (announced or actual) so a broken or
/// hostile server cannot fill memory.
async fn read_capped(mut res: Response, limit: usize, timeout: Duration) -> Result<Bytes> {
    let status = res.status().as_u16();
    let too_long = || Error::Decode {
        status,
        path: ".".into(),
        message: format!("the answer is longer than the client's limit of {limit} bytes"),
    };
    match res.content_length() {
        Some(n) if n > limit as u64 => return Err(too_long()),
        // Announced and within the limit: hyper stops at the length, read it in one go.
        Some(_) => return res.bytes().await.map_err(|e| Error::transport(e, timeout)),
        None => {}
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| Error::transport(e, timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

/// Marks a header as secret so it never shows in debug output.
fn sensitive(mut v: HeaderValue) -> HeaderValue {
    v.set_sensitive(true);
    v
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn decode_errors_name_the_field() {
        let err = decode::<pintar_core::api::Page<pintar_core::api::Created>>(
            200,
            br#"{"items":[{"id":"a"},{"id":7}],"total":2,"page":1,"per_page":20}"#,
        )
        .expect_err("a decode error");
        match err {
            Error::Decode { path, .. } => assert_eq!(path, "items[1].id"),
            other => panic!("{other:?}"),
        }
    }
}
