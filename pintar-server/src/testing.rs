//! A real server for tests: a migrated throw-away database on either engine, the app on a
//! loopback port with its background workers, and helpers to call it. The server's own
//! tests and the workspace's end-to-end tests (SDK and CLI against a real server) share it.
//! Built only with the `testing` feature.

#![allow(missing_docs)]
#![allow(clippy::missing_panics_doc)]

use crate::setup::app;
use crate::{AppState, Settings, storage};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use std::net::SocketAddr;

/// The storage engines every storage and API test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Two tests, `NAME::sqlite` and `NAME::postgres`, running `async fn NAME(engine: Engine)`
/// once on each [`Engine`]: a failure on one engine cannot hide the other's result.
///
/// `engine_tests!(name)` runs each on tokio's default test runtime; anything after the name
/// is passed to `#[tokio::test(...)]`, e.g.
/// `engine_tests!(name, flavor = "multi_thread", worker_threads = 2)`. The calling crate
/// needs `tokio` with the `macros` and `rt` features (and `rt-multi-thread` for that flavor).
#[macro_export]
macro_rules! engine_tests {
    ($name:ident $(, $($runtime:tt)+)?) => {
        mod $name {
            #[tokio::test$(($($runtime)+))?]
            async fn sqlite() {
                super::$name($crate::testing::Engine::Sqlite).await
            }

            #[tokio::test$(($($runtime)+))?]
            async fn postgres() {
                super::$name($crate::testing::Engine::Postgres).await
            }
        }
    };
}

/// Secret the test servers sign with (tests craft expired tokens with it).
pub const TEST_JWT_SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// Admin connection used to create throw-away databases (trust auth on this machine and in CI).
fn postgres_admin_url() -> String {
    std::env::var("PINTAR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A migrated database that cleans up after itself.
pub struct TestDb {
    pub engine: Engine,
    pub url: String,
    pub db: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn new(engine: Engine) -> Self {
        let (url, dir, pg_name) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                (storage::sqlite_url(dir.path()), Some(dir), None)
            }
            Engine::Postgres => {
                let name = format!("pintar_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(postgres_admin_url()).await.expect(
                    "PostgreSQL at 127.0.0.1:5432 (set PINTAR_TEST_POSTGRES_URL otherwise)",
                );
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create throw-away database");
                let base = postgres_admin_url();
                let url = match base.rfind('/') {
                    Some(i) => format!("{}/{name}", &base[..i]),
                    None => panic!("admin URL has no database part: {base}"),
                };
                (url, None, Some(name))
            }
        };
        let db = storage::connect(&url).await.expect("connect");
        storage::migrate(&db).await.expect("migrate");
        Self {
            engine,
            url,
            db,
            _dir: dir,
            pg_name,
        }
    }

    /// Closes the connections and drops the throw-away PostgreSQL database.
    pub async fn cleanup(mut self) {
        let _ = self.db.clone().close().await;
        if let Some(name) = self.pg_name.take() {
            drop_database(&name).await;
        }
    }
}

async fn drop_database(name: &str) {
    if let Ok(admin) = Database::connect(postgres_admin_url()).await {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
        let _ = admin.close().await;
    }
}

/// A test that panics never reaches `cleanup`: drop its database here, on a thread of its
/// own (a destructor cannot await, and may run inside the test's runtime).
impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        let dropper = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(drop_database(&name));
            }
        });
        let _ = dropper.join();
    }
}

/// Serves a fresh app over `db` on a loopback port until the returned sender fires.
async fn serve(
    db: DatabaseConnection,
    settings: Settings,
) -> (
    SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let limiter = crate::http::ratelimit::RateLimiter::connect(&settings)
        .await
        .expect("Redis URL");
    let keys = crate::auth::AuthKeys::new(TEST_JWT_SECRET).expect("test secret");
    let state = AppState::new(db, settings, keys)
        .expect("state")
        .with_limiter(limiter);
    // The background workers, started as `main` starts them.
    let workers = crate::setup::workers::spawn(&state).expect("workers start");
    let app = crate::router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app::serve(listener, app, async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
        workers.shutdown().await;
    });
    (addr, tx, handle)
}

/// Another instance over a [`TestServer`]'s database.
pub struct Sibling {
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl Sibling {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.handle).await;
    }
}

/// A running server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub db: TestDb,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(engine: Engine) -> Self {
        Self::start_with(engine, Settings::default()).await
    }

    /// A server with `settings`, rate limits off.
    pub async fn start_with(engine: Engine, mut settings: Settings) -> Self {
        settings.rate_limit_enabled = false;
        Self::start_limited(engine, settings).await
    }

    /// A server with `settings` exactly as given (rate limits as they say).
    pub async fn start_limited(engine: Engine, mut settings: Settings) -> Self {
        let db = TestDb::new(engine).await;
        settings.database_url = Some(db.url.clone());
        let (addr, stop, handle) = serve(db.db.clone(), settings).await;
        Self {
            addr,
            client: reqwest::Client::new(),
            db,
            stop: Some(stop),
            handle,
        }
    }

    /// A second instance over the same database (another process in production), with
    /// `settings`: what one instance changes, the other must honour.
    pub async fn sibling(&self, mut settings: Settings) -> Sibling {
        settings.database_url = Some(self.db.url.clone());
        let db = crate::storage::connect(&self.db.url)
            .await
            .expect("connect");
        let (addr, stop, handle) = serve(db, settings).await;
        Sibling {
            addr,
            stop: Some(stop),
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops the server gracefully and drops its database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.handle).await;
        self.db.cleanup().await;
    }
}

/// Password the helpers register accounts with.
pub const PASSWORD: &str = "kopi-luwak-2024";

impl TestServer {
    /// Registers an account with [`PASSWORD`] and confirms its address as the operator's
    /// `pintar-server verify-email` does (the tests of verification itself register with
    /// [`TestServer::register_unverified`]).
    pub async fn register(&self, email: &str) -> reqwest::Response {
        let res = self.register_unverified(email).await;
        if res.status() == 201 {
            crate::accounts::recovery::verify_by_operator(&self.db.db, email)
                .await
                .expect("verify");
        }
        res
    }

    /// Registers an account with [`PASSWORD`], leaving its address unverified.
    pub async fn register_unverified(&self, email: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/register"))
            .json(&serde_json::json!({"email": email, "password": PASSWORD, "display_name": "Siti Rahma"}))
            .send()
            .await
            .expect("register")
    }

    /// The link in the newest email of `kind` (`verify_email`, `password_reset`,
    /// `email_change_verify`) sent to `to`, waiting up to ten seconds for it (a reset is
    /// queued in the background).
    pub async fn emailed_link(&self, to: &str, kind: &str) -> String {
        use crate::storage::entities::email_outbox;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let found = email_outbox::Entity::find()
                .filter(email_outbox::Column::ToAddress.eq(to))
                .filter(email_outbox::Column::Kind.eq(kind))
                .order_by_desc(email_outbox::Column::CreatedAt)
                .one(&self.db.db)
                .await
                .expect("outbox");
            if let Some(mail) = found {
                return mail
                    .body
                    .lines()
                    .find(|l| l.starts_with("http") && l.contains("token="))
                    .unwrap_or_else(|| panic!("no link in {}", mail.body))
                    .trim()
                    .to_string();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no {kind} email to {to}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Logs in with JSON credentials.
    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/token"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login")
    }

    /// Registers and logs in; returns the tokens.
    pub async fn learner(&self, email: &str) -> pintar_core::api::TokenResponse {
        assert_eq!(self.register(email).await.status(), 201, "register {email}");
        self.login(email, PASSWORD)
            .await
            .json()
            .await
            .expect("tokens")
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: serde_json::Value,
}

impl TestServer {
    /// Sends `method path` with an optional bearer token and JSON body; reads the reply.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: serde_json::Value) -> Reply {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// An admin account (created directly in the database) and its access token.
    pub async fn admin(&self, email: &str) -> String {
        crate::accounts::bootstrap::create_admin(&self.db.db, email, PASSWORD)
            .await
            .expect("create admin");
        let t: pintar_core::api::TokenResponse = self
            .login(email, PASSWORD)
            .await
            .json()
            .await
            .expect("admin tokens");
        t.access_token
    }

    /// Loads the demo courses.
    pub async fn seed(&self) -> usize {
        crate::learning::seed::seed_demo(&self.db.db)
            .await
            .expect("seed")
    }
}
