//! The first admin, on both engines.

use crate::support;
use pintar_server::engine_tests;

use pintar_core::api::{Role, TokenResponse, UserProfile};
use pintar_server::accounts::bootstrap::{DEFAULT_ADMIN_EMAIL, create_admin, ensure_admin};
use pintar_server::storage::entities::user;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use support::{Engine, TestServer};

async fn admins(s: &TestServer) -> u64 {
    user::Entity::find()
        .filter(user::Column::Role.eq("admin"))
        .count(&s.db.db)
        .await
        .expect("count")
}

engine_tests!(generated_admin_once_and_it_can_sign_in);
async fn generated_admin_once_and_it_can_sign_in(engine: Engine) {
    let s = TestServer::start(engine).await;
    let generated = ensure_admin(&s.db.db, None, None)
        .await
        .expect("bootstrap")
        .expect("generated");
    assert_eq!(generated.email, DEFAULT_ADMIN_EMAIL);
    assert!(generated.password.len() >= 20);
    assert!(
        ensure_admin(&s.db.db, None, None)
            .await
            .expect("again")
            .is_none(),
        "only once"
    );
    assert_eq!(admins(&s).await, 1, "{engine:?}");
    let tokens: TokenResponse = s
        .login(&generated.email, &generated.password)
        .await
        .json()
        .await
        .expect("tokens");
    let me: UserProfile = s
        .client
        .get(s.url("/api/v1/users/me"))
        .bearer_auth(&tokens.access_token)
        .send()
        .await
        .expect("me")
        .json()
        .await
        .expect("profile");
    assert_eq!(me.role, Role::Admin);
    s.stop().await;
}

engine_tests!(configured_admin_and_promotion);
async fn configured_admin_and_promotion(engine: Engine) {
    let s = TestServer::start(engine).await;
    let none = ensure_admin(
        &s.db.db,
        Some("Boss@Example.id"),
        Some("a-long-admin-password"),
    )
    .await
    .expect("bootstrap");
    assert!(none.is_none(), "nothing to print when configured");
    ensure_admin(
        &s.db.db,
        Some("boss@example.id"),
        Some("a-long-admin-password"),
    )
    .await
    .expect("idempotent");
    assert_eq!(admins(&s).await, 1);
    let login = s.login("boss@example.id", "a-long-admin-password").await;
    assert_eq!(login.status(), 200, "{engine:?}");

    // create-admin promotes an existing learner.
    assert_eq!(s.register("ketut@example.id").await.status(), 201);
    let promoted = create_admin(&s.db.db, "ketut@example.id", "new-admin-password")
        .await
        .expect("promote");
    assert_eq!(promoted.role, "admin");
    assert_eq!(admins(&s).await, 2);
    assert!(
        create_admin(&s.db.db, "x@example.id", "short")
            .await
            .is_err(),
        "weak password refused"
    );
    s.stop().await;
}
