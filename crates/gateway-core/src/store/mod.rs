//! Persistence: one small repo trait per aggregate, a `Store` supertrait, the row models,
//! and the SQLite / PostgreSQL implementations chosen once from the database URL.
//!
//! Timestamps are unix milliseconds (`i64`) in both dialects, so the two backends agree
//! byte-for-byte and conversions happen only at the admin-API edge.

mod models;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod rows;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod usage_models;

pub use models::*;
pub use usage_models::*;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::DatabaseConfig;

/// What can go wrong talking to the store. Callers branch on `NotFound` and `Conflict`;
/// everything else is an operational failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Backend(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// The database could not be opened at all (folder not creatable, server unreachable,
    /// backend not compiled in). The message is self-contained and never holds a password.
    #[error("{0}")]
    Open(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Backend(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait AccountRepo: Send + Sync {
    /// Inserts a new account. `Conflict` when `identity_key` already exists.
    async fn insert_account(&self, new: &NewAccount) -> StoreResult<Account>;
    /// Soft-deleted rows are returned too (with `deleted_at` set), so a holder of an id (a
    /// usage view, a refresh in flight) can tell "deleted" from "never existed".
    async fn get_account(&self, id: i64) -> StoreResult<Account>;
    /// Finds a live (not deleted) account by its identity key, for import de-duplication.
    async fn find_account_by_identity(&self, identity_key: &str) -> StoreResult<Option<Account>>;
    /// One page of live accounts matching the filter, newest first, plus the total count.
    async fn list_accounts(&self, filter: &AccountFilter) -> StoreResult<Page<Account>>;
    /// Every live account, by ascending id; the scheduler snapshot is built from this.
    async fn all_accounts(&self) -> StoreResult<Vec<Account>>;
    /// Applies the `Some` fields of the patch and bumps `updated_at`. `NotFound` for an
    /// unknown or soft-deleted id.
    async fn update_account(&self, id: i64, patch: &AccountPatch) -> StoreResult<Account>;
    /// Replaces the sealed credentials and bumps `credential_generation`, in one statement.
    /// The write always happens (a rotated token must never be dropped); the result says
    /// whether the stored generation still equalled `expected_generation`. It also sets
    /// `state = active`, clears `state_reason`, and bumps `updated_at`. A soft-deleted row is
    /// written too (it stays deleted); `NotFound` only for an id that never existed.
    async fn write_credentials(
        &self,
        id: i64,
        expected_generation: i64,
        update: &CredentialUpdate,
    ) -> StoreResult<CredentialWrite>;
    /// Soft delete: sets `deleted_at`; the row is no longer listed or found by identity.
    /// `NotFound` for an unknown or already deleted id.
    async fn delete_account(&self, id: i64) -> StoreResult<()>;
    async fn count_accounts(&self) -> StoreResult<AccountCounts>;
    /// `NotFound` when the account does not exist.
    async fn append_account_event(&self, event: &NewAccountEvent) -> StoreResult<()>;
    /// The most recent events of one account, newest first; `limit` is clamped to
    /// `0..=MAX_PAGE_SIZE`.
    async fn account_events(&self, account_id: i64, limit: i64) -> StoreResult<Vec<AccountEvent>>;
}

#[async_trait]
pub trait ApiKeyRepo: Send + Sync {
    /// Inserts a key. `Conflict` when the hash already exists.
    async fn insert_api_key(&self, new: &NewApiKey) -> StoreResult<ApiKey>;
    async fn get_api_key(&self, id: i64) -> StoreResult<ApiKey>;
    async fn find_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
    /// Every key, newest first.
    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// Applies the `Some` fields and bumps `updated_at`; `NotFound` for an unknown id.
    async fn update_api_key(&self, id: i64, patch: &ApiKeyPatch) -> StoreResult<ApiKey>;
    /// Hard delete (usage rows keep the id); `NotFound` for an unknown id.
    async fn delete_api_key(&self, id: i64) -> StoreResult<()>;
    async fn count_api_keys(&self) -> StoreResult<i64>;
    /// Adds to `tokens_used` and sets `last_used_at`, which never moves backwards (batched
    /// writers may flush out of order). `NotFound` for an unknown id.
    async fn record_api_key_use(&self, id: i64, tokens: i64, at: i64) -> StoreResult<()>;
}

#[async_trait]
pub trait SettingsRepo: Send + Sync {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Every setting, ordered by key bytewise (the same order on both backends).
    async fn all_settings(&self) -> StoreResult<Vec<(String, String)>>;
    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()>;
    /// Writes the value only when the key is absent; returns whether it was written.
    /// Used for first-start defaults and for the secret-key fingerprint.
    async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<bool>;
}

#[async_trait]
pub trait UsageRepo: Send + Sync {
    /// Inserts a batch in one transaction (the usage writer calls this).
    async fn insert_usage_batch(&self, rows: &[NewUsageLog]) -> StoreResult<()>;
    /// One page of matching rows, newest first, plus the total count.
    async fn list_usage(&self, filter: &UsageFilter) -> StoreResult<Page<UsageLog>>;
    /// Deletes rows created before `before` (unix ms); returns how many went. Works in
    /// bounded batches so a big purge never holds the SQLite write lock for long (a
    /// credential write waiting behind it would otherwise hit the busy timeout).
    async fn delete_usage_before(&self, before: i64) -> StoreResult<u64>;
    /// Inserts the rows and folds `rollups` (pre-aggregated, one entry per cell) into the
    /// rollup table, in one transaction: the log and its rollups never disagree, and a
    /// failed batch can be retried without counting anything twice.
    async fn record_usage(&self, rows: &[NewUsageLog], rollups: &[UsageRollup]) -> StoreResult<()>;
    /// Sums over the raw log, grouped by time bucket (and model when asked), ordered by
    /// bucket then model bytewise. Empty buckets are absent.
    async fn aggregate_usage(
        &self,
        query: &UsageAggregateQuery,
    ) -> StoreResult<Vec<UsageAggregate>>;
}

#[async_trait]
pub trait RollupRepo: Send + Sync {
    /// The cells of one granularity and dimension in a bucket range, ordered by bucket then
    /// key bytewise.
    async fn usage_rollups(&self, query: &RollupQuery) -> StoreResult<Vec<UsageRollup>>;
    /// Deletes every rollup cell; returns how many went.
    async fn clear_usage_rollups(&self) -> StoreResult<u64>;
}

#[async_trait]
pub trait QuotaRepo: Send + Sync {
    /// Stores the windows, replacing the stored window of the same account and kind unless
    /// the stored one was observed later (observations may arrive out of order).
    /// `NotFound` when an account does not exist.
    async fn upsert_quota_windows(&self, windows: &[AccountQuotaWindow]) -> StoreResult<()>;
    /// Removes one window of one account; returns whether it existed.
    async fn delete_quota_window(
        &self,
        account_id: i64,
        kind: QuotaWindowKind,
    ) -> StoreResult<bool>;
    /// Every stored window, ordered by account id then kind (5h, 7d, short).
    async fn all_quota_windows(&self) -> StoreResult<Vec<AccountQuotaWindow>>;
}

#[async_trait]
pub trait CooldownRepo: Send + Sync {
    /// Replaces every stored cooldown of the account with `cooldowns` (none clears them).
    /// `NotFound` when the account does not exist.
    async fn replace_cooldowns(
        &self,
        account_id: i64,
        cooldowns: &[StoredCooldown],
    ) -> StoreResult<()>;
    /// Every cooldown still running at `now` (unix ms), ordered by account id then scope;
    /// ended ones are deleted.
    async fn active_cooldowns(&self, now: i64) -> StoreResult<Vec<StoredCooldown>>;
}

/// The whole persistence surface, held as `Arc<dyn Store>` in the app state.
#[async_trait]
pub trait Store:
    AccountRepo
    + ApiKeyRepo
    + SettingsRepo
    + UsageRepo
    + RollupRepo
    + QuotaRepo
    + CooldownRepo
    + Send
    + Sync
{
    /// `"sqlite"` or `"postgres"`.
    fn driver(&self) -> &'static str;
    /// A cheap round trip, for `/health`.
    async fn ping(&self) -> StoreResult<()>;
    /// Closes the pool, waiting for checked-out connections.
    async fn close(&self);
}

/// Rows per page when a filter asks for `page_size <= 0`.
pub const DEFAULT_PAGE_SIZE: i64 = 50;
/// Upper bound of `page_size` and of event `limit`, so one request cannot pull a whole table.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Opens the configured backend and runs its migrations.
pub async fn open(config: &DatabaseConfig) -> Result<Arc<dyn Store>, StoreError> {
    match config {
        #[cfg(feature = "sqlite")]
        DatabaseConfig::Sqlite { path } => Ok(Arc::new(sqlite::SqliteStore::open(path).await?)),
        #[cfg(not(feature = "sqlite"))]
        DatabaseConfig::Sqlite { .. } => Err(StoreError::Open(
            "this build has no SQLite support (cargo feature `sqlite` is disabled)".to_owned(),
        )),
        #[cfg(feature = "postgres")]
        DatabaseConfig::Postgres { url } => Ok(Arc::new(postgres::PgStore::connect(url).await?)),
        #[cfg(not(feature = "postgres"))]
        DatabaseConfig::Postgres { .. } => Err(StoreError::Open(
            "this build has no PostgreSQL support (cargo feature `postgres` is disabled)"
                .to_owned(),
        )),
    }
}

/// `(limit, offset)` for a 1-based `page` (below 1 means the first page) and a `page_size`
/// clamped to `1..=MAX_PAGE_SIZE` (`<= 0` means [`DEFAULT_PAGE_SIZE`]).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn page_window(page: i64, page_size: i64) -> (i64, i64) {
    let size = if page_size <= 0 {
        DEFAULT_PAGE_SIZE
    } else {
        page_size.min(MAX_PAGE_SIZE)
    };
    let offset = page.max(1).saturating_sub(1).saturating_mul(size);
    (size, offset)
}

/// A `LIKE` pattern matching `needle` as a substring, ASCII-lowercased, with `\` as the
/// escape character. Case folding is ASCII-only on purpose: SQLite's `lower()` folds only
/// ASCII, and both backends must match the same rows.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn like_substring(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c.to_ascii_lowercase());
    }
    pattern.push('%');
    pattern
}

/// Wall-clock unix milliseconds, for the few writes whose trait method carries no `now`.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// Replaces the driver's unique-violation text (which differs per dialect and names
/// internal indexes) with one stable message.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn conflict_as(err: sqlx::Error, message: &str) -> StoreError {
    match StoreError::from(err) {
        StoreError::Conflict(_) => StoreError::Conflict(message.to_owned()),
        other => other,
    }
}

/// A row whose foreign key points nowhere means the parent does not exist.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn missing_parent_as_not_found(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_foreign_key_violation() => StoreError::NotFound,
        _ => StoreError::from(err),
    }
}

#[cfg(all(test, any(feature = "sqlite", feature = "postgres")))]
mod tests {
    use super::*;

    #[test]
    fn page_window_clamps() {
        assert_eq!(page_window(0, 0), (DEFAULT_PAGE_SIZE, 0));
        assert_eq!(page_window(1, 10), (10, 0));
        assert_eq!(page_window(3, 10), (10, 20));
        assert_eq!(page_window(-5, 100_000), (MAX_PAGE_SIZE, 0));
        assert_eq!(page_window(i64::MAX, 10).0, 10);
    }

    #[cfg(feature = "postgres")]
    #[tokio::test]
    async fn unreachable_postgres_fails_fast_without_leaking_the_password() {
        let config = DatabaseConfig::Postgres {
            url: "postgres://switchyard:hunter2@127.0.0.1:1/gateway?password=hunter3".to_owned(),
        };
        let started = std::time::Instant::now();
        let err = open(&config)
            .await
            .err()
            .expect("nothing listens on port 1");
        assert!(started.elapsed() < std::time::Duration::from_secs(8));
        let message = err.to_string();
        assert!(matches!(err, StoreError::Open(_)), "{message}");
        assert!(message.contains("127.0.0.1:1/gateway"), "{message}");
        assert!(!message.contains("hunter"), "{message}");
        assert!(!message.contains('\n'), "{message}");
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sqlite_folder_that_cannot_be_created_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("not-a-folder");
        std::fs::write(&file, b"x").expect("write file");
        let config = DatabaseConfig::Sqlite {
            path: file.join("switchyard.db"),
        };
        let err = open(&config).await.err().expect("parent is a file");
        assert!(matches!(err, StoreError::Open(_)), "{err}");
        assert!(
            err.to_string()
                .contains("cannot create the database folder"),
            "{err}"
        );
    }

    #[test]
    fn like_substring_escapes_wildcards() {
        assert_eq!(like_substring("Ab%_\\x"), "%ab\\%\\_\\\\x%");
        assert_eq!(like_substring("ÄB"), "%Äb%");
    }
}
