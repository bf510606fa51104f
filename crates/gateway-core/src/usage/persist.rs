//! The usage writer's database side: one batch of rows with its rollups (one transaction),
//! the API keys' token counters, and the quota windows and plans observed since the last
//! time. Plain async store calls; the writer thread drives them on the gateway's runtime.

use std::collections::BTreeMap;

use super::quota_book::QuotaChanges;
use super::rollup::rollups_of;
use super::UsageRecorder;
use crate::service::now_ms;
use crate::store::{AccountPatch, NewUsageLog, Store, StoreError};

pub async fn write_batch(store: &dyn Store, rows: &[NewUsageLog]) -> Result<(), StoreError> {
    store.record_usage(rows, &rollups_of(rows)).await?;
    // Key usage is applied after the rows commit: a failure here loses a counter update,
    // never a log row, and a retried batch cannot count the tokens twice.
    let mut per_key: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    for row in rows {
        if let Some(id) = row.api_key_id {
            let e = per_key.entry(id).or_insert((0, 0));
            e.0 += row.input_tokens + row.output_tokens;
            e.1 = e.1.max(row.created_at);
        }
    }
    for (id, (tokens, at)) in per_key {
        match store.record_api_key_use(id, tokens, at).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => tracing::warn!(api_key_id = id, error = %e, "API key usage not updated"),
        }
    }
    Ok(())
}

/// Writes the quota windows and plan changes observed since the last call. Every window in
/// one statement; only when that fails (e.g. one account was deleted meanwhile, so its row has
/// no parent) account by account, so one account cannot hold back the others.
pub async fn persist_quota(recorder: &UsageRecorder, store: &dyn Store) {
    let changes = recorder.quota().take_changes();
    if changes.is_empty() {
        return;
    }
    let mut failed = QuotaChanges::default();
    let all: Vec<_> = changes.upserts.values().cloned().collect();
    let together = if all.is_empty() {
        Ok(())
    } else {
        store.upsert_quota_windows(&all).await
    };
    if together.is_err() {
        let mut by_account: BTreeMap<i64, Vec<_>> = BTreeMap::new();
        for (key, row) in changes.upserts {
            by_account.entry(key.0).or_default().push((key, row));
        }
        for (account_id, rows) in by_account {
            let windows: Vec<_> = rows.iter().map(|(_, w)| w.clone()).collect();
            match store.upsert_quota_windows(&windows).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e) => {
                    tracing::warn!(account_id, error = %e, "quota windows not persisted");
                    failed.upserts.extend(rows);
                }
            }
        }
    }
    for key in changes.clears {
        if let Err(e) = store.delete_quota_window(key.0, key.1).await {
            tracing::warn!(account_id = key.0, error = %e, "quota window not cleared");
            failed.clears.insert(key);
        }
    }
    for (account_id, plan) in changes.plans {
        if let Err(e) = persist_plan(store, account_id, &plan).await {
            tracing::warn!(account_id, error = %e, "plan type not persisted");
            failed.plans.insert(account_id, plan);
        }
    }
    if !failed.is_empty() {
        recorder.quota().restore_changes(failed);
    }
}

/// Updates the stored plan when the upstream reports a different one.
async fn persist_plan(store: &dyn Store, account_id: i64, plan: &str) -> Result<(), StoreError> {
    let account = match store.get_account(account_id).await {
        Ok(a) => a,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e),
    };
    if account.deleted_at.is_some() || account.plan_type.as_deref() == Some(plan) {
        return Ok(());
    }
    let patch = AccountPatch {
        plan_type: Some(Some(plan.to_owned())),
        now: now_ms(),
        ..AccountPatch::default()
    };
    match store.update_account(account_id, &patch).await {
        Ok(_) | Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(e),
    }
}
