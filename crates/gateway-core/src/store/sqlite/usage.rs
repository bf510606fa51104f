//! `UsageRepo` on SQLite: the request log, written in batches (with its rollups) by the usage
//! writer, and aggregated for the charts.

use async_trait::async_trait;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

use super::SqliteStore;
use crate::store::rows::{self, usage_columns, usage_insert_columns, usage_sum_columns};
use crate::store::{
    page_window, NewUsageLog, Page, StoreResult, UsageAggregate, UsageAggregateQuery, UsageFilter,
    UsageLog, UsageRepo, UsageRollup,
};

/// Rows per INSERT statement: 20 binds a row stays far below SQLite's 32 766 bind limit.
const INSERT_CHUNK: usize = 500;
/// Rows per DELETE statement of a purge; each is its own short write transaction.
const DELETE_CHUNK: i64 = 5_000;

fn push_filter<'a>(qb: &mut QueryBuilder<'a, Sqlite>, filter: &'a UsageFilter) {
    qb.push(" WHERE 1 = 1");
    if let Some(start) = filter.start {
        qb.push(" AND created_at >= ").push_bind(start);
    }
    if let Some(end) = filter.end {
        qb.push(" AND created_at < ").push_bind(end);
    }
    if let Some(model) = &filter.model {
        qb.push(" AND (requested_model = ")
            .push_bind(model)
            .push(" OR effective_model = ")
            .push_bind(model)
            .push(")");
    }
    if let Some(account_id) = filter.account_id {
        qb.push(" AND account_id = ").push_bind(account_id);
    }
    if let Some(api_key_id) = filter.api_key_id {
        qb.push(" AND api_key_id = ").push_bind(api_key_id);
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
        qb.push(" AND stream = ").push_bind(stream);
    }
}

/// Inserts the rows in chunks inside the caller's transaction.
async fn insert_rows(tx: &mut SqliteConnection, batch: &[NewUsageLog]) -> StoreResult<()> {
    for chunk in batch.chunks(INSERT_CHUNK) {
        let mut qb = QueryBuilder::<Sqlite>::new(concat!(
            "INSERT INTO usage_logs (",
            usage_insert_columns!(),
            ") "
        ));
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.created_at)
                .push_bind(&r.request_id)
                .push_bind(r.api_key_id)
                .push_bind(r.account_id)
                .push_bind(&r.endpoint)
                .push_bind(&r.upstream_endpoint)
                .push_bind(&r.requested_model)
                .push_bind(&r.effective_model)
                .push_bind(r.stream)
                .push_bind(r.status_code)
                .push_bind(&r.error_kind)
                .push_bind(r.input_tokens)
                .push_bind(r.cached_tokens)
                .push_bind(r.output_tokens)
                .push_bind(r.reasoning_tokens)
                .push_bind(r.first_token_ms)
                .push_bind(r.duration_ms)
                .push_bind(r.attempts)
                .push_bind(&r.trace)
                .push_bind(&r.user_agent);
        });
        qb.build().execute(&mut *tx).await?;
    }
    Ok(())
}

#[async_trait]
impl UsageRepo for SqliteStore {
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
        insert_rows(&mut tx, batch).await?;
        super::rollups::upsert(&mut tx, rollups).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn aggregate_usage(&self, q: &UsageAggregateQuery) -> StoreResult<Vec<UsageAggregate>> {
        let mut qb = QueryBuilder::<Sqlite>::new("SELECT ");
        if q.bucket_ms > 0 {
            qb.push("(created_at / ")
                .push_bind(q.bucket_ms)
                .push(") * ")
                .push_bind(q.bucket_ms);
        } else {
            qb.push("CAST(").push_bind(q.start).push(" AS BIGINT)");
        }
        qb.push(" AS bucket_start, ");
        if q.by_model {
            qb.push("COALESCE(effective_model, requested_model, '') AS model, ");
        }
        qb.push(usage_sum_columns!())
            .push(" FROM usage_logs WHERE created_at >= ")
            .push_bind(q.start)
            .push(" AND created_at < ")
            .push_bind(q.end)
            .push(" GROUP BY bucket_start");
        if q.by_model {
            qb.push(", model");
        }
        let found = qb.build().fetch_all(&self.pool).await?;
        let mut out = found
            .iter()
            .map(|row| {
                Ok(UsageAggregate {
                    bucket_start: row.try_get("bucket_start")?,
                    model: if q.by_model {
                        Some(row.try_get("model")?)
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
        let (limit, offset) = page_window(filter.page, filter.page_size);
        let mut count = QueryBuilder::new("SELECT COUNT(*) FROM usage_logs");
        push_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut page = QueryBuilder::new(concat!("SELECT ", usage_columns!(), " FROM usage_logs"));
        push_filter(&mut page, filter);
        page.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let found = page.build().fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows::decode_all(&found, rows::usage)?,
            total,
        })
    }

    async fn delete_usage_before(&self, before: i64) -> StoreResult<u64> {
        let mut deleted = 0u64;
        loop {
            let done = sqlx::query(
                "DELETE FROM usage_logs WHERE id IN \
                 (SELECT id FROM usage_logs WHERE created_at < ? LIMIT ?)",
            )
            .bind(before)
            .bind(DELETE_CHUNK)
            .execute(&self.pool)
            .await?;
            deleted += done.rows_affected();
            if done.rows_affected() < DELETE_CHUNK.unsigned_abs() {
                return Ok(deleted);
            }
            // Give other tasks a turn between chunks, so a waiting writer (a credential
            // write) can take the lock instead of queueing behind the whole purge.
            tokio::task::yield_now().await;
        }
    }
}
