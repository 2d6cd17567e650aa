//! Admins' user management: the account list and changes of role and status.

use super::{Context, users};
use crate::error::{ServerError, too_long};
use crate::paging::{PageParams, fetch_page};
use crate::policy::{Actor, Operation};
use crate::storage::contains;
use crate::storage::entities::user;
use pintar_core::api::{AdminUserUpdate, Page, Role, UserProfile};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use uuid::Uuid;

/// Filters of the user list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Text in the email or display name (case-insensitive), at most 200 characters.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only active (true) or disabled (false) accounts.
    pub active: Option<bool>,
}

/// Accounts, newest first, filtered and paged.
pub async fn list_users(
    ctx: &Context,
    actor: &Actor,
    filter: UserFilter,
    paging: PageParams,
) -> Result<Page<UserProfile>, ServerError> {
    actor.require(Operation::ListUsers)?;
    too_long("q", filter.q.as_deref(), 200)?;
    let mut query = user::Entity::find();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        query = query.filter(
            Condition::any()
                .add(Expr::col(user::Column::Email).like(contains(q)))
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName))).like(contains(q)),
                ),
        );
    }
    if let Some(role) = filter.role {
        query = query.filter(user::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        query = query.filter(user::Column::IsActive.eq(active));
    }
    let query = query
        .order_by_desc(user::Column::CreatedAt)
        .order_by_desc(user::Column::Id);
    fetch_page(&ctx.db, query, paging, users::profile).await
}

/// Changes another account's role or status. A role change is emailed; a demotion to
/// learner revokes the account's API keys; disabling ends its sessions and stops its keys.
/// Everything takes effect on the account's next request. Admins cannot change their own
/// account here (so the last admin cannot lock everyone out by mistake).
pub async fn update_user(
    ctx: &Context,
    actor: &Actor,
    id: &str,
    req: AdminUserUpdate,
) -> Result<UserProfile, ServerError> {
    let admin = actor.require(Operation::UpdateUser)?;
    let id = Uuid::parse_str(id).map_err(|_| ServerError::NotFound("user".into()))?;
    let change =
        users::admin_update(&ctx.db, &actor.origin, admin, id, req, &ctx.mail.policy).await?;
    ctx.mail.wake();
    if change.revoked {
        ctx.credentials_changed();
    }
    users::profile(&change.user)
}
