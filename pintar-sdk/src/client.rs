//! The client and its builder.

use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::session::{Session, Tokens};
use reqwest::Url;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Default time allowed for one request (uploads get [`ClientBuilder::upload_timeout`]).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed for an upload to be sent and answered.
pub const DEFAULT_UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// How the client proves who it is.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Credentials {
    /// No credentials: public routes only.
    #[default]
    Anonymous,
    /// An API key (`pk_…`), sent as `Authorization: ApiKey …`.
    ApiKey(String),
    /// Email and password: the client signs in on first use and again when the session ends.
    Password {
        /// Account email.
        email: String,
        /// Account password.
        password: String,
    },
    /// Tokens from an earlier sign-in; the refresh token renews the access token on 401.
    Tokens(Tokens),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::ApiKey(_) => f.write_str("ApiKey(<hidden>)"),
            Credentials::Password { email, .. } => f
                .debug_struct("Password")
                .field("email", email)
                .field("password", &"<hidden>")
                .finish(),
            Credentials::Tokens(t) => f.debug_tuple("Tokens").field(t).finish(),
        }
    }
}

/// Called with the new tokens whenever the client signs in or refreshes, so a caller can
/// persist them (refresh tokens rotate on every use).
pub type TokenListener = Arc<dyn Fn(&Tokens) + Send + Sync>;

/// Builds a [`Client`].
///
/// ```
/// let client = pintar_sdk::Client::builder()
///     .base_url("http://127.0.0.1:8000")
///     .api_key("pk_example")
///     .timeout(std::time::Duration::from_secs(10))
///     .build()
///     .expect("valid configuration");
/// # let _ = client;
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    credentials: Credentials,
    timeout: Duration,
    upload_timeout: Duration,
    connect_timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    listener: Option<TokenListener>,
    http: Option<reqwest::Client>,
    max_response_bytes: usize,
}

/// Default largest answer read (a year of daily data for a thousand series is far less).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 512 * 1024 * 1024;

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8000".into(),
            credentials: Credentials::Anonymous,
            timeout: DEFAULT_TIMEOUT,
            upload_timeout: DEFAULT_UPLOAD_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("pintar-sdk/", env!("CARGO_PKG_VERSION")).into(),
            retry: RetryPolicy::default(),
            listener: None,
            http: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// The server's address (`https://pintar.example`); `/api/v1` is added by the client.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sign in with an API key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.credentials = Credentials::ApiKey(key.into());
        self
    }

    /// Sign in with email and password (on first use).
    pub fn password(mut self, email: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Credentials::Password {
            email: email.into(),
            password: password.into(),
        };
        self
    }

    /// Use tokens from an earlier sign-in.
    pub fn tokens(mut self, tokens: Tokens) -> Self {
        self.credentials = Credentials::Tokens(tokens);
        self
    }

    /// Any [`Credentials`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Time allowed for each request, from sending to the whole answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed for uploads to analytics (default 10 minutes).
    pub fn upload_timeout(mut self, timeout: Duration) -> Self {
        self.upload_timeout = timeout;
        self
    }

    /// Time allowed to connect (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The `User-Agent` header (default `pintar-sdk/VERSION`).
    pub fn user_agent(mut self, agent: impl Into<String>) -> Self {
        self.user_agent = agent.into();
        self
    }

    /// How idempotent calls are retried on 429, 502, 503 and 504.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Called whenever the client obtains new tokens (sign-in or refresh).
    ///
    /// ```no_run
    /// # fn demo(saved: pintar_sdk::Tokens) -> pintar_sdk::Result<()> {
    /// // Resume a saved session, and save each rotated refresh token.
    /// let client = pintar_sdk::Client::builder()
    ///     .tokens(saved)
    ///     .on_tokens(|t| {
    ///         let json = serde_json::to_string(t).expect("tokens serialize");
    ///         std::fs::write("session.json", json).expect("writable");
    ///     })
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(()) }
    /// ```
    pub fn on_tokens(mut self, listener: impl Fn(&Tokens) + Send + Sync + 'static) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// The largest answer the client reads (default 512 MiB); a longer one is an error.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Use this `reqwest::Client` (its own timeouts and agent then apply).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        let base = parse_base(&self.base_url)?;
        let http = match self.http {
            Some(h) => h,
            None => reqwest::Client::builder()
                .user_agent(&self.user_agent)
                .connect_timeout(self.connect_timeout)
                // A redirect would re-send a POST body (a password, a refresh token) to
                // wherever it points; the API never redirects.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::Config(e.to_string()))?,
        };
        if let Credentials::ApiKey(k) = &self.credentials {
            reqwest::header::HeaderValue::from_str(&format!("ApiKey {k}")).map_err(|_| {
                Error::Config("the API key holds characters a header cannot".into())
            })?;
        }
        Ok(Client {
            inner: Arc::new(Inner {
                base,
                http,
                timeout: self.timeout,
                upload_timeout: self.upload_timeout,
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
                session: Session::new(self.credentials, self.listener),
            }),
        })
    }
}

/// `https://host[:port][/prefix]` + `/api/v1/`, checked.
fn parse_base(raw: &str) -> Result<Url> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url =
        Url::parse(trimmed).map_err(|e| Error::Config(format!("base URL '{trimmed}': {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::Config(format!(
            "base URL '{trimmed}' must be http:// or https:// with a host"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the base URL must not carry a user name or password".into(),
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL '{trimmed}' must not have a query or fragment"
        )));
    }
    let with_api = if url.path().ends_with("/api/v1") {
        format!("{url}/")
    } else {
        format!("{}/api/v1/", url.as_str().trim_end_matches('/'))
    };
    Url::parse(&with_api).map_err(|e| Error::Config(e.to_string()))
}

/// A client of the Pintar Ekspor API. Cheap to clone: clones share the connection pool and
/// the session (a token refreshed by one is used by all).
///
/// ```no_run
/// # async fn demo() -> pintar_sdk::Result<()> {
/// let client = pintar_sdk::Client::builder()
///     .base_url("http://127.0.0.1:8000")
///     .password("siti@example.id", "kopi-luwak-2024")
///     .build()?;
/// let courses = client.courses().list().level("beginner").send().await?;
/// for c in courses.items {
///     println!("{} — {}", c.slug, c.title);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) base: Url,
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) upload_timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_response_bytes: usize,
    pub(crate) session: Session,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("session", &self.inner.session)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults (`http://127.0.0.1:8000`, anonymous).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The API root this client calls (`…/api/v1/`).
    pub fn api_root(&self) -> &Url {
        &self.inner.base
    }

    /// The current tokens, after a sign-in or refresh (None with an API key or anonymous).
    pub fn tokens(&self) -> Option<Tokens> {
        self.inner.session.tokens()
    }

    /// Sign-in, tokens and the signed-in account.
    pub fn auth(&self) -> crate::handlers::auth::AuthHandler<'_> {
        crate::handlers::auth::AuthHandler::new(self)
    }

    /// The API keys of the signed-in developer.
    pub fn keys(&self) -> crate::handlers::keys::KeysHandler<'_> {
        crate::handlers::keys::KeysHandler::new(self)
    }

    /// The catalogue, enrolment, lessons, quizzes and progress.
    pub fn courses(&self) -> crate::handlers::courses::CoursesHandler<'_> {
        crate::handlers::courses::CoursesHandler::new(self)
    }

    /// Certificates of completed courses.
    pub fn certificates(&self) -> crate::handlers::certificates::CertificatesHandler<'_> {
        crate::handlers::certificates::CertificatesHandler::new(self)
    }

    /// Analysis of your series: analyse files (forecasts included), quick analysis, runs.
    pub fn analysis(&self) -> crate::handlers::analysis::AnalysisHandler<'_> {
        crate::handlers::analysis::AnalysisHandler::new(self)
    }

    /// The old name of [`analysis`](Self::analysis).
    #[deprecated(since = "0.2.0", note = "renamed to `analysis()`")]
    pub fn analytics(&self) -> crate::handlers::analysis::AnalysisHandler<'_> {
        self.analysis()
    }

    /// Insights: platform figures about learning (progress, engagement, completion,
    /// activity).
    pub fn insights(&self) -> crate::handlers::insights::InsightsHandler<'_> {
        crate::handlers::insights::InsightsHandler::new(self)
    }

    /// Administration: users, courses, audit log, email outbox.
    pub fn admin(&self) -> crate::handlers::admin::AdminHandler<'_> {
        crate::handlers::admin::AdminHandler::new(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_gain_the_api_prefix_once() {
        for (raw, want) in [
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000/api/v1/"),
            ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/api/v1/"),
            ("https://x.id/pintar", "https://x.id/pintar/api/v1/"),
            ("https://x.id/api/v1", "https://x.id/api/v1/"),
        ] {
            assert_eq!(parse_base(raw).expect(raw).as_str(), want);
        }
        for bad in [
            "ftp://x.id",
            "x.id",
            "http://x.id/?a=1",
            "",
            "https://u:p@x.id",
        ] {
            assert!(matches!(parse_base(bad), Err(Error::Config(_))), "{bad}");
        }
    }

    #[test]
    fn secrets_never_print_in_debug() {
        let c = Client::builder()
            .password("a@b.id", "hunter2-secret")
            .build()
            .expect("client");
        let b = Client::builder().api_key("pk_supersecret");
        let text = format!("{c:?} {b:?}");
        assert!(
            !text.contains("hunter2") && !text.contains("supersecret"),
            "{text}"
        );
    }
}
