//! What the shared repo code needs from a sqlx driver, said once.
//!
//! sqlx states a driver's abilities as bounds on *other* types (`i64: Encode<'q, DB>`,
//! `&mut DB::Connection: Executor`), and Rust implies only a trait's supertraits, never its
//! other where-clauses. Generic code over `DB` would therefore repeat a dozen bounds on every
//! impl. Here each ability is restated as a trait *of the driver* (or of its row type), with
//! a blanket impl for every driver that has it, so the single bound `DB: Driver` carries them
//! all. The extension traits give the generic code sqlx's own shape: `.arg(v)` where sqlx
//! says `.bind(v)`, and `.all(&pool)` / `.optional(&pool)` / `.one(&pool)` / `.run(&pool)`
//! for the executor calls.

use futures_util::future::BoxFuture;
use sqlx::query::Query;
use sqlx::query_builder::Separated;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row, Type,
};

/// A statement with its arguments bound, ready to run.
pub type Statement<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// The driver can bind a `T` as a statement parameter.
pub trait Bind<'q, T>: Database {
    fn bind_to(query: Statement<'q, Self>, value: T) -> Statement<'q, Self>;
    fn push_bind_to(builder: &mut QueryBuilder<'q, Self>, value: T);
    fn push_bind_separated<Sep: std::fmt::Display>(
        builder: &mut Separated<'_, 'q, Self, Sep>,
        value: T,
    );
}

impl<'q, DB: Database, T: 'q + Encode<'q, DB> + Type<DB>> Bind<'q, T> for DB {
    fn bind_to(query: Statement<'q, Self>, value: T) -> Statement<'q, Self> {
        query.bind(value)
    }

    fn push_bind_to(builder: &mut QueryBuilder<'q, Self>, value: T) {
        builder.push_bind(value);
    }

    fn push_bind_separated<Sep: std::fmt::Display>(
        builder: &mut Separated<'_, 'q, Self, Sep>,
        value: T,
    ) {
        builder.push_bind(value);
    }
}

/// A row that can read a `T` from a named or numbered column.
pub trait Column<T>: Row {
    fn col<I: ColumnIndex<Self> + std::fmt::Debug>(&self, index: I) -> Result<T, sqlx::Error>;
}

impl<R: Row, T> Column<T> for R
where
    T: for<'r> Decode<'r, R::Database> + Type<R::Database>,
{
    fn col<I: ColumnIndex<Self> + std::fmt::Debug>(&self, index: I) -> Result<T, sqlx::Error> {
        self.try_get(index)
    }
}

/// Every column type the models use.
pub trait ModelRow:
    Column<i64>
    + Column<Option<i64>>
    + Column<bool>
    + Column<f64>
    + Column<String>
    + Column<Option<String>>
    + for<'n> ColumnIndexed<'n>
{
}

/// Columns can be addressed by name and by position.
pub trait ColumnIndexed<'n>: Row {}
impl<'n, R: Row> ColumnIndexed<'n> for R where &'n str: ColumnIndex<R>, usize: ColumnIndex<R> {}

impl<R> ModelRow for R where
    R: Column<i64>
        + Column<Option<i64>>
        + Column<bool>
        + Column<f64>
        + Column<String>
        + Column<Option<String>>
        + for<'n> ColumnIndexed<'n>
{
}
