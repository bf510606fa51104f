//! `CooldownRepo`: the running cooldowns of each account, so a restart or a new replica starts
//! with the pool's current beliefs instead of rediscovering every refusal.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Column, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::{missing_parent_as_not_found, CooldownRepo, StoreResult, StoredCooldown};

#[async_trait]
impl<DB: Dialect> CooldownRepo for SqlStore<DB> {
    async fn replace_cooldowns(
        &self,
        account_id: i64,
        cooldowns: &[StoredCooldown],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query::<DB>("DELETE FROM account_cooldowns WHERE account_id = $1")
            .arg(account_id)
            .run_on(&mut *tx)
            .await?;
        if !cooldowns.is_empty() {
            let mut qb = QueryBuilder::<DB>::new(
                "INSERT INTO account_cooldowns \
                 (account_id, scope, reason, until_ms, since_ms, provisional) ",
            );
            qb.push_values(cooldowns, |mut b, c| {
                b.arg(account_id)
                    .arg(c.scope.as_str())
                    .arg(c.reason.as_str())
                    .arg(c.until)
                    .arg(c.since)
                    .arg(c.provisional);
            });
            qb.statement()
                .run_on(&mut *tx)
                .await
                .map_err(missing_parent_as_not_found)?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn active_cooldowns(&self, now: i64) -> StoreResult<Vec<StoredCooldown>> {
        sqlx::query("DELETE FROM account_cooldowns WHERE until_ms <= $1")
            .arg(now)
            .run(&self.pool)
            .await?;
        let found = sqlx::query(
            "SELECT account_id, scope, reason, until_ms, since_ms, provisional \
             FROM account_cooldowns ORDER BY account_id, scope",
        )
        .all(&self.pool)
        .await?;
        let decode = |row: &DB::Row| -> Result<StoredCooldown, sqlx::Error> {
            Ok(StoredCooldown {
                account_id: row.col("account_id")?,
                scope: row.col("scope")?,
                reason: row.col("reason")?,
                until: row.col("until_ms")?,
                since: row.col("since_ms")?,
                provisional: row.col("provisional")?,
            })
        };
        Ok(crate::store::rows::decode_all(&found, decode)?)
    }
}
