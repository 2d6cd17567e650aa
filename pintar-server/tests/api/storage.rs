//! The one schema on both engines: migrations apply (twice, idempotently), ids and UTC
//! timestamps round-trip, and constraints hold.

use crate::support;
use pintar_server::engine_tests;

use chrono::{SubsecRound, Utc};
use pintar_server::storage::{self, entities::user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use support::{Engine, TestDb};

fn new_user(email: &str) -> user::ActiveModel {
    let now = Utc::now().trunc_subsecs(6);
    user::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        email: Set(email.into()),
        password_hash: Set("$argon2id$v=19$m=19456,t=2,p=1$placeholder".into()),
        display_name: Set("Siti".into()),
        role: Set("public".into()),
        is_active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        email_verified_at: Set(None),
    }
}

engine_tests!(schema_and_round_trip_on_both_engines);
async fn schema_and_round_trip_on_both_engines(engine: Engine) {
    let t = TestDb::new(engine).await;
    storage::migrate(&t.db)
        .await
        .expect("second migration run is a no-op");
    let inserted = new_user("siti@example.id")
        .insert(&t.db)
        .await
        .expect("insert");
    let found = user::Entity::find()
        .filter(user::Column::Email.eq("siti@example.id"))
        .one(&t.db)
        .await
        .expect("query")
        .expect("row");
    assert_eq!(found, inserted, "{engine:?}");
    assert_eq!(found.id.get_version_num(), 7);
    let dup = new_user("siti@example.id").insert(&t.db).await;
    assert!(dup.is_err(), "{engine:?}: email is unique");
    t.cleanup().await;
}
