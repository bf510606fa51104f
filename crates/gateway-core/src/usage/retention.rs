//! Retention: deletes raw usage rows older than `usage_log_retention_days` (0 keeps them
//! forever). Rollups are kept, so long-range charts and totals survive the purge.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::UsageRecorder;
use crate::service::now_ms;
use crate::store::{Store, StoreResult};

const DAY_MS: i64 = 86_400_000;
/// First purge shortly after start (not at once: startup is busy enough), then hourly.
const FIRST_RUN_AFTER: Duration = Duration::from_secs(60);
const RUN_EVERY: Duration = Duration::from_secs(3600);

/// Deletes raw rows created before `now - days`; `days == 0` deletes nothing.
pub async fn purge_expired(store: &dyn Store, days: u64, now: i64) -> StoreResult<u64> {
    if days == 0 {
        return Ok(0);
    }
    let days = i64::try_from(days).unwrap_or(i64::MAX);
    let cutoff = now.saturating_sub(days.saturating_mul(DAY_MS));
    store.delete_usage_before(cutoff).await
}

pub(super) async fn run(recorder: UsageRecorder, store: Arc<dyn Store>, cancel: CancellationToken) {
    let mut wait = FIRST_RUN_AFTER;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = RUN_EVERY;
        match purge_expired(store.as_ref(), recorder.retention_days(), now_ms()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, "purged expired usage rows"),
            Err(e) => tracing::warn!(error = %e, "usage retention purge failed"),
        }
    }
}

/// Deletes every raw row (the admin "clear logs" action); rollups are left alone.
pub async fn clear_all(store: &dyn Store) -> StoreResult<u64> {
    store.delete_usage_before(i64::MAX).await
}
