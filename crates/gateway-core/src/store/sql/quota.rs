//! `QuotaRepo`: the latest observation of each quota window of an account.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::rows::{self, quota_columns};
use crate::store::{
    missing_parent_as_not_found, AccountQuotaWindow, QuotaRepo, QuotaWindowKind, StoreResult,
};

#[async_trait]
impl<DB: Dialect> QuotaRepo for SqlStore<DB> {
    async fn upsert_quota_windows(&self, windows: &[AccountQuotaWindow]) -> StoreResult<()> {
        if windows.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "INSERT INTO account_quota (",
            quota_columns!(),
            ") "
        ));
        qb.push_values(windows, |mut b, w| {
            b.arg(w.account_id)
                .arg(w.kind.as_str())
                .arg(w.used_percent)
                .arg(w.window_minutes)
                .arg(w.reset_at)
                .arg(w.observed_at);
        });
        qb.push(rows::QUOTA_UPSERT_TAIL);
        qb.statement()
            .run(&self.pool)
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
                .arg(account_id)
                .arg(kind.as_str())
                .run(&self.pool)
                .await?;
        Ok(DB::rows_affected(&done) > 0)
    }

    async fn all_quota_windows(&self) -> StoreResult<Vec<AccountQuotaWindow>> {
        let found = sqlx::query(concat!("SELECT ", quota_columns!(), " FROM account_quota"))
            .all(&self.pool)
            .await?;
        let mut windows = rows::decode_all(&found, rows::quota_window)?;
        windows.sort_by_key(|w| (w.account_id, w.kind));
        Ok(windows)
    }
}
