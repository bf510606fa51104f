//! `ApiKeyRepo`: the client keys, stored as keyed hashes.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Column, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::rows::{self, api_key_columns};
use crate::store::{
    conflict_as, ApiKey, ApiKeyPatch, ApiKeyRepo, NewApiKey, StoreError, StoreResult,
};

const HASH_CONFLICT: &str = "an API key with this hash already exists";

#[async_trait]
impl<DB: Dialect> ApiKeyRepo for SqlStore<DB> {
    async fn insert_api_key(&self, new: &NewApiKey) -> StoreResult<ApiKey> {
        let row = sqlx::query(concat!(
            "INSERT INTO api_keys (name, key_hash, key_preview, rpm, max_concurrency, \
             token_quota, allowed_models, expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ",
            api_key_columns!()
        ))
        .arg(&new.name)
        .arg(&new.key_hash)
        .arg(&new.key_preview)
        .arg(new.rpm)
        .arg(new.max_concurrency)
        .arg(new.token_quota)
        .arg(rows::models_json(&new.allowed_models)?)
        .arg(new.expires_at)
        .arg(new.now)
        .arg(new.now)
        .one(&self.pool)
        .await
        .map_err(|e| conflict_as(e, HASH_CONFLICT))?;
        Ok(rows::api_key(&row)?)
    }

    async fn get_api_key(&self, id: i64) -> StoreResult<ApiKey> {
        let row = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE id = $1"
        ))
        .arg(id)
        .optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(rows::api_key(&row)?)
    }

    async fn find_api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys WHERE key_hash = $1"
        ))
        .arg(key_hash)
        .optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::api_key).transpose()?)
    }

    async fn list_api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            api_key_columns!(),
            " FROM api_keys ORDER BY created_at DESC, id DESC"
        ))
        .all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::api_key)
    }

    async fn update_api_key(&self, id: i64, patch: &ApiKeyPatch) -> StoreResult<ApiKey> {
        let mut qb = QueryBuilder::<DB>::new("UPDATE api_keys SET updated_at = ");
        qb.arg(patch.now);
        if let Some(name) = &patch.name {
            qb.push(", name = ").arg(name);
        }
        if let Some(enabled) = patch.enabled {
            qb.push(", enabled = ").arg(enabled);
        }
        if let Some(rpm) = patch.rpm {
            qb.push(", rpm = ").arg(rpm);
        }
        if let Some(max_concurrency) = patch.max_concurrency {
            qb.push(", max_concurrency = ").arg(max_concurrency);
        }
        if let Some(token_quota) = patch.token_quota {
            qb.push(", token_quota = ").arg(token_quota);
        }
        if let Some(models) = &patch.allowed_models {
            qb.push(", allowed_models = ")
                .arg(rows::models_json(models)?);
        }
        if let Some(expires_at) = patch.expires_at {
            qb.push(", expires_at = ").arg(expires_at);
        }
        qb.push(" WHERE id = ")
            .arg(id)
            .push(concat!(" RETURNING ", api_key_columns!()));
        let row = qb
            .statement()
            .optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(rows::api_key(&row)?)
    }

    async fn delete_api_key(&self, id: i64) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM api_keys WHERE id = $1")
            .arg(id)
            .run(&self.pool)
            .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn count_api_keys(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM api_keys")
            .one(&self.pool)
            .await?;
        Ok(row.col_at(0)?)
    }

    async fn record_api_key_use(&self, id: i64, tokens: i64, at: i64) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE api_keys SET tokens_used = tokens_used + $1, \
             last_used_at = CASE WHEN last_used_at IS NULL OR last_used_at < $2 \
                            THEN $3 ELSE last_used_at END \
             WHERE id = $4",
        )
        .arg(tokens)
        .arg(at)
        .arg(at)
        .arg(id)
        .run(&self.pool)
        .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
