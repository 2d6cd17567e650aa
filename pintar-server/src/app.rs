//! Building the application: state, routes and layers, and serving it.

use crate::auth::AuthKeys;
use crate::config::Settings;
use crate::learning::catalog::Catalog;
use crate::metrics::{self, Metrics};
use crate::middleware::{not_found, problem_details, security_headers};
use crate::ratelimit::{self, RateLimiter};
use crate::routes;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: DatabaseConnection,
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// Access-token signing keys.
    pub auth: AuthKeys,
    /// The published-course catalog.
    pub catalog: Arc<Catalog>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Rate limits.
    pub limiter: Arc<RateLimiter>,
}

impl AppState {
    /// State over `db` with `settings`, signing tokens with `auth`.
    pub fn new(db: DatabaseConnection, settings: Settings, auth: AuthKeys) -> Self {
        let ttl = std::time::Duration::from_secs(settings.catalog_cache_secs);
        Self {
            db,
            limiter: Arc::new(RateLimiter::new(&settings)),
            settings: Arc::new(settings),
            auth,
            catalog: Arc::new(Catalog::new(ttl)),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

impl AppState {
    /// The same state with another rate limiter (say, one counting in Redis).
    pub fn with_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Arc::new(limiter);
        self
    }
}

/// The OpenAPI document's fixed parts; paths come from the routers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Pintar Ekspor API", description = "Export-trade courses, learning progress, accounts and API keys. Errors are RFC 9457 problem+json with a stable `code` and the `request_id`."),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "developer", description = "Developer role and API keys"),
        (name = "courses", description = "The public catalog and certificates"),
        (name = "learning", description = "Enrolment, content, progress and quizzes"),
        (name = "content admin", description = "Course authoring (admins)"),
        (name = "admin", description = "Users and the audit trail (admins)"),
    )
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// The API routes under `/api/v1` and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(routes::auth::router())
                .merge(routes::developer::router())
                .merge(routes::users::router())
                .merge(routes::courses::router())
                .merge(routes::course_admin::router())
                .merge(routes::admin::router()),
        )
        .split_for_parts()
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application, ready to serve (or to drive with `tower::ServiceExt::oneshot`).
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_upload_bytes;
    let limiter = state.limiter.clone();
    let metrics = state.metrics.clone();
    let cors = cors(&state.settings.cors_origins);
    let (api, doc) = api();
    // The docs page runs Swagger UI's own scripts and inline styles (served from this binary).
    let docs = Router::<AppState>::from(SwaggerUi::new("/docs").url("/api/v1/openapi.json", doc))
        .layer(axum::middleware::map_response(docs_csp));
    Router::new()
        .merge(routes::system::router())
        .merge(api)
        .merge(docs)
        .fallback(not_found)
        .with_state(state)
        // Each layer wraps those before it. The problem layer wraps the body limits and the
        // rate limiter (so their 413 and 429 get the common shape) and sits inside the
        // request-id layers (so it sees the id). Metrics see every final status.
        .layer(DefaultBodyLimit::max(max_body))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        .layer(axum::middleware::from_fn_with_state(
            limiter,
            ratelimit::limit,
        ))
        .layer(axum::middleware::from_fn(problem_details))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

async fn docs_csp(mut res: axum::response::Response) -> axum::response::Response {
    res.headers_mut().insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
        ),
    );
    res
}

/// CORS for the configured origins only; with none, no cross-origin access is granted.
fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| match HeaderValue::from_str(o.trim_end_matches('/')) {
            Ok(v) => Some(v),
            Err(_) => {
                tracing::warn!(origin = %o, "ignoring an invalid CORS origin");
                None
            }
        })
        .collect();
    if allowed.is_empty() {
        return CorsLayer::new();
    }
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-api-key"),
            HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([HeaderName::from_static("x-request-id")])
        .max_age(std::time::Duration::from_secs(600))
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
