//! `SettingsRepo`: a plain key/value table.

use async_trait::async_trait;

use super::{Column, Dialect, SqlStore, StatementExt};
use crate::store::{now_ms, SettingsRepo, StoreResult};

#[async_trait]
impl<DB: Dialect> SettingsRepo for SqlStore<DB> {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = $1")
            .arg(key)
            .optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.col_at(0)).transpose()?)
    }

    async fn all_settings(&self) -> StoreResult<Vec<(String, String)>> {
        let found = sqlx::query(DB::ALL_SETTINGS).all(&self.pool).await?;
        Ok(found
            .iter()
            .map(|r| Ok((r.col_at(0)?, r.col_at(1)?)))
            .collect::<Result<_, sqlx::Error>>()?)
    }

    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
        )
        .arg(key)
        .arg(value)
        .arg(now_ms())
        .run(&self.pool)
        .await?;
        Ok(())
    }

    async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .arg(key)
        .arg(value)
        .arg(now_ms())
        .run(&self.pool)
        .await?;
        Ok(DB::rows_affected(&done) > 0)
    }
}
