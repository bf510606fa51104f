//! `UsageRepo`: the request log, written in batches (with its rollups) by the usage writer,
//! and aggregated for the charts.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Column, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::rows::{self, usage_columns, usage_insert_columns, usage_sum_columns};
use crate::store::{
    NewUsageLog, Page, StoreResult, UsageAggregate, UsageAggregateQuery, UsageFilter, UsageLog,
    UsageRepo, UsageRollup,
};

/// Rows per INSERT statement, far below the bind limit (20 binds a row). Kept small on
/// purpose: SQLite runs a statement on its connection's thread without a break, and on a
/// shared core a request that wakes up meanwhile waits for it. That thread spends ~12 µs per
/// usage row in all (statement, commit, WAL writes; docs/BENCHMARKS.md), so a 32-row
/// statement is a few tenths of a millisecond at most; between statements it blocks and
/// frees the core. Fixed-size chunks also keep the
/// set of distinct statement texts tiny, so they stay prepared in the statement cache. (8
/// rows per statement cost ~40 % more CPU on that thread, in per-statement overhead.)
const INSERT_CHUNK: usize = 32;
/// Rows per DELETE statement of a purge; each is its own short write transaction, so a purge
/// never holds SQLite's write lock for long, nor a huge set of PostgreSQL row locks.
const DELETE_CHUNK: i64 = 5_000;

fn push_filter<'a, DB: Dialect>(qb: &mut QueryBuilder<'a, DB>, filter: &'a UsageFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(start) = filter.start {
        qb.push(" AND created_at >= ").arg(start);
    }
    if let Some(end) = filter.end {
        qb.push(" AND created_at < ").arg(end);
    }
    if let Some(model) = &filter.model {
        qb.push(" AND (requested_model = ")
            .arg(model)
            .push(" OR effective_model = ")
            .arg(model)
            .push(")");
    }
    if let Some(account_id) = filter.account_id {
        qb.push(" AND account_id = ").arg(account_id);
    }
    if let Some(api_key_id) = filter.api_key_id {
        qb.push(" AND api_key_id = ").arg(api_key_id);
    }
    match filter.success {
        Some(true) => {
            qb.push(" AND status_code < 400");
        }
        Some(false) => {
            qb.push(" AND status_code >= 400");
        }
        None => {}
    }
    if let Some(stream) = filter.stream {
        qb.push(" AND stream = ").arg(stream);
    }
}

/// Inserts the rows in chunks inside the caller's transaction.
async fn insert_rows<DB: Dialect>(
    tx: &mut DB::Connection,
    batch: &[NewUsageLog],
) -> StoreResult<()> {
    for chunk in batch.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "INSERT INTO usage_logs (",
            usage_insert_columns!(),
            ") "
        ));
        qb.push_values(chunk, |mut b, r| {
            b.arg(r.created_at)
                .arg(&r.request_id)
                .arg(r.api_key_id)
                .arg(r.account_id)
                .arg(&r.endpoint)
                .arg(&r.upstream_endpoint)
                .arg(&r.requested_model)
                .arg(&r.effective_model)
                .arg(r.stream)
                .arg(r.status_code)
                .arg(&r.error_kind)
                .arg(r.input_tokens)
                .arg(r.cached_tokens)
                .arg(r.output_tokens)
                .arg(r.reasoning_tokens)
                .arg(r.first_token_ms)
                .arg(r.duration_ms)
                .arg(r.attempts)
                .arg(&r.trace)
                .arg(&r.user_agent);
        });
        qb.statement().run_on(&mut *tx).await?;
    }
    Ok(())
}

#[async_trait]
impl<DB: Dialect> UsageRepo for SqlStore<DB> {
    async fn insert_usage_batch(&self, batch: &[NewUsageLog]) -> StoreResult<()> {
        self.record_usage(batch, &[]).await
    }

    async fn record_usage(
        &self,
        batch: &[NewUsageLog],
        rollups: &[UsageRollup],
    ) -> StoreResult<()> {
        if batch.is_empty() && rollups.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        insert_rows::<DB>(&mut tx, batch).await?;
        super::rollups::upsert::<DB>(&mut tx, rollups).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn aggregate_usage(&self, q: &UsageAggregateQuery) -> StoreResult<Vec<UsageAggregate>> {
        let mut qb = QueryBuilder::<DB>::new("SELECT ");
        if q.bucket_ms > 0 {
            qb.push("(created_at / ")
                .arg(q.bucket_ms)
                .push(") * ")
                .arg(q.bucket_ms);
        } else {
            qb.push("CAST(").arg(q.start).push(" AS BIGINT)");
        }
        qb.push(" AS bucket_start, ");
        if q.by_model {
            qb.push("COALESCE(effective_model, requested_model, '') AS model, ");
        }
        qb.push(usage_sum_columns!())
            .push(" FROM usage_logs WHERE created_at >= ")
            .arg(q.start)
            .push(" AND created_at < ")
            .arg(q.end)
            .push(" GROUP BY bucket_start");
        if q.by_model {
            qb.push(", model");
        }
        let found = qb.statement().all(&self.pool).await?;
        let mut out = found
            .iter()
            .map(|row| {
                Ok(UsageAggregate {
                    bucket_start: row.col("bucket_start")?,
                    model: if q.by_model {
                        Some(row.col("model")?)
                    } else {
                        None
                    },
                    totals: rows::totals(row)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        // Sorted here, not in SQL, so text order is bytewise on both backends.
        out.sort_by(|a, b| (a.bucket_start, &a.model).cmp(&(b.bucket_start, &b.model)));
        Ok(out)
    }

    async fn list_usage(&self, filter: &UsageFilter) -> StoreResult<Page<UsageLog>> {
        self.fetch_page(
            ("usage_logs", usage_columns!()),
            (filter.page, filter.page_size),
            |qb| push_filter(qb, filter),
            rows::usage,
        )
        .await
    }

    async fn delete_usage_before(&self, before: i64) -> StoreResult<u64> {
        let mut deleted = 0u64;
        loop {
            let done = sqlx::query(
                "DELETE FROM usage_logs WHERE id IN \
                 (SELECT id FROM usage_logs WHERE created_at < $1 LIMIT $2)",
            )
            .arg(before)
            .arg(DELETE_CHUNK)
            .run(&self.pool)
            .await?;
            let done = DB::rows_affected(&done);
            deleted += done;
            if done < DELETE_CHUNK.unsigned_abs() {
                return Ok(deleted);
            }
            // Give other tasks a turn between chunks, so a waiting writer (a credential write)
            // can take SQLite's lock instead of queueing behind the whole purge.
            tokio::task::yield_now().await;
        }
    }
}
