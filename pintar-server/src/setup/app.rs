//! Building the application: routes and layers, and serving it.

use crate::api;
use crate::api::openapi::{ApiDoc, ErrorResponses};
use crate::http::access;
use crate::http::gate::gate;
use crate::http::middleware::{not_found, problem_details, screen_request_id, security_headers};
use crate::metrics;
use crate::setup::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// The API routes under `/api/v1` and their OpenAPI document.
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            OpenApiRouter::new()
                .merge(api::auth::router())
                .merge(api::keys::router())
                .merge(api::users::router())
                .merge(api::recovery::router())
                .merge(api::courses::router())
                .merge(api::authoring::router())
                .merge(api::admin::router())
                .merge(api::analysis::router())
                .merge(api::insights::router()),
        )
        .split_for_parts();
    // The document's modifiers ran before the routes were merged in.
    ErrorResponses::apply(&mut doc);
    (router, doc)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

/// The whole application, ready to serve (or to drive with `tower::ServiceExt::oneshot`).
pub fn router(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let metrics = state.metrics.clone();
    let cors = cors(&state.settings.cors_origins);
    let state_for_gate = state.clone();
    let (api, doc) = api();
    // After routing, before any handler reads a body: who may call the matched route.
    let api = api.route_layer(axum::middleware::from_fn(access::api));
    // The docs page runs Swagger UI's own scripts and inline styles (served from this binary).
    let docs = Router::<AppState>::from(SwaggerUi::new("/docs").url("/api/v1/openapi.json", doc))
        .layer(axum::middleware::map_response(docs_csp));
    Router::new()
        .merge(api::system::router())
        .merge(api)
        .merge(docs)
        .merge(crate::web::router(state.clone()))
        .fallback(fallback)
        .with_state(state.clone())
        // Each layer wraps those before it. The problem layer wraps the body limit and the
        // gate (so their 413, 401 and 429 get the common shape) and sits inside the
        // request-id layers (so it sees the id). Metrics see every final status. Upload
        // routes read their bodies with their own, larger limit (`upload`).
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(state_for_gate, gate))
        .layer(axum::middleware::from_fn(problem_details))
        .layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .layer(cors)
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(screen_request_id))
}

/// 404: a problem document under the API, a page elsewhere.
async fn fallback(
    state: axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    if req.uri().path().starts_with("/api/") {
        not_found().await
    } else {
        crate::web::not_found(state, req).await
    }
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
