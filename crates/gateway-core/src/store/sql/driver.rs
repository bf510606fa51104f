//! What the shared repo code needs from a sqlx driver, said once.
//!
//! sqlx states a driver's abilities as bounds on *other* types (`i64: Encode<'q, DB>`,
//! `&mut DB::Connection: Executor`), and Rust implies only a trait's supertraits, never its
//! other where-clauses (rust-lang/rust#20671): generic code over `DB` would have to repeat a
//! dozen bounds on every impl. Here each ability is restated as a trait *of the driver* (or
//! of its row type) with a blanket impl for every driver that has it, so one bound,
//! `DB: Dialect`, carries them all. The extension traits keep sqlx's own call shape: `.arg(v)`
//! where sqlx says `.bind(v)`, and `.all(&pool)` / `.optional(&pool)` / `.one(&pool)` /
//! `.run(&pool)` / `.run_on(&mut conn)` for `fetch_all` / `fetch_optional` / `fetch_one` /
//! `execute`.

use std::fmt::Display;

use futures_util::future::BoxFuture;
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row, Type,
};

/// A statement with its arguments, ready to run.
pub type Statement<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

type Fetched<'e, T> = BoxFuture<'e, Result<T, sqlx::Error>>;

/// The driver binds a `T` as a statement parameter.
pub trait Bind<'q, T>: Database {
    fn bind_to(query: Statement<'q, Self>, value: T) -> Statement<'q, Self>;
    fn push_bind_to(builder: &mut QueryBuilder<'q, Self>, value: T);
    fn push_bind_separated<S: Display>(builder: &mut Separated<'_, 'q, Self, S>, value: T);
}

impl<'q, DB: Database, T: 'q + Encode<'q, DB> + Type<DB>> Bind<'q, T> for DB {
    fn bind_to(query: Statement<'q, Self>, value: T) -> Statement<'q, Self> {
        query.bind(value)
    }

    fn push_bind_to(builder: &mut QueryBuilder<'q, Self>, value: T) {
        builder.push_bind(value);
    }

    fn push_bind_separated<S: Display>(builder: &mut Separated<'_, 'q, Self, S>, value: T) {
        builder.push_bind(value);
    }
}

/// The row reads a `T` from a column, by name or by position.
pub trait Column<T>: Row {
    fn col(&self, name: &str) -> Result<T, sqlx::Error>;
    fn col_at(&self, index: usize) -> Result<T, sqlx::Error>;
}

impl<R: Row, T> Column<T> for R
where
    T: for<'r> Decode<'r, R::Database> + Type<R::Database>,
    for<'n> &'n str: ColumnIndex<R>,
    usize: ColumnIndex<R>,
{
    fn col(&self, name: &str) -> Result<T, sqlx::Error> {
        self.try_get(name)
    }

    fn col_at(&self, index: usize) -> Result<T, sqlx::Error> {
        self.try_get(index)
    }
}

/// A row holding any column type the models use.
pub trait ModelRow:
    Column<i64>
    + Column<Option<i64>>
    + Column<bool>
    + Column<f64>
    + Column<String>
    + Column<Option<String>>
{
}

impl<R> ModelRow for R where
    R: Column<i64>
        + Column<Option<i64>>
        + Column<bool>
        + Column<f64>
        + Column<String>
        + Column<Option<String>>
{
}

/// The driver runs statements on a pool, and on a connection (a transaction).
pub trait Run: Database {
    fn fetch_all_in<'e, 'q: 'e>(
        pool: &'e Pool<Self>,
        q: Statement<'q, Self>,
    ) -> Fetched<'e, Vec<Self::Row>>;
    fn fetch_optional_in<'e, 'q: 'e>(
        pool: &'e Pool<Self>,
        q: Statement<'q, Self>,
    ) -> Fetched<'e, Option<Self::Row>>;
    fn fetch_one_in<'e, 'q: 'e>(
        pool: &'e Pool<Self>,
        q: Statement<'q, Self>,
    ) -> Fetched<'e, Self::Row>;
    fn execute_in<'e, 'q: 'e>(
        pool: &'e Pool<Self>,
        q: Statement<'q, Self>,
    ) -> Fetched<'e, Self::QueryResult>;
    fn execute_on<'e, 'q: 'e>(
        conn: &'e mut Self::Connection,
        q: Statement<'q, Self>,
    ) -> Fetched<'e, Self::QueryResult>;
}

impl<DB: Database> Run for DB
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
{
    fn fetch_all_in<'e, 'q: 'e>(
        pool: &'e Pool<DB>,
        q: Statement<'q, DB>,
    ) -> Fetched<'e, Vec<DB::Row>> {
        pool.fetch_all(q)
    }

    fn fetch_optional_in<'e, 'q: 'e>(
        pool: &'e Pool<DB>,
        q: Statement<'q, DB>,
    ) -> Fetched<'e, Option<DB::Row>> {
        pool.fetch_optional(q)
    }

    fn fetch_one_in<'e, 'q: 'e>(pool: &'e Pool<DB>, q: Statement<'q, DB>) -> Fetched<'e, DB::Row> {
        pool.fetch_one(q)
    }

    fn execute_in<'e, 'q: 'e>(
        pool: &'e Pool<DB>,
        q: Statement<'q, DB>,
    ) -> Fetched<'e, DB::QueryResult> {
        pool.execute(q)
    }

    fn execute_on<'e, 'q: 'e>(
        conn: &'e mut DB::Connection,
        q: Statement<'q, DB>,
    ) -> Fetched<'e, DB::QueryResult> {
        conn.execute(q)
    }
}

/// `.arg(v)` and the executor calls on a statement.
pub trait StatementExt<'q, DB: Database>: Sized {
    fn arg<T>(self, value: T) -> Self
    where
        DB: Bind<'q, T>;
    fn all<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, Vec<DB::Row>>
    where
        'q: 'e,
        DB: Run;
    fn optional<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, Option<DB::Row>>
    where
        'q: 'e,
        DB: Run;
    fn one<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, DB::Row>
    where
        'q: 'e,
        DB: Run;
    fn run<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, DB::QueryResult>
    where
        'q: 'e,
        DB: Run;
    fn run_on<'e>(self, conn: &'e mut DB::Connection) -> Fetched<'e, DB::QueryResult>
    where
        'q: 'e,
        DB: Run;
}

impl<'q, DB: Database> StatementExt<'q, DB> for Statement<'q, DB> {
    fn arg<T>(self, value: T) -> Self
    where
        DB: Bind<'q, T>,
    {
        DB::bind_to(self, value)
    }

    fn all<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, Vec<DB::Row>>
    where
        'q: 'e,
        DB: Run,
    {
        DB::fetch_all_in(pool, self)
    }

    fn optional<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, Option<DB::Row>>
    where
        'q: 'e,
        DB: Run,
    {
        DB::fetch_optional_in(pool, self)
    }

    fn one<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, DB::Row>
    where
        'q: 'e,
        DB: Run,
    {
        DB::fetch_one_in(pool, self)
    }

    fn run<'e>(self, pool: &'e Pool<DB>) -> Fetched<'e, DB::QueryResult>
    where
        'q: 'e,
        DB: Run,
    {
        DB::execute_in(pool, self)
    }

    fn run_on<'e>(self, conn: &'e mut DB::Connection) -> Fetched<'e, DB::QueryResult>
    where
        'q: 'e,
        DB: Run,
    {
        DB::execute_on(conn, self)
    }
}

/// `.arg(v)` on a query builder (`push_bind`) and on one of its `push_values` rows.
pub trait PushArg<'q, DB: Database> {
    fn arg<T>(&mut self, value: T) -> &mut Self
    where
        DB: Bind<'q, T>;
}

impl<'q, DB: Database> PushArg<'q, DB> for QueryBuilder<'q, DB> {
    fn arg<T>(&mut self, value: T) -> &mut Self
    where
        DB: Bind<'q, T>,
    {
        DB::push_bind_to(self, value);
        self
    }
}

impl<'q, DB: Database, S: Display> PushArg<'q, DB> for Separated<'_, 'q, DB, S> {
    fn arg<T>(&mut self, value: T) -> &mut Self
    where
        DB: Bind<'q, T>,
    {
        DB::push_bind_separated(self, value);
        self
    }
}
