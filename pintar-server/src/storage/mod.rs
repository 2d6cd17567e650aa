//! One storage layer over two engines: SQLite (embedded default, a file in WAL mode) and
//! PostgreSQL (`DATABASE_URL=postgres://…`). The same migrations and queries serve both.

pub mod entities;
pub mod migration;
pub mod sql;

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::Path;
use std::time::Duration;

/// The SQLite URL for the database file in `data_dir` (created when missing).
pub fn sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("pintar.db").display())
}

/// Creates the SQLite file of `url` readable by its owner only (it holds password hashes),
/// or takes group and world access away from one that exists. SQLite gives its `-wal` and
/// `-shm` files the main file's permissions.
fn restrict_sqlite_file(url: &str) -> Result<(), DbErr> {
    let Some(rest) = url.strip_prefix("sqlite://") else {
        return Ok(());
    };
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(':') {
        return Ok(());
    }
    owner_only(Path::new(path))
        .map_err(|e| DbErr::Custom(format!("cannot secure the database file {path}: {e}")))
}

#[cfg(unix)]
fn owner_only(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn owner_only(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Connects to `url` (`sqlite://…` or `postgres://…`) and prepares the connection.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    restrict_sqlite_file(url)?;
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers run beside the writer; the setting lives in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
        db.execute_unprepared("PRAGMA foreign_keys=ON;").await?;
    }
    Ok(db)
}

/// A `LIKE` pattern matching `text` anywhere (lower-cased), with `%`, `_` and `\` taken
/// literally.
pub fn contains(text: &str) -> sea_orm::sea_query::LikeExpr {
    let escaped: String = text
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Applies pending migrations (idempotent).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::Migrator::up(db, None).await
}

/// Begins a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so concurrent writers wait their turn (the busy timeout) instead of
/// failing when a read-then-write transaction finds its snapshot stale; PostgreSQL begins
/// as usual.
pub async fn write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
