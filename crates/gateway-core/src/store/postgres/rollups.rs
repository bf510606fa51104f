//! `RollupRepo` on PostgreSQL: hourly and daily usage cells, folded in by the usage writer.

use async_trait::async_trait;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use super::PgStore;
use crate::store::rows::{self, totals_columns};
use crate::store::{RollupQuery, RollupRepo, StoreResult, UsageRollup};

/// Cells per upsert statement: 13 binds a cell stays far below the bind limit.
const UPSERT_CHUNK: usize = 500;

/// Adds the cells to the stored ones (creating missing ones) inside the caller's
/// transaction. The cells must be unique per key, which the writer's aggregation ensures.
pub(super) async fn upsert(tx: &mut PgConnection, cells: &[UsageRollup]) -> StoreResult<()> {
    for chunk in cells.chunks(UPSERT_CHUNK) {
        let mut qb = QueryBuilder::<Postgres>::new(concat!(
            "INSERT INTO usage_rollups (granularity, dimension, bucket_start, dimension_key, ",
            totals_columns!(),
            ") "
        ));
        qb.push_values(chunk, |mut b, c| {
            let t = &c.totals;
            b.push_bind(c.granularity.as_str())
                .push_bind(c.dimension.as_str())
                .push_bind(c.bucket_start)
                .push_bind(&c.key)
                .push_bind(t.requests)
                .push_bind(t.errors)
                .push_bind(t.input_tokens)
                .push_bind(t.cached_tokens)
                .push_bind(t.output_tokens)
                .push_bind(t.reasoning_tokens)
                .push_bind(t.duration_ms_sum)
                .push_bind(t.first_token_ms_sum)
                .push_bind(t.first_token_count);
        });
        qb.push(rows::ROLLUP_UPSERT_TAIL);
        qb.build().execute(&mut *tx).await?;
    }
    Ok(())
}

#[async_trait]
impl RollupRepo for PgStore {
    async fn usage_rollups(&self, q: &RollupQuery) -> StoreResult<Vec<UsageRollup>> {
        let found = sqlx::query(concat!(
            "SELECT bucket_start, dimension_key, ",
            totals_columns!(),
            " FROM usage_rollups WHERE granularity = $1 AND dimension = $2 \
             AND bucket_start >= $3 AND bucket_start < $4"
        ))
        .bind(q.granularity.as_str())
        .bind(q.dimension.as_str())
        .bind(q.start)
        .bind(q.end)
        .fetch_all(&self.pool)
        .await?;
        let mut cells = found
            .iter()
            .map(|row| {
                Ok(UsageRollup {
                    granularity: q.granularity,
                    dimension: q.dimension,
                    bucket_start: row.try_get("bucket_start")?,
                    key: row.try_get("dimension_key")?,
                    totals: rows::totals(row)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        cells.sort_by(|a, b| (a.bucket_start, &a.key).cmp(&(b.bucket_start, &b.key)));
        Ok(cells)
    }

    async fn clear_usage_rollups(&self) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM usage_rollups")
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
