//! The SQLite backend: opens the file, and states the SQLite side of [`Dialect`]; the repo
//! traits themselves are implemented once, in `super::sql`.
//!
//! Tuned for a single-node gateway whose most precious writes are rotated refresh tokens:
//! WAL lets readers run beside the one writer, and `synchronous=FULL` makes every commit
//! survive a power cut (with NORMAL a crash can drop the last commits, and a rotated token
//! lost that way kills the account for good).

use std::path::Path;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::Sqlite;

use super::sql::{Dialect, SqlStore, Statement};
use super::{StoreError, StoreResult};

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// How long a statement waits for another connection's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// WAL allows many concurrent readers; writes still serialise on the file lock.
const MAX_CONNECTIONS: u32 = 8;

pub type SqliteStore = SqlStore<Sqlite>;

impl SqlStore<Sqlite> {
    /// Opens (creating it and its folder when missing) the database file at `path` and
    /// brings the schema up to date.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Open(format!(
                    "cannot create the database folder {}: {e}",
                    parent.display()
                ))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(|e| {
                StoreError::Open(format!("cannot open SQLite file {}: {e}", path.display()))
            })?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(SqliteStore { pool })
    }
}

impl Dialect for Sqlite {
    const DRIVER: &'static str = "sqlite";
    /// TEXT compares bytewise (the BINARY collation) by default.
    const ALL_SETTINGS: &'static str = "SELECT key, value FROM settings ORDER BY key";

    /// SQLite's `lower()` folds ASCII letters only.
    fn ascii_lower(expr: &str) -> String {
        format!("lower({expr})")
    }

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    fn narrow<'q, 'a: 'q>(query: Query<'q, Self, Self::Arguments<'a>>) -> Statement<'q, Self> {
        query
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// The durability settings are the point of this backend; a regression here would
    /// only show up as lost refresh tokens after a crash.
    #[tokio::test]
    async fn connections_use_wal_full_sync_and_foreign_keys() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(&dir.path().join("a").join("b.db"))
            .await
            .expect("open");
        let mut conn = store.pool.acquire().await.expect("connection");
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut *conn)
            .await
            .expect("q");
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .expect("q");
        let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .expect("q");
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut *conn)
            .await
            .expect("q");
        assert_eq!(journal, "wal");
        assert_eq!(synchronous, 2, "2 = FULL");
        assert_eq!(foreign_keys, 1);
        assert_eq!(busy, 5_000);
        drop(conn);
        store.close().await;
    }
}
