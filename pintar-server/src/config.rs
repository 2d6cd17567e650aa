//! Settings: defaults, then an optional `pintar.toml`, then `PINTAR_…` environment variables
//! (and `DATABASE_URL`). Secrets never appear in `Debug` output.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Server settings. Field names are the TOML keys and, upper-cased with `PINTAR_`, the
/// environment variables.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Listen address (`PINTAR_BIND`).
    pub bind: SocketAddr,
    /// Where the SQLite file and generated secrets live (`PINTAR_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Database URL (`DATABASE_URL`); SQLite in `data_dir` when unset.
    pub database_url: Option<String>,
    /// Secret for signing access tokens (`PINTAR_JWT_SECRET`); generated once when unset.
    pub jwt_secret: Option<String>,
    /// First admin's email (`PINTAR_ADMIN_EMAIL`).
    pub admin_email: Option<String>,
    /// First admin's password (`PINTAR_ADMIN_PASSWORD`).
    pub admin_password: Option<String>,
    /// Load the demo courses on start (`PINTAR_SEED_DEMO`).
    pub seed_demo: bool,
    /// Apply rate limits (`PINTAR_RATE_LIMIT_ENABLED`).
    pub rate_limit_enabled: bool,
    /// Requests per minute per client on `/api/v1/auth/*` (`PINTAR_RATE_LIMIT_AUTH_PER_MINUTE`).
    pub rate_limit_auth_per_minute: u32,
    /// Requests per minute per client elsewhere (`PINTAR_RATE_LIMIT_PER_MINUTE`).
    pub rate_limit_per_minute: u32,
    /// Requests per hour per API key (`PINTAR_RATE_LIMIT_API_KEY_PER_HOUR`).
    pub rate_limit_api_key_per_hour: u32,
    /// Proxies whose `X-Forwarded-For` is believed (`PINTAR_TRUSTED_PROXIES`, comma-separated).
    #[serde(deserialize_with = "list")]
    pub trusted_proxies: Vec<String>,
    /// Redis for shared rate limits across instances (`PINTAR_REDIS_URL`).
    pub redis_url: Option<String>,
    /// Prefix of this deployment's Redis keys (`PINTAR_REDIS_PREFIX`).
    pub redis_prefix: String,
    /// Origins allowed by CORS (`PINTAR_CORS_ORIGINS`, comma-separated).
    #[serde(deserialize_with = "list")]
    pub cors_origins: Vec<String>,
    /// Mark the website's cookies `Secure` (`PINTAR_SECURE_COOKIES`): set it when the site
    /// is served over HTTPS. Behind a trusted proxy that sends `X-Forwarded-Proto: https`
    /// they are marked `Secure` anyway.
    pub secure_cookies: bool,
    /// The site's address as visitors reach it, e.g. `https://pintar-ekspor.id`
    /// (`PINTAR_PUBLIC_URL`): the start of the links in emails. When unset, `http://` and
    /// the listen address.
    pub public_url: Option<String>,
    /// New accounts must open the link emailed to them before they can upgrade, create keys
    /// or receive other mail (`PINTAR_REQUIRE_EMAIL_VERIFICATION`; on by default).
    pub require_email_verification: bool,
    /// Seconds a website session lasts without a request; then it signs out
    /// (`PINTAR_WEB_SESSION_IDLE_SECS`).
    pub web_session_idle_secs: u64,
    /// Seconds a website session lasts at most, however active
    /// (`PINTAR_WEB_SESSION_MAX_SECS`).
    pub web_session_max_secs: u64,
    /// `log`, `smtp` or `http` (`PINTAR_EMAIL_PROVIDER`).
    pub email_provider: String,
    /// Sender of every email, `Name <address>` or an address (`PINTAR_EMAIL_FROM`).
    pub email_from: String,
    /// Language of emails, `id` (Indonesian) or `en` (`PINTAR_EMAIL_LOCALE`).
    pub email_locale: String,
    /// Emails one account can make the server send per hour; more are recorded as
    /// `suppressed` and not sent (`PINTAR_EMAIL_HOURLY_CAP`).
    pub email_hourly_cap: u32,
    /// How often the delivery worker looks for due emails, in milliseconds (it is also
    /// woken when this instance queues one) (`PINTAR_EMAIL_POLL_MS`).
    pub email_poll_ms: u64,
    /// Delivery attempts before an email is marked `failed` (`PINTAR_EMAIL_MAX_ATTEMPTS`).
    pub email_max_attempts: u32,
    /// Wait after the first failed attempt, in milliseconds; doubled after each further
    /// failure (`PINTAR_EMAIL_BACKOFF_MS`).
    pub email_backoff_ms: u64,
    /// Longest wait between attempts, in milliseconds (`PINTAR_EMAIL_BACKOFF_MAX_MS`).
    pub email_backoff_max_ms: u64,
    /// Longest one delivery attempt may take, in milliseconds (`PINTAR_EMAIL_SEND_TIMEOUT_MS`).
    pub email_send_timeout_ms: u64,
    /// How long a worker's claim on an email lasts, in milliseconds; a claim left by a worker
    /// that died is taken again after it. Longer than the send timeout
    /// (`PINTAR_EMAIL_LEASE_MS`).
    pub email_lease_ms: u64,
    /// SMTP server host (`PINTAR_EMAIL_SMTP_HOST`).
    pub email_smtp_host: Option<String>,
    /// SMTP port (`PINTAR_EMAIL_SMTP_PORT`).
    pub email_smtp_port: u16,
    /// SMTP transport security: `none`, `starttls` or `tls` (`PINTAR_EMAIL_SMTP_TLS`).
    pub email_smtp_tls: String,
    /// SMTP user name (`PINTAR_EMAIL_SMTP_USERNAME`).
    pub email_smtp_username: Option<String>,
    /// SMTP password (`PINTAR_EMAIL_SMTP_PASSWORD`).
    pub email_smtp_password: Option<String>,
    /// HTTP email API: where an API key is exchanged for a bearer token
    /// (`PINTAR_EMAIL_HTTP_TOKEN_URL`).
    pub email_http_token_url: Option<String>,
    /// HTTP email API: where messages are posted (`PINTAR_EMAIL_HTTP_SEND_URL`).
    pub email_http_send_url: Option<String>,
    /// HTTP email API key (`PINTAR_EMAIL_HTTP_API_KEY`).
    pub email_http_api_key: Option<String>,
    /// Largest upload accepted (analytics uploads, course import), in bytes
    /// (`PINTAR_MAX_UPLOAD_BYTES`, default 50 MiB). Every other route keeps `max_body_bytes`.
    pub max_upload_bytes: usize,
    /// Bytes of analytics uploads held at once, over all callers (being read, queued for a
    /// thread or analysed); past it uploads get 503 (`PINTAR_ANALYTICS_UPLOAD_BUDGET_BYTES`).
    pub analytics_upload_budget_bytes: usize,
    /// Seconds an upload may take to arrive (`PINTAR_UPLOAD_TIMEOUT_SECS`); then 408.
    pub upload_timeout_secs: u64,
    /// Finished runs kept per account; older ones are deleted as new ones finish
    /// (`PINTAR_ANALYTICS_KEEP_RUNS`).
    pub analytics_keep_runs: u64,
    /// Threads analysing uploads; 0 means one per CPU (`PINTAR_ANALYTICS_THREADS`).
    pub analytics_threads: usize,
    /// Synchronous analyses that may wait for a thread; beyond them the answer is 503 with
    /// `Retry-After` (`PINTAR_ANALYTICS_QUEUE`).
    pub analytics_queue: usize,
    /// Inputs larger than this many bytes run as jobs (202) even without `?async=true`
    /// (`PINTAR_ANALYTICS_ASYNC_BYTES`).
    pub analytics_async_bytes: usize,
    /// Jobs one account may have queued or running at once; beyond it 429
    /// (`PINTAR_ANALYTICS_JOBS_PER_USER`).
    pub analytics_jobs_per_user: u64,
    /// Jobs queued over all accounts; beyond it 503 (`PINTAR_ANALYTICS_MAX_QUEUED`).
    pub analytics_max_queued: u64,
    /// How often an idle job worker looks for queued runs, in milliseconds (new runs on the
    /// same instance wake it at once) (`PINTAR_ANALYTICS_POLL_MS`).
    pub analytics_poll_ms: u64,
    /// Run the job worker on this instance (`PINTAR_ANALYTICS_WORKER`; off for instances
    /// that only take requests while others analyse).
    pub analytics_worker: bool,
    /// Seconds a worker's claim on a run lasts unless renewed; a run whose worker died is
    /// taken up again after it (`PINTAR_ANALYTICS_LEASE_SECS`).
    pub analytics_lease_secs: u64,
    /// Seconds one analysis may run, synchronous or queued; then it stops between series
    /// and fails with the reason (`PINTAR_ANALYTICS_DEADLINE_SECS`).
    pub analytics_deadline_secs: u64,
    /// Most periods one analysis may lay on its series' grids, whatever it read; below it,
    /// four per value read, at least 100,000 (`PINTAR_ANALYTICS_MAX_POINTS`).
    pub analytics_max_points: usize,
    /// Bytes of uploads one account may have in flight at once, within the upload budget;
    /// past it 429 (`PINTAR_ANALYTICS_UPLOAD_SHARE_BYTES`).
    pub analytics_upload_share_bytes: usize,
    /// Synchronous analyses one account may run at once on an instance; past it 429
    /// (`PINTAR_ANALYTICS_CONCURRENT_PER_USER`).
    pub analytics_concurrent_per_user: u64,
    /// Bytes one account may keep stored: queued inputs and finished reports; past it 429
    /// (`PINTAR_ANALYTICS_STORED_BYTES_PER_USER`).
    pub analytics_stored_bytes_per_user: u64,
    /// CPU seconds of analysis one account may use per hour; past it 429 with the time to
    /// wait (`PINTAR_ANALYTICS_CPU_SECS_PER_HOUR`).
    pub analytics_cpu_secs_per_hour: u64,
    /// Largest body of every other request, in bytes (`PINTAR_MAX_BODY_BYTES`).
    pub max_body_bytes: usize,
    /// Milliseconds a credential check (session live, key not revoked, current role) is
    /// cached; 0 checks the database on every request (`PINTAR_AUTH_CACHE_MS`).
    pub auth_cache_ms: u64,
    /// Seconds the published-course catalog is cached; 0 reads the database every time
    /// (`PINTAR_CATALOG_CACHE_SECS`).
    pub catalog_cache_secs: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8000)),
            data_dir: PathBuf::from("pintar-data"),
            database_url: None,
            jwt_secret: None,
            admin_email: None,
            admin_password: None,
            seed_demo: true,
            rate_limit_enabled: true,
            rate_limit_auth_per_minute: 20,
            rate_limit_per_minute: 100,
            rate_limit_api_key_per_hour: 1000,
            trusted_proxies: Vec::new(),
            redis_url: None,
            redis_prefix: "pintar".into(),
            cors_origins: Vec::new(),
            secure_cookies: false,
            public_url: None,
            require_email_verification: true,
            web_session_idle_secs: 2 * 3600,
            web_session_max_secs: 7 * 24 * 3600,
            email_provider: "log".into(),
            email_from: "Pintar Ekspor <no-reply@pintar-ekspor.id>".into(),
            email_locale: "id".into(),
            email_hourly_cap: 10,
            email_poll_ms: 5_000,
            email_max_attempts: 8,
            email_backoff_ms: 30_000,
            email_backoff_max_ms: 3_600_000,
            email_send_timeout_ms: 30_000,
            email_lease_ms: 300_000,
            email_smtp_host: None,
            email_smtp_port: 587,
            email_smtp_tls: "starttls".into(),
            email_smtp_username: None,
            email_smtp_password: None,
            email_http_token_url: None,
            email_http_send_url: None,
            email_http_api_key: None,
            max_upload_bytes: 50 * 1024 * 1024,
            analytics_upload_budget_bytes: 512 * 1024 * 1024,
            upload_timeout_secs: 120,
            analytics_keep_runs: 100,
            analytics_threads: 0,
            analytics_queue: 16,
            analytics_async_bytes: 8 * 1024 * 1024,
            analytics_jobs_per_user: 10,
            analytics_max_queued: 1000,
            analytics_poll_ms: 1000,
            analytics_worker: true,
            analytics_lease_secs: 60,
            analytics_deadline_secs: 60,
            analytics_max_points: pintar_core::analytics::budget::DEFAULT_MAX_POINTS,
            analytics_upload_share_bytes: 128 * 1024 * 1024,
            analytics_concurrent_per_user: 2,
            analytics_stored_bytes_per_user: 256 * 1024 * 1024,
            analytics_cpu_secs_per_hour: 900,
            max_body_bytes: 64 * 1024,
            auth_cache_ms: 1000,
            catalog_cache_secs: 5,
        }
    }
}

/// Accepts `"a, b"` as well as `["a", "b"]`.
fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        OneOrMany::Many(v) => v,
    })
}

impl Settings {
    /// Loads settings: defaults, `PINTAR_CONFIG` (or `./pintar.toml` if present), environment.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var("PINTAR_CONFIG").unwrap_or_else(|_| "pintar.toml".into());
        Self::figment(&file).extract().map_err(Box::new)
    }

    /// The layered configuration, for tests and tools.
    pub fn figment(file: &str) -> Figment {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("PINTAR_").ignore(&["CONFIG"]))
            .merge(Env::raw().only(&["DATABASE_URL"]))
    }

    /// The start of links in emails: [`Settings::public_url`] without a trailing `/`, or
    /// `http://` and the listen address.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(u) if !u.trim().is_empty() => u.trim().trim_end_matches('/').to_string(),
            _ => format!("http://{}", self.bind),
        }
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| crate::storage::sqlite_url(&self.data_dir))
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |s: &Option<String>| s.as_ref().map(|_| "<hidden>");
        let url = self.database_url.as_deref().map(redact_url);
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database_url", &url)
            .field("jwt_secret", &hidden(&self.jwt_secret))
            .field("admin_email", &self.admin_email)
            .field("admin_password", &hidden(&self.admin_password))
            .field("seed_demo", &self.seed_demo)
            .field("rate_limit_enabled", &self.rate_limit_enabled)
            .field(
                "rate_limit_auth_per_minute",
                &self.rate_limit_auth_per_minute,
            )
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field(
                "rate_limit_api_key_per_hour",
                &self.rate_limit_api_key_per_hour,
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("redis_prefix", &self.redis_prefix)
            .field("cors_origins", &self.cors_origins)
            .field("secure_cookies", &self.secure_cookies)
            .field("public_url", &self.public_url)
            .field(
                "require_email_verification",
                &self.require_email_verification,
            )
            .field("web_session_idle_secs", &self.web_session_idle_secs)
            .field("web_session_max_secs", &self.web_session_max_secs)
            .field("email_provider", &self.email_provider)
            .field("email_from", &self.email_from)
            .field("email_locale", &self.email_locale)
            .field("email_hourly_cap", &self.email_hourly_cap)
            .field("email_poll_ms", &self.email_poll_ms)
            .field("email_max_attempts", &self.email_max_attempts)
            .field("email_backoff_ms", &self.email_backoff_ms)
            .field("email_backoff_max_ms", &self.email_backoff_max_ms)
            .field("email_send_timeout_ms", &self.email_send_timeout_ms)
            .field("email_lease_ms", &self.email_lease_ms)
            .field("email_smtp_host", &self.email_smtp_host)
            .field("email_smtp_port", &self.email_smtp_port)
            .field("email_smtp_tls", &self.email_smtp_tls)
            .field("email_smtp_username", &self.email_smtp_username)
            .field("email_smtp_password", &hidden(&self.email_smtp_password))
            .field("email_http_token_url", &self.email_http_token_url)
            .field("email_http_send_url", &self.email_http_send_url)
            .field("email_http_api_key", &hidden(&self.email_http_api_key))
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field(
                "analytics_upload_budget_bytes",
                &self.analytics_upload_budget_bytes,
            )
            .field("upload_timeout_secs", &self.upload_timeout_secs)
            .field("analytics_keep_runs", &self.analytics_keep_runs)
            .field("analytics_threads", &self.analytics_threads)
            .field("analytics_queue", &self.analytics_queue)
            .field("analytics_async_bytes", &self.analytics_async_bytes)
            .field("analytics_jobs_per_user", &self.analytics_jobs_per_user)
            .field("analytics_max_queued", &self.analytics_max_queued)
            .field("analytics_poll_ms", &self.analytics_poll_ms)
            .field("analytics_worker", &self.analytics_worker)
            .field("analytics_lease_secs", &self.analytics_lease_secs)
            .field("analytics_deadline_secs", &self.analytics_deadline_secs)
            .field("analytics_max_points", &self.analytics_max_points)
            .field(
                "analytics_upload_share_bytes",
                &self.analytics_upload_share_bytes,
            )
            .field(
                "analytics_concurrent_per_user",
                &self.analytics_concurrent_per_user,
            )
            .field(
                "analytics_stored_bytes_per_user",
                &self.analytics_stored_bytes_per_user,
            )
            .field(
                "analytics_cpu_secs_per_hour",
                &self.analytics_cpu_secs_per_hour,
            )
            .field("max_body_bytes", &self.max_body_bytes)
            .field("auth_cache_ms", &self.auth_cache_ms)
            .field("catalog_cache_secs", &self.catalog_cache_secs)
            .finish()
    }
}

/// Hides the password in `scheme://user:password@host/…`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:<hidden>{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let s = Settings {
            jwt_secret: Some("s3cret".into()),
            admin_password: Some("hunter2".into()),
            email_smtp_password: Some("smtp-pw-9".into()),
            email_http_api_key: Some("mail-key-7".into()),
            database_url: Some("postgres://app:pw123@db/pintar".into()),
            ..Settings::default()
        };
        let text = format!("{s:?}");
        for secret in ["s3cret", "hunter2", "pw123", "smtp-pw-9", "mail-key-7"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("postgres://app:<hidden>@db/pintar"));
    }

    #[test]
    #[allow(
        clippy::result_large_err,
        reason = "figment::Jail's closure type is fixed by figment"
    )]
    fn layers_file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("pintar.toml", "bind = \"127.0.0.1:9000\"\ncors_origins = [\"https://a.example\"]\nseed_demo = false")?;
            jail.set_env("PINTAR_BIND", "127.0.0.1:9100");
            jail.set_env("PINTAR_TRUSTED_PROXIES", "10.0.0.1, 10.0.0.2");
            jail.set_env("DATABASE_URL", "postgres://localhost/x");
            let s: Settings = Settings::figment("pintar.toml").extract()?;
            assert_eq!(s.bind.port(), 9100, "env wins over the file");
            assert_eq!(s.cors_origins, ["https://a.example"]);
            assert!(!s.seed_demo);
            assert_eq!(s.trusted_proxies, ["10.0.0.1", "10.0.0.2"]);
            assert_eq!(s.database_url(), "postgres://localhost/x");
            Ok(())
        });
    }
}
