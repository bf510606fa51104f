//! `AccountRepo`: accounts and their event log.

use async_trait::async_trait;
use sqlx::QueryBuilder;

use super::{BuildStatement, Column, Dialect, PushArg, SqlStore, StatementExt};
use crate::store::rows::{self, account_columns, event_columns};
use crate::store::{
    conflict_as, like_substring, missing_parent_as_not_found, now_ms, Account, AccountCounts,
    AccountEvent, AccountFilter, AccountPatch, AccountRepo, CredentialUpdate, CredentialWrite,
    NewAccount, NewAccountEvent, Page, StoreError, StoreResult, MAX_PAGE_SIZE,
};

const IDENTITY_CONFLICT: &str = "an account with this identity already exists";

/// Appends the `WHERE` clause of a list query; only live rows are ever listed.
fn push_filter<'a, DB: Dialect>(qb: &mut QueryBuilder<'a, DB>, filter: &'a AccountFilter) {
    qb.push(" WHERE deleted_at IS NULL");
    if let Some(search) = &filter.search {
        let pattern = like_substring(search);
        qb.push(" AND (")
            .push(DB::ascii_lower("name"))
            .push(" LIKE ")
            .arg(pattern.clone())
            .push(" ESCAPE '\\' OR ")
            .push(DB::ascii_lower("coalesce(email, '')"))
            .push(" LIKE ")
            .arg(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(enabled) = filter.enabled {
        qb.push(" AND enabled = ").arg(enabled);
    }
    if let Some(state) = filter.state {
        qb.push(" AND state = ").arg(state.as_str());
    }
}

#[async_trait]
impl<DB: Dialect> AccountRepo for SqlStore<DB> {
    async fn insert_account(&self, new: &NewAccount) -> StoreResult<Account> {
        let row = sqlx::query(concat!(
            "INSERT INTO accounts (name, identity_key, email, chatgpt_account_id, \
             chatgpt_user_id, plan_type, kind, credentials_sealed, access_expires_at, \
             last_refreshed_at, proxy_url, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ",
            account_columns!()
        ))
        .arg(&new.name)
        .arg(&new.identity_key)
        .arg(&new.email)
        .arg(&new.chatgpt_account_id)
        .arg(&new.chatgpt_user_id)
        .arg(&new.plan_type)
        .arg(new.kind.as_str())
        .arg(&new.credentials_sealed)
        .arg(new.access_expires_at)
        .arg(new.last_refreshed_at)
        .arg(&new.proxy_url)
        .arg(&new.note)
        .arg(new.now)
        .arg(new.now)
        .one(&self.pool)
        .await
        .map_err(|e| conflict_as(e, IDENTITY_CONFLICT))?;
        Ok(rows::account(&row)?)
    }

    async fn get_account(&self, id: i64) -> StoreResult<Account> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = $1"
        ))
        .arg(id)
        .optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(rows::account(&row)?)
    }

    async fn find_account_by_identity(&self, identity_key: &str) -> StoreResult<Option<Account>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE identity_key = $1 AND deleted_at IS NULL"
        ))
        .arg(identity_key)
        .optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::account).transpose()?)
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> StoreResult<Page<Account>> {
        self.fetch_page(
            ("accounts", account_columns!()),
            (filter.page, filter.page_size),
            |qb| push_filter(qb, filter),
            rows::account,
        )
        .await
    }

    async fn all_accounts(&self) -> StoreResult<Vec<Account>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE deleted_at IS NULL ORDER BY id"
        ))
        .all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::account)
    }

    async fn update_account(&self, id: i64, patch: &AccountPatch) -> StoreResult<Account> {
        let mut qb = QueryBuilder::<DB>::new("UPDATE accounts SET updated_at = ");
        qb.arg(patch.now);
        if let Some(name) = &patch.name {
            qb.push(", name = ").arg(name);
        }
        if let Some(email) = &patch.email {
            qb.push(", email = ").arg(email);
        }
        if let Some(plan_type) = &patch.plan_type {
            qb.push(", plan_type = ").arg(plan_type);
        }
        if let Some(enabled) = patch.enabled {
            qb.push(", enabled = ").arg(enabled);
        }
        if let Some(paused) = patch.paused {
            qb.push(", paused = ").arg(paused);
        }
        if let Some(proxy_url) = &patch.proxy_url {
            qb.push(", proxy_url = ").arg(proxy_url);
        }
        if let Some(note) = &patch.note {
            qb.push(", note = ").arg(note);
        }
        if let Some(priority) = patch.scheduler_priority {
            qb.push(", scheduler_priority = ").arg(priority);
        }
        if let Some(bias) = patch.score_bias_override {
            qb.push(", score_bias_override = ").arg(bias);
        }
        if let Some(base) = patch.base_concurrency_override {
            qb.push(", base_concurrency_override = ").arg(base);
        }
        if let Some(state) = patch.state {
            qb.push(", state = ").arg(state.as_str());
        }
        if let Some(reason) = &patch.state_reason {
            qb.push(", state_reason = ").arg(reason);
        }
        qb.push(" WHERE id = ").arg(id).push(concat!(
            " AND deleted_at IS NULL RETURNING ",
            account_columns!()
        ));
        let row = qb
            .statement()
            .optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(rows::account(&row)?)
    }

    async fn write_credentials(
        &self,
        id: i64,
        expected_generation: i64,
        update: &CredentialUpdate,
    ) -> StoreResult<CredentialWrite> {
        // One unconditional UPDATE: the increment reads the latest committed generation under
        // the write lock (SQLite's database lock, PostgreSQL's row lock: a concurrent writer is
        // waited for, then re-read), so the returned (new) generation minus one is exactly
        // what was stored before.
        let row = sqlx::query(concat!(
            "UPDATE accounts SET credentials_sealed = $1, \
             credential_generation = credential_generation + 1, \
             access_expires_at = $2, last_refreshed_at = $3, \
             email = coalesce($4, email), plan_type = coalesce($5, plan_type), \
             state = 'active', state_reason = NULL, updated_at = $6 \
             WHERE id = $7 RETURNING ",
            account_columns!()
        ))
        .arg(&update.credentials_sealed)
        .arg(update.access_expires_at)
        .arg(update.last_refreshed_at)
        .arg(&update.email)
        .arg(&update.plan_type)
        .arg(update.now)
        .arg(id)
        .optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        let account = rows::account(&row)?;
        let generation_matched =
            account.credential_generation.wrapping_sub(1) == expected_generation;
        Ok(CredentialWrite {
            account,
            generation_matched,
        })
    }

    async fn delete_account(&self, id: i64) -> StoreResult<()> {
        let now = now_ms();
        let done = sqlx::query(
            "UPDATE accounts SET deleted_at = $1, updated_at = $2 \
             WHERE id = $3 AND deleted_at IS NULL",
        )
        .arg(now)
        .arg(now)
        .arg(id)
        .run(&self.pool)
        .await?;
        if DB::rows_affected(&done) == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn count_accounts(&self) -> StoreResult<AccountCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*), \
             COUNT(CASE WHEN enabled THEN 1 END), \
             COUNT(CASE WHEN state = 'reauth_required' THEN 1 END) \
             FROM accounts WHERE deleted_at IS NULL",
        )
        .one(&self.pool)
        .await?;
        let (total, enabled, reauth_required) = (row.col_at(0)?, row.col_at(1)?, row.col_at(2)?);
        Ok(AccountCounts {
            total,
            enabled,
            reauth_required,
        })
    }

    async fn append_account_event(&self, event: &NewAccountEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_events (account_id, kind, detail, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .arg(event.account_id)
        .arg(&event.kind)
        .arg(&event.detail)
        .arg(event.now)
        .run(&self.pool)
        .await
        .map_err(missing_parent_as_not_found)?;
        Ok(())
    }

    async fn account_events(&self, account_id: i64, limit: i64) -> StoreResult<Vec<AccountEvent>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM account_events WHERE account_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .arg(account_id)
        .arg(limit.clamp(0, MAX_PAGE_SIZE))
        .all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::event)
    }
}
