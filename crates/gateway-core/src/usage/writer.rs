//! The batched usage writer: drains the recorder's channel, and on every full batch or
//! flush interval writes the rows with their rollups (one transaction), adds tokens to the
//! API keys, and persists quota changes. On shutdown it drains the channel and flushes.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::quota_book::QuotaChanges;
use super::rollup::rollups_of;
use super::UsageRecorder;
use crate::service::now_ms;
use crate::store::{AccountPatch, NewUsageLog, Store, StoreError};

/// Rows kept for a retry while the database is failing; beyond this the oldest are dropped
/// (and counted) so a long outage cannot exhaust memory.
const MAX_RETAINED: usize = 50_000;

pub(super) async fn run(
    recorder: UsageRecorder,
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<NewUsageLog>,
    cancel: CancellationToken,
) {
    let mut buf: Vec<NewUsageLog> = Vec::new();
    let mut last_flush = Instant::now();
    loop {
        let deadline = last_flush + recorder.flush_interval();
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            got = rx.recv() => match got {
                Some(row) => {
                    buf.push(row);
                    if buf.len() >= recorder.batch_size() {
                        flush(&recorder, store.as_ref(), &mut buf).await;
                        last_flush = Instant::now();
                    }
                }
                None => break,
            },
            () = tokio::time::sleep_until(deadline.into()) => {
                flush(&recorder, store.as_ref(), &mut buf).await;
                last_flush = Instant::now();
            }
        }
    }
    // Rows recorded from now on are counted as dropped; everything already queued is written.
    rx.close();
    while let Some(row) = rx.recv().await {
        buf.push(row);
    }
    flush(&recorder, store.as_ref(), &mut buf).await;
    if !buf.is_empty() {
        tracing::error!(
            rows = buf.len(),
            "usage rows lost at shutdown: the database write failed"
        );
        recorder.count_dropped(buf.len());
    }
}

/// Writes what is buffered, in batches; rows that fail stay buffered for the next flush.
async fn flush(recorder: &UsageRecorder, store: &dyn Store, buf: &mut Vec<NewUsageLog>) {
    let batch_size = recorder.batch_size().max(1);
    while !buf.is_empty() {
        let n = buf.len().min(batch_size);
        match write_batch(store, &buf[..n]).await {
            Ok(()) => {
                recorder.count_written(n);
                buf.drain(..n);
            }
            Err(e) => {
                tracing::warn!(error = %e, pending = buf.len(), "usage batch not written; will retry");
                if buf.len() > MAX_RETAINED {
                    let excess = buf.len() - MAX_RETAINED;
                    buf.drain(..excess);
                    recorder.count_dropped(excess);
                }
                break;
            }
        }
    }
    persist_quota(recorder, store).await;
}

async fn write_batch(store: &dyn Store, rows: &[NewUsageLog]) -> Result<(), StoreError> {
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

/// Writes the quota windows and plan changes observed since the last flush.
async fn persist_quota(recorder: &UsageRecorder, store: &dyn Store) {
    let changes = recorder.quota().take_changes();
    if changes.is_empty() {
        return;
    }
    let mut failed = QuotaChanges::default();
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
