//! The PostgreSQL backend: connects, and states the PostgreSQL side of [`Dialect`]; the repo
//! traits themselves are implemented once, in `super::sql`.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult};
use sqlx::query::Query;
use sqlx::{ConnectOptions, Connection, Postgres};

use super::sql::{Dialect, SqlStore, Statement};
use super::{StoreError, StoreResult};

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// An unreachable server must fail startup quickly rather than hang it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 16;

pub type PgStore = SqlStore<Postgres>;

impl SqlStore<Postgres> {
    /// Connects to `url`, failing within [`CONNECT_TIMEOUT`] when the server is unreachable,
    /// and brings the schema up to date. Errors name the host and database, never the URL
    /// (it may hold a password).
    pub async fn connect(url: &str) -> StoreResult<PgStore> {
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Open(format!(
                "malformed PostgreSQL URL: {}",
                first_line(&e.to_string())
            ))
        })?;
        let options = options.application_name("switchyard");
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or(options.get_username())
        );
        let unreachable = |reason: String| {
            StoreError::Open(format!("cannot reach PostgreSQL at {target}: {reason}"))
        };
        // The pool retries refused connections until its acquire timeout and then reports
        // only "timed out"; one direct attempt first surfaces the real reason (refused,
        // unknown host, bad password) at once.
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| unreachable(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())))?
            .map_err(|e| unreachable(first_line(&e.to_string())))?;
        // Closing the probe is best-effort: the pool below opens its own connections.
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| unreachable(first_line(&e.to_string())))?;
        MIGRATOR.run(&pool).await.map_err(StoreError::Migrate)?;
        Ok(PgStore { pool })
    }
}

/// Server messages are one line in practice; this guarantees it for the startup error.
fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

impl Dialect for Postgres {
    const DRIVER: &'static str = "postgres";
    /// The "C" collation orders bytewise like SQLite; the database default (say
    /// en_US.UTF-8) would order differently.
    const ALL_SETTINGS: &'static str =
        r#"SELECT key, value FROM settings ORDER BY key COLLATE "C""#;

    /// `translate()` folds ASCII letters only, exactly like SQLite's `lower()`; PostgreSQL's
    /// `lower()` would also fold non-ASCII letters and match rows SQLite does not.
    fn ascii_lower(expr: &str) -> String {
        format!("translate({expr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    fn narrow<'q, 'a: 'q>(query: Query<'q, Self, Self::Arguments<'a>>) -> Statement<'q, Self> {
        query
    }
}
