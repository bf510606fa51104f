//! `ApiKeyRepo` on SQLite.

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::store::rows::{self, api_key_columns};
use crate::store::{
    conflict_as, ApiKey, ApiKeyPatch, ApiKeyRepo, NewApiKey, StoreError, StoreResult,
};

const HASH_CONFLICT: &str = "an API key with this hash already exists";

#[async_trait]
impl ApiKeyRepo for SqliteStore {
    async fn insert_api_key(&self, new: &NewApiKey) -> StoreResult<ApiKey> {
        let row = sqlx::query(concat!(
            "INSERT INTO api_keys (name, key_hash, key_preview, rpm, max_concurrency, \
             token_quota, allowed_models, expires_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ",
            api_key_columns!()
        ))
        .bind(&new.name)
        .bind(&new.key_hash)
        .bind(&new.key_preview)
        .bind(new.rpm)
        .bind(new.max_concurrency)
        .bind(new.token_quota)
        .bind(rows::models_json(&new.allowed_models)?)
        .bind(new.expires_at)
        .bind(new.now)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| conflict_as(e, HASH_CONFLICT))?;
        Ok(rows::api_key(&row)?)
    }

    async fn get_api_key(&self, id: i64) -> StoreResult<ApiKey> {
        let row = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(rows::api_key(&row)?)
    }

    async fn find_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE key_hash = ?"
        ))
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::api_key).transpose()?)
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys ORDER BY created_at DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::api_key)
    }

    async fn update_api_key(&self, id: i64, patch: &ApiKeyPatch) -> StoreResult<ApiKey> {
        let mut qb = QueryBuilder::<Sqlite>::new("UPDATE api_keys SET updated_at = ");
        qb.push_bind(patch.now);
        if let Some(name) = &patch.name {
            qb.push(", name = ").push_bind(name);
        }
        if let Some(enabled) = patch.enabled {
            qb.push(", enabled = ").push_bind(enabled);
        }
        if let Some(rpm) = patch.rpm {
            qb.push(", rpm = ").push_bind(rpm);
        }
        if let Some(max_concurrency) = patch.max_concurrency {
            qb.push(", max_concurrency = ").push_bind(max_concurrency);
        }
        if let Some(token_quota) = patch.token_quota {
            qb.push(", token_quota = ").push_bind(token_quota);
        }
        if let Some(models) = &patch.allowed_models {
            qb.push(", allowed_models = ")
                .push_bind(rows::models_json(models)?);
        }
        if let Some(expires_at) = patch.expires_at {
            qb.push(", expires_at = ").push_bind(expires_at);
        }
        qb.push(" WHERE id = ")
            .push_bind(id)
            .push(concat!(" RETURNING ", api_key_columns!()));
        let row = qb
            .build()
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(rows::api_key(&row)?)
    }

    async fn delete_api_key(&self, id: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn count_api_keys(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn record_api_key_use(&self, id: i64, tokens: i64, at: i64) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE api_keys SET tokens_used = tokens_used + ?, \
             last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < ? \
                            THEN ? ELSE last_used_at END \
             WHERE id = ?",
        )
        .bind(tokens)
        .bind(at)
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
