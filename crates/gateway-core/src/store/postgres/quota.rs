//! `QuotaRepo` on PostgreSQL: the latest observation of each quota window of an account.

use async_trait::async_trait;
use sqlx::{Postgres, QueryBuilder};

use super::PgStore;
use crate::store::rows::{self, quota_columns};
use crate::store::{
    missing_parent_as_not_found, AccountQuotaWindow, QuotaRepo, QuotaWindowKind, StoreResult,
};

#[async_trait]
impl QuotaRepo for PgStore {
    async fn upsert_quota_windows(&self, windows: &[AccountQuotaWindow]) -> StoreResult<()> {
        if windows.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<Postgres>::new(concat!(
            "INSERT INTO account_quota (",
            quota_columns!(),
            ") "
        ));
        qb.push_values(windows, |mut b, w| {
            b.push_bind(w.account_id)
                .push_bind(w.kind.as_str())
                .push_bind(w.used_percent)
                .push_bind(w.window_minutes)
                .push_bind(w.reset_at)
                .push_bind(w.observed_at);
        });
        qb.push(rows::QUOTA_UPSERT_TAIL);
        qb.build()
            .execute(&self.pool)
            .await
            .map_err(missing_parent_as_not_found)?;
        Ok(())
    }

    async fn delete_quota_window(
        &self,
        account_id: i64,
        kind: QuotaWindowKind,
    ) -> StoreResult<bool> {
        let done =
            sqlx::query("DELETE FROM account_quota WHERE account_id = $1 AND window_kind = $2")
                .bind(account_id)
                .bind(kind.as_str())
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn all_quota_windows(&self) -> StoreResult<Vec<AccountQuotaWindow>> {
        let found = sqlx::query(concat!("SELECT ", quota_columns!(), " FROM account_quota"))
            .fetch_all(&self.pool)
            .await?;
        let mut windows = rows::decode_all(&found, rows::quota_window)?;
        windows.sort_by_key(|w| (w.account_id, w.kind));
        Ok(windows)
    }
}
