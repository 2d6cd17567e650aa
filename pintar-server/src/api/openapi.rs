//! The OpenAPI document: its fixed parts, and the error statuses every operation can
//! answer, added in one place from what the layers do (the gate's 401 and 429, the access
//! policy's 403, the extractors' 400/413/415/422, 404 for ids in the path, 503 for an
//! unavailable database), each as `application/problem+json`.

use crate::http::access;
use crate::policy::Permission;
use axum::http::Method;
use pintar_core::api::{FieldError, PROBLEM_JSON, Problem};
use utoipa::openapi::path::{Operation as PathOperation, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// The OpenAPI document's fixed parts; paths come from the routers.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Pintar Ekspor API", description = "Export-trade courses, learning progress, accounts and API keys. Errors are RFC 9457 problem+json with a stable `code` and the `request_id`. API keys (`X-API-Key` or `Authorization: ApiKey`) reach only their scopes: `courses:read` (the catalog), `learning` (enrolment, content, progress, quizzes) and `analytics`; managing keys, changing the account, upgrading and `/admin` need a signed-in session (`Authorization: Bearer`)."),
    modifiers(&Security),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "keys", description = "The developer role and API keys"),
        (name = "courses", description = "The public catalog and certificates"),
        (name = "learning", description = "Enrolment, content, progress and quizzes"),
        (name = "authoring", description = "Course authoring (admins)"),
        (name = "admin", description = "Users, the audit trail and the email outbox (admins)"),
        (name = "analysis", description = "Analysis of uploaded time series: analyses, stored runs and jobs"),
        (name = "insights", description = "Platform figures: how learners use the courses (progress, engagement, completion, activity with a forecast)"),
    )
)]
pub struct ApiDoc;

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

/// The error statuses of every operation, added to the finished document (the derive's
/// modifiers run before the routers add their paths).
pub struct ErrorResponses;

impl ErrorResponses {
    /// Adds the statuses to every operation of `openapi` (idempotent).
    pub fn apply(openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let operations = [
                (Method::GET, &mut item.get),
                (Method::POST, &mut item.post),
                (Method::PUT, &mut item.put),
                (Method::PATCH, &mut item.patch),
                (Method::DELETE, &mut item.delete),
            ];
            for (method, op) in operations {
                if let Some(op) = op {
                    document(path, &method, op);
                }
            }
        }
    }
}

fn document(path: &str, method: &Method, op: &mut PathOperation) {
    let permission = access::api_operation(method, path).map(|o| o.permission());
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let mut statuses = vec![
        (
            "401",
            "credentials are missing, malformed, invalid, revoked or expired",
        ),
        ("429", "rate limited; see Retry-After"),
        ("503", "the database is unavailable; see Retry-After"),
    ];
    // Only routes that admit every caller never refuse one.
    let open = permission == Some(Permission::Public);
    if !open {
        statuses.push(("403", "the role or the API key's scopes do not allow this"));
    }
    if op.request_body.is_some() {
        statuses.extend([
            (
                "400",
                "the body is not valid JSON or not of the expected shape",
            ),
            ("413", "the body is too large"),
            ("415", "the body is not JSON"),
            ("422", "invalid fields"),
        ]);
    }
    if in_query {
        statuses.extend([
            ("400", "a query parameter is not of the expected type"),
            ("422", "a query parameter is out of range"),
        ]);
    }
    if in_path {
        statuses.push(("404", "no such resource"));
    }
    let responses = &mut op.responses.responses;
    for (status, description) in statuses {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(description));
    }
    // Every error is problem+json, whatever the route's own annotation said.
    for (status, response) in responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            let description = match response {
                RefOr::T(r) if !r.description.is_empty() => r.description.clone(),
                _ => "error".to_string(),
            };
            *response = problem_response(&description);
        }
    }
}

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}
