//! The account's own use cases: registering, reading and changing the profile, and
//! becoming a developer (which issues the first API key).

use super::{Context, users};
use crate::error::ServerError;
use crate::policy::{Actor, Operation};
use pintar_core::api::{ApiKeyCreated, RegisterRequest, UpdateProfileRequest, UserProfile};

/// Creates a learner account.
pub async fn register(
    ctx: &Context,
    actor: &Actor,
    req: RegisterRequest,
) -> Result<UserProfile, ServerError> {
    actor.authorize(Operation::Register)?;
    let verify = ctx
        .links
        .require_verification
        .then_some((&ctx.mail.policy, &ctx.links));
    let created = users::register(&ctx.db, &actor.origin, req, verify).await?;
    ctx.mail.wake();
    users::profile(&created)
}

/// The actor's profile.
pub async fn profile(ctx: &Context, actor: &Actor) -> Result<UserProfile, ServerError> {
    let caller = actor.require(Operation::ReadProfile)?;
    users::profile(&users::load(&ctx.db, caller.id).await?)
}

/// Changes the actor's display name or password. A new password needs the current one
/// and ends every other session at once.
pub async fn update_profile(
    ctx: &Context,
    actor: &Actor,
    req: UpdateProfileRequest,
) -> Result<UserProfile, ServerError> {
    let caller = actor.require(Operation::UpdateProfile)?;
    let updated = users::update_profile(&ctx.db, &actor.origin, caller, req).await?;
    // Other sessions may have ended (a new password) and the name changed: this instance
    // must not serve either from its cache.
    ctx.credentials_changed();
    users::profile(&updated)
}

/// Makes a learner a developer and returns the first API key, shown once (the owner is
/// emailed its prefix). Anyone else gets 409.
pub async fn upgrade(ctx: &Context, actor: &Actor) -> Result<ApiKeyCreated, ServerError> {
    let caller = actor.require(Operation::Upgrade)?;
    let key = users::upgrade(&ctx.db, &actor.origin, caller, &ctx.mail.policy).await?;
    ctx.mail.wake();
    // The role is read per request: drop the cached one.
    ctx.credentials_changed();
    Ok(key)
}
