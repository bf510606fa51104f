//! The PostgreSQL backend: one file per aggregate, sharing the pool opened here.
//!
//! The SQL mirrors the SQLite backend statement for statement; the only dialect differences
//! are placeholders, ASCII-only case folding in search, and a bytewise collation for key
//! ordering, all so both backends return identical results.

mod accounts;
mod api_keys;
mod quota;
mod rollups;
mod settings;
mod usage;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgPool};

use super::{Store, StoreError, StoreResult};

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/postgres");

/// An unreachable server must fail startup quickly rather than hang it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: u32 = 16;

pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
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

#[async_trait]
impl Store for PgStore {
    fn driver(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
