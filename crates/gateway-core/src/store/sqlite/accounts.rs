//! `AccountRepo` on SQLite: accounts and their event log.

use async_trait::async_trait;
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::store::rows::{self, account_columns, event_columns};
use crate::store::{
    conflict_as, like_substring, missing_parent_as_not_found, now_ms, page_window, Account,
    AccountCounts, AccountEvent, AccountFilter, AccountPatch, AccountRepo, CredentialUpdate,
    CredentialWrite, NewAccount, NewAccountEvent, Page, StoreError, StoreResult, MAX_PAGE_SIZE,
};

const IDENTITY_CONFLICT: &str = "an account with this identity already exists";

/// Appends the `WHERE` clause of a list query; only live rows are ever listed.
fn push_filter<'a>(qb: &mut QueryBuilder<'a, Sqlite>, filter: &'a AccountFilter) {
    qb.push(" WHERE deleted_at IS NULL");
    if let Some(search) = &filter.search {
        // SQLite's lower() folds ASCII only; the pattern is ASCII-lowercased to match.
        let pattern = like_substring(search);
        qb.push(" AND (lower(name) LIKE ")
            .push_bind(pattern.clone())
            .push(" ESCAPE '\\' OR lower(coalesce(email, '')) LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(enabled) = filter.enabled {
        qb.push(" AND enabled = ").push_bind(enabled);
    }
    if let Some(state) = filter.state {
        qb.push(" AND state = ").push_bind(state.as_str());
    }
}

#[async_trait]
impl AccountRepo for SqliteStore {
    async fn insert_account(&self, new: &NewAccount) -> StoreResult<Account> {
        let row = sqlx::query(concat!(
            "INSERT INTO accounts (name, identity_key, email, chatgpt_account_id, \
             chatgpt_user_id, plan_type, kind, credentials_sealed, access_expires_at, \
             last_refreshed_at, proxy_url, note, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ",
            account_columns!()
        ))
        .bind(&new.name)
        .bind(&new.identity_key)
        .bind(&new.email)
        .bind(&new.chatgpt_account_id)
        .bind(&new.chatgpt_user_id)
        .bind(&new.plan_type)
        .bind(new.kind.as_str())
        .bind(&new.credentials_sealed)
        .bind(new.access_expires_at)
        .bind(new.last_refreshed_at)
        .bind(&new.proxy_url)
        .bind(&new.note)
        .bind(new.now)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| conflict_as(e, IDENTITY_CONFLICT))?;
        Ok(rows::account(&row)?)
    }

    async fn get_account(&self, id: i64) -> StoreResult<Account> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(rows::account(&row)?)
    }

    async fn find_account_by_identity(&self, identity_key: &str) -> StoreResult<Option<Account>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE identity_key = ? AND deleted_at IS NULL"
        ))
        .bind(identity_key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(rows::account).transpose()?)
    }

    async fn list_accounts(&self, filter: &AccountFilter) -> StoreResult<Page<Account>> {
        let (limit, offset) = page_window(filter.page, filter.page_size);
        let mut count = QueryBuilder::new("SELECT COUNT(*) FROM accounts");
        push_filter(&mut count, filter);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;

        let mut page = QueryBuilder::new(concat!("SELECT ", account_columns!(), " FROM accounts"));
        push_filter(&mut page, filter);
        page.push(" ORDER BY created_at DESC, id DESC LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let found = page.build().fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows::decode_all(&found, rows::account)?,
            total,
        })
    }

    async fn all_accounts(&self) -> StoreResult<Vec<Account>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE deleted_at IS NULL ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::account)
    }

    async fn update_account(&self, id: i64, patch: &AccountPatch) -> StoreResult<Account> {
        let mut qb = QueryBuilder::<Sqlite>::new("UPDATE accounts SET updated_at = ");
        qb.push_bind(patch.now);
        if let Some(name) = &patch.name {
            qb.push(", name = ").push_bind(name);
        }
        if let Some(email) = &patch.email {
            qb.push(", email = ").push_bind(email);
        }
        if let Some(plan_type) = &patch.plan_type {
            qb.push(", plan_type = ").push_bind(plan_type);
        }
        if let Some(enabled) = patch.enabled {
            qb.push(", enabled = ").push_bind(enabled);
        }
        if let Some(paused) = patch.paused {
            qb.push(", paused = ").push_bind(paused);
        }
        if let Some(proxy_url) = &patch.proxy_url {
            qb.push(", proxy_url = ").push_bind(proxy_url);
        }
        if let Some(note) = &patch.note {
            qb.push(", note = ").push_bind(note);
        }
        if let Some(priority) = patch.scheduler_priority {
            qb.push(", scheduler_priority = ").push_bind(priority);
        }
        if let Some(state) = patch.state {
            qb.push(", state = ").push_bind(state.as_str());
        }
        if let Some(reason) = &patch.state_reason {
            qb.push(", state_reason = ").push_bind(reason);
        }
        qb.push(" WHERE id = ").push_bind(id).push(concat!(
            " AND deleted_at IS NULL RETURNING ",
            account_columns!()
        ));
        let row = qb
            .build()
            .fetch_optional(&self.pool)
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
        // One unconditional UPDATE: the increment reads the generation under the write lock,
        // so the returned (new) generation minus one is exactly what was stored before.
        let row = sqlx::query(concat!(
            "UPDATE accounts SET credentials_sealed = ?, \
             credential_generation = credential_generation + 1, \
             access_expires_at = ?, last_refreshed_at = ?, \
             email = coalesce(?, email), plan_type = coalesce(?, plan_type), \
             state = 'active', state_reason = NULL, updated_at = ? \
             WHERE id = ? RETURNING ",
            account_columns!()
        ))
        .bind(&update.credentials_sealed)
        .bind(update.access_expires_at)
        .bind(update.last_refreshed_at)
        .bind(&update.email)
        .bind(&update.plan_type)
        .bind(update.now)
        .bind(id)
        .fetch_optional(&self.pool)
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
            "UPDATE accounts SET deleted_at = ?, updated_at = ? \
             WHERE id = ? AND deleted_at IS NULL",
        )
        .bind(now)
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn count_accounts(&self) -> StoreResult<AccountCounts> {
        let (total, enabled, reauth_required): (i64, i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), \
             COUNT(CASE WHEN enabled THEN 1 END), \
             COUNT(CASE WHEN state = 'reauth_required' THEN 1 END) \
             FROM accounts WHERE deleted_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(AccountCounts {
            total,
            enabled,
            reauth_required,
        })
    }

    async fn append_account_event(&self, event: &NewAccountEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO account_events (account_id, kind, detail, created_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(event.account_id)
        .bind(&event.kind)
        .bind(&event.detail)
        .bind(event.now)
        .execute(&self.pool)
        .await
        .map_err(missing_parent_as_not_found)?;
        Ok(())
    }

    async fn account_events(&self, account_id: i64, limit: i64) -> StoreResult<Vec<AccountEvent>> {
        let found = sqlx::query(concat!(
            "SELECT ",
            event_columns!(),
            " FROM account_events WHERE account_id = ? \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ))
        .bind(account_id)
        .bind(limit.clamp(0, MAX_PAGE_SIZE))
        .fetch_all(&self.pool)
        .await?;
        rows::decode_all(&found, rows::event)
    }
}
