//! `RollupRepo`: hourly and daily usage cells, folded in by the usage writer.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Column, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::rows::{self, totals_columns};
use crate::store::{RollupQuery, RollupRepo, StoreResult, UsageRollup};

/// Cells per upsert statement (13 binds a cell). Small for the reasons of the usage insert's
/// chunk (short uninterrupted statements, few distinct texts to keep prepared): a batch's
/// cell count varies, and with one statement per batch nearly every batch was a new text to
/// prepare.
const UPSERT_CHUNK: usize = 32;

/// Adds the cells to the stored ones (creating missing ones) inside the caller's
/// transaction. The cells must be unique per key, which the writer's aggregation ensures.
pub(super) async fn upsert<DB: Dialect>(
    tx: &mut DB::Connection,
    cells: &[UsageRollup],
) -> StoreResult<()> {
    for chunk in cells.chunks(UPSERT_CHUNK) {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "INSERT INTO usage_rollups (granularity, dimension, bucket_start, dimension_key, ",
            totals_columns!(),
            ") "
        ));
        qb.push_values(chunk, |mut b, c| {
            let t = &c.totals;
            b.arg(c.granularity.as_str())
                .arg(c.dimension.as_str())
                .arg(c.bucket_start)
                .arg(&c.key)
                .arg(t.requests)
                .arg(t.errors)
                .arg(t.input_tokens)
                .arg(t.cached_tokens)
                .arg(t.output_tokens)
                .arg(t.reasoning_tokens)
                .arg(t.duration_ms_sum)
                .arg(t.first_token_ms_sum)
                .arg(t.first_token_count);
        });
        qb.push(rows::ROLLUP_UPSERT_TAIL);
        qb.statement().run_on(&mut *tx).await?;
    }
    Ok(())
}

#[async_trait]
impl<DB: Dialect> RollupRepo for SqlStore<DB> {
    async fn usage_rollups(&self, q: &RollupQuery) -> StoreResult<Vec<UsageRollup>> {
        let found = sqlx::query(concat!(
            "SELECT bucket_start, dimension_key, ",
            totals_columns!(),
            " FROM usage_rollups WHERE granularity = $1 AND dimension = $2 \
             AND bucket_start >= $3 AND bucket_start < $4"
        ))
        .arg(q.granularity.as_str())
        .arg(q.dimension.as_str())
        .arg(q.start)
        .arg(q.end)
        .all(&self.pool)
        .await?;
        let mut cells = found
            .iter()
            .map(|row| {
                Ok(UsageRollup {
                    granularity: q.granularity,
                    dimension: q.dimension,
                    bucket_start: row.col("bucket_start")?,
                    key: row.col("dimension_key")?,
                    totals: rows::totals(row)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        cells.sort_by(|a, b| (a.bucket_start, &a.key).cmp(&(b.bucket_start, &b.key)));
        Ok(cells)
    }

    async fn clear_usage_rollups(&self) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM usage_rollups")
            .run(&self.pool)
            .await?;
        Ok(DB::rows_affected(&done))
    }
}
