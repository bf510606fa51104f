//! The repo traits implemented once, generically over the sqlx driver, for both backends.
//!
//! The statements are the same text in both dialects: `$n` placeholders (SQLite accepts them
//! too), `ON CONFLICT` upserts, `RETURNING`, and sums cast to `BIGINT`. What truly differs
//! lives in [`Dialect`], implemented next to each backend's `open`/`connect`: ASCII-only case
//! folding for search, and a bytewise collation for key ordering, so both backends return
//! identical results.

mod accounts;
mod api_keys;
mod cooldowns;
mod driver;
mod quota;
mod rollups;
mod settings;
mod usage;

use async_trait::async_trait;
use sqlx::query::Query;
use sqlx::{Database, Pool, QueryBuilder};

pub use driver::{Bind, Column, ModelRow, PushArg, Run, Statement, StatementExt};

use super::{page_window, Page, Store, StoreResult};

/// A store on a sqlx pool; [`super::sqlite::SqliteStore`] and
/// [`super::postgres::PgStore`] are its two instances.
pub struct SqlStore<DB: Database> {
    pub(in crate::store) pool: Pool<DB>,
}

impl<DB: Dialect> SqlStore<DB> {
    /// One page of `SELECT {columns} FROM {table}` (newest first, `filter` appending the
    /// `WHERE` clause), plus the total count of matching rows.
    async fn fetch_page<'a, T>(
        &self,
        (table, columns): (&str, &str),
        (page, page_size): (i64, i64),
        filter: impl Fn(&mut QueryBuilder<'a, DB>),
        decode: impl Fn(&DB::Row) -> Result<T, sqlx::Error>,
    ) -> StoreResult<Page<T>> {
        let (limit, offset) = page_window(page, page_size);
        let mut count = QueryBuilder::new(format!("SELECT COUNT(*) FROM {table}"));
        filter(&mut count);
        let total: i64 = count.statement().one(&self.pool).await?.col_at(0)?;

        let mut select = QueryBuilder::new(format!("SELECT {columns} FROM {table}"));
        filter(&mut select);
        select
            .push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .arg(limit)
            .push(" OFFSET ")
            .arg(offset);
        let found = select.statement().all(&self.pool).await?;
        Ok(Page {
            items: super::rows::decode_all(&found, decode)?,
            total,
        })
    }
}

/// One SQL dialect: everything the shared code binds, reads and runs (as supertraits, see
/// `driver`), plus the few fragments whose text differs between SQLite and PostgreSQL.
pub trait Dialect:
    Database<Row: ModelRow>
    + Run
    + for<'q> Bind<'q, i64>
    + for<'q> Bind<'q, Option<i64>>
    + for<'q> Bind<'q, bool>
    + for<'q> Bind<'q, f64>
    + for<'q> Bind<'q, &'q str>
    + for<'q> Bind<'q, String>
    + for<'q> Bind<'q, &'q String>
    + for<'q> Bind<'q, &'q Option<String>>
{
    /// `"sqlite"` or `"postgres"`, for [`Store::driver`].
    const DRIVER: &'static str;
    /// `SELECT key, value FROM settings` ordered by key bytewise.
    const ALL_SETTINGS: &'static str;

    /// The SQL expression `expr` with ASCII letters, and only those, lowercased; search
    /// patterns are ASCII-lowercased to match (see `like_substring`).
    fn ascii_lower(expr: &str) -> String;

    /// How many rows a statement changed.
    fn rows_affected(done: &Self::QueryResult) -> u64;

    /// A built query as a [`Statement`], its arguments' lifetime shortened to the query's.
    /// Each driver's own argument type allows that (it is covariant); the generic projection
    /// `Self::Arguments<'a>` does not, so each dialect states it with its concrete type.
    fn narrow<'q, 'a: 'q>(query: Query<'q, Self, Self::Arguments<'a>>) -> Statement<'q, Self>;
}

/// `.statement()`: [`QueryBuilder::build`] for the shared code (see [`Dialect::narrow`]).
pub trait BuildStatement<DB: Dialect> {
    fn statement(&mut self) -> Statement<'_, DB>;
}

impl<DB: Dialect> BuildStatement<DB> for QueryBuilder<'_, DB> {
    fn statement(&mut self) -> Statement<'_, DB> {
        DB::narrow(self.build())
    }
}

#[async_trait]
impl<DB: Dialect> Store for SqlStore<DB> {
    fn driver(&self) -> &'static str {
        DB::DRIVER
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").run(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
