//! `/api/v1/auth/*`: register, token (login), refresh, logout.

use crate::app::AppState;
use crate::audit::{self, Change, Operation, RequestMeta};
use crate::auth::{
    ACCESS_TTL_SECS, REFRESH_TTL_DAYS, dummy_hash, hash_password, hash_token, random_token,
    verify_password,
};
use crate::error::{FieldError, ServerError};
use crate::routes::users::{audit_json, profile, update_user};
use crate::storage::entities::{refresh_token, user};
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::Utc;
use pintar_core::api::{
    LoginRequest, RefreshRequest, RegisterRequest, Role, TokenResponse, UserProfile,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, SqlErr,
    TransactionTrait,
};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// Routes of this module (anonymous callers allowed on all of them).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(token))
        .routes(routes!(refresh))
        .routes(routes!(logout))
}

/// Checks the fields of a registration.
fn validate_registration(r: &RegisterRequest) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let email = r.email.trim();
    let at = email.find('@');
    if email.len() > 254 || at.is_none_or(|i| i == 0 || !email[i + 1..].contains('.')) {
        errors.push(FieldError {
            field: "email".into(),
            message: "must be an email address like name@example.com".into(),
        });
    }
    errors.extend(validate_password(&r.password));
    let name = r.display_name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError {
            field: "display_name".into(),
            message: "must be 1 to 100 characters".into(),
        });
    }
    errors
}

/// Password rules: 10 to 1024 characters.
pub fn validate_password(password: &str) -> Option<FieldError> {
    let n = password.chars().count();
    (!(10..=1024).contains(&n)).then(|| FieldError {
        field: "password".into(),
        message: "must be 10 to 1024 characters".into(),
    })
}

/// Create a learner account.
///
/// Anyone.
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = UserProfile), (status = 409, description = "email taken"), (status = 422)))]
async fn register(
    State(state): State<AppState>,
    meta: RequestMeta,
    Json(req): Json<RegisterRequest>,
) -> Result<(StatusCode, Json<UserProfile>), ServerError> {
    let errors = validate_registration(&req);
    if !errors.is_empty() {
        return Err(ServerError::Validation(errors));
    }
    let email = req.email.trim().to_lowercase();
    let taken = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db)
        .await?;
    if taken.is_some() {
        return Err(email_taken());
    }
    let password_hash = hash_password(req.password).await?;
    let now = Utc::now();
    let txn = state.db.begin().await?;
    let created = user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email),
        password_hash: Set(password_hash),
        display_name: Set(req.display_name.trim().to_string()),
        role: Set(Role::Public.as_str().into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => email_taken(),
        _ => ServerError::from(e),
    })?;
    let change = Change {
        op: Operation::Insert,
        table: "users",
        record_id: created.id,
        old: None,
        new: Some(audit_json(&created)),
    };
    audit::record(&txn, &meta, Some(created.id), change).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(profile(&created)?)))
}

fn email_taken() -> ServerError {
    ServerError::Conflict("an account with this email already exists".into())
}

/// The OAuth2 password grant as a form.
#[derive(Debug, Deserialize)]
struct PasswordGrant {
    grant_type: Option<String>,
    username: String,
    password: String,
}

/// Login credentials from a JSON body or an OAuth2 form.
struct Credentials(LoginRequest);

impl FromRequest<AppState> for Credentials {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if is_form {
            let Form(grant) = Form::<PasswordGrant>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            if grant.grant_type.as_deref().is_some_and(|g| g != "password") {
                return Err(ServerError::Validation(vec![FieldError {
                    field: "grant_type".into(),
                    message: "only the password grant is supported here".into(),
                }])
                .into_response());
            }
            Ok(Self(LoginRequest {
                email: grant.username,
                password: grant.password,
            }))
        } else {
            let Json(login) = Json::<LoginRequest>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
            Ok(Self(login))
        }
    }
}

fn bad_credentials() -> ServerError {
    ServerError::Unauthorized("wrong email or password".into())
}

/// Sign in: JSON `{email, password}` or the OAuth2 password form
/// (`grant_type=password&username=…&password=…`). Returns an access and a refresh token.
///
/// Anyone.
#[utoipa::path(post, path = "/auth/token", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = TokenResponse), (status = 401, description = "wrong credentials or disabled account")))]
async fn token(
    State(state): State<AppState>,
    meta: RequestMeta,
    Credentials(login): Credentials,
) -> Result<Json<TokenResponse>, ServerError> {
    let email = login.email.trim().to_lowercase();
    let found = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&state.db)
        .await?;
    let hash = found
        .as_ref()
        .map_or_else(dummy_hash, |u| u.password_hash.clone());
    let ok = verify_password(login.password, hash).await;
    let Some(account) = found.filter(|_| ok) else {
        state.metrics.login(false);
        return Err(bad_credentials());
    };
    if !account.is_active {
        state.metrics.login(false);
        return Err(ServerError::Unauthorized("this account is disabled".into()));
    }
    state.metrics.login(true);
    let txn = state.db.begin().await?;
    let now = Utc::now();
    let mut active: user::ActiveModel = account.clone().into();
    active.last_login_at = Set(Some(now));
    let updated = update_user(&txn, &meta, Some(account.id), &account, active).await?;
    let refresh_token = issue_refresh(&txn, Uuid::now_v7(), account.id, Uuid::now_v7()).await?;
    txn.commit().await?;
    tokens(&state, &updated, refresh_token).map(Json)
}

/// Stores a new refresh token of `family` with the given row id and returns it in the clear
/// (shown once).
async fn issue_refresh<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    user_id: Uuid,
    family: Uuid,
) -> Result<String, ServerError> {
    let token = random_token(32);
    let now = Utc::now();
    refresh_token::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        family_id: Set(family),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + chrono::Duration::days(REFRESH_TTL_DAYS)),
        revoked_at: Set(None),
        replaced_by: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(token)
}

fn tokens(
    state: &AppState,
    account: &user::Model,
    refresh_token: String,
) -> Result<TokenResponse, ServerError> {
    let role = account
        .role
        .parse::<Role>()
        .map_err(|e| ServerError::Internal(format!("stored role: {e}")))?;
    Ok(TokenResponse {
        access_token: state.auth.issue(account.id, role)?,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECS,
        refresh_token,
    })
}

/// Revokes every live refresh token whose `column` equals `value`: a family
/// (`FamilyId`, on reuse or logout) or all of a user's (`UserId`, on a password change).
pub async fn revoke_tokens<C: ConnectionTrait>(
    conn: &C,
    column: refresh_token::Column,
    value: Uuid,
) -> Result<(), ServerError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(column.eq(value))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Exchange a refresh token for new tokens (rotation; reusing a rotated token revokes its
/// whole family).
///
/// Anyone holding a refresh token.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenResponse), (status = 401)))]
async fn refresh(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenResponse>, ServerError> {
    let invalid =
        || ServerError::Unauthorized("the refresh token is not valid; sign in again".into());
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(req.refresh_token.trim())))
        .one(&state.db)
        .await?
        .ok_or_else(invalid)?;
    if stored.revoked_at.is_some() {
        if stored.replaced_by.is_some() {
            // A rotated token came back: someone holds a copy. End the whole session.
            revoke_tokens(&state.db, refresh_token::Column::FamilyId, stored.family_id).await?;
            tracing::warn!(user = %stored.user_id, "refresh token reuse; family revoked");
        }
        return Err(invalid());
    }
    if stored.expires_at <= Utc::now() {
        return Err(invalid());
    }
    let account = user::Entity::find_by_id(stored.user_id)
        .one(&state.db)
        .await?
        .filter(|u| u.is_active)
        .ok_or_else(invalid)?;
    let txn = state.db.begin().await?;
    let next_id = Uuid::now_v7();
    // Claim the old token first: of two concurrent refreshes with it, only one wins.
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(refresh_token::Column::ReplacedBy, Expr::value(next_id))
        .filter(refresh_token::Column::Id.eq(stored.id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        txn.rollback().await?;
        return Err(invalid());
    }
    let token = issue_refresh(&txn, next_id, account.id, stored.family_id).await?;
    txn.commit().await?;
    tokens(&state, &account, token).map(Json)
}

/// End a session: revokes the refresh token's family (idempotent).
///
/// Anyone holding a refresh token.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = RefreshRequest,
    responses((status = 204)))]
async fn logout(
    State(state): State<AppState>,
    Json(req): Json<RefreshRequest>,
) -> Result<StatusCode, ServerError> {
    let stored = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash_token(req.refresh_token.trim())))
        .one(&state.db)
        .await?;
    if let Some(t) = stored {
        revoke_tokens(&state.db, refresh_token::Column::FamilyId, t.family_id).await?;
    }
    // Idempotent: an unknown or already revoked token is logged out too.
    Ok(StatusCode::NO_CONTENT)
}
