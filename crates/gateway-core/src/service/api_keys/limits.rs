//! Our own rate limits (scheduling.md §12): a global RPM token bucket, a per-key RPM bucket
//! and a per-key in-flight cap. They live in the cache, so replicas sharing Redis enforce
//! one limit (each check is one Lua script); the desktop's in-process cache runs the same
//! code in memory. The buckets are the whole state: no blackout, no escalation (unlike
//! codex2api's limiter). A cache failure lets the request through: our limits protect the
//! pool, and a Redis hiccup must not take the gateway down with it.

use crate::cache::Cache;
use crate::scheduler::shared::{Keeper, LeaseGuard};

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitRefusal {
    GlobalRpm { retry_after: u64 },
    KeyRpm { retry_after: u64 },
    KeyConcurrency,
}

/// Held while a request is in flight; dropping it frees the key's slot (a crashed process's
/// slots lapse with their lease TTL).
#[derive(Debug)]
pub struct ConcurrencySlot(#[expect(dead_code, reason = "held for its Drop")] Option<LeaseGuard>);

#[derive(Debug, Default)]
pub struct Limits;

/// Takes one token from an RPM bucket; `Err(seconds)` until the next one (at least 1).
async fn take(cache: &dyn Cache, key: &str, rpm: u32) -> Result<(), u64> {
    match cache.bucket_take(key, rpm, f64::from(rpm) / 60.0).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(wait)) => Err(wait.as_secs_f64().ceil().max(1.0) as u64),
        Err(err) => {
            tracing::warn!(error = %err, key, "rate-limit check failed; letting the request through");
            Ok(())
        }
    }
}

impl Limits {
    /// The global bucket; `rpm == 0` means off.
    pub async fn check_global(&self, cache: &dyn Cache, rpm: u32) -> Result<(), LimitRefusal> {
        if rpm == 0 {
            return Ok(());
        }
        take(cache, "rpm:global", rpm)
            .await
            .map_err(|retry_after| LimitRefusal::GlobalRpm { retry_after })
    }

    /// The key's bucket; `rpm <= 0` means unlimited.
    pub async fn check_key_rpm(
        &self,
        cache: &dyn Cache,
        key_id: i64,
        rpm: i64,
    ) -> Result<(), LimitRefusal> {
        let Ok(rpm) = u32::try_from(rpm) else {
            return Ok(());
        };
        if rpm == 0 {
            return Ok(());
        }
        take(cache, &format!("rpm:key:{key_id}"), rpm)
            .await
            .map_err(|retry_after| LimitRefusal::KeyRpm { retry_after })
    }

    /// Takes an in-flight slot of the key; `max <= 0` means unlimited.
    pub async fn acquire_slot(
        &self,
        keeper: &std::sync::Arc<Keeper>,
        key_id: i64,
        max: i64,
    ) -> Result<ConcurrencySlot, LimitRefusal> {
        let Ok(max) = u32::try_from(max) else {
            return Ok(ConcurrencySlot(None));
        };
        if max == 0 {
            return Ok(ConcurrencySlot(None));
        }
        match keeper.acquire(&format!("slots:key:{key_id}"), max).await {
            Ok(Some(lease)) => Ok(ConcurrencySlot(Some(lease))),
            Ok(None) => Err(LimitRefusal::KeyConcurrency),
            Err(()) => Ok(ConcurrencySlot(None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cache::memory::MemoryCache;

    #[tokio::test]
    async fn buckets_per_key_and_global() {
        let cache = MemoryCache::new();
        let limits = Limits;
        assert!(limits.check_global(&cache, 0).await.is_ok());
        assert!(limits.check_global(&cache, 1).await.is_ok());
        assert!(matches!(
            limits.check_global(&cache, 1).await,
            Err(LimitRefusal::GlobalRpm { retry_after: 60 })
        ));
        assert!(limits.check_key_rpm(&cache, 1, 1).await.is_ok());
        assert!(limits.check_key_rpm(&cache, 2, 1).await.is_ok());
        assert!(limits.check_key_rpm(&cache, 1, 1).await.is_err());
        assert!(limits.check_key_rpm(&cache, 3, 0).await.is_ok());
    }

    #[tokio::test]
    async fn concurrency_slots_are_released_on_drop() {
        let keeper = Keeper::new(Arc::new(MemoryCache::new()));
        let task =
            tokio::spawn(Arc::clone(&keeper).run(tokio_util::sync::CancellationToken::new()));
        let limits = Limits;
        let a = limits.acquire_slot(&keeper, 7, 1).await.unwrap();
        assert_eq!(
            limits.acquire_slot(&keeper, 7, 1).await.err(),
            Some(LimitRefusal::KeyConcurrency)
        );
        drop(a);
        let mut freed = false;
        for _ in 0..100 {
            if limits.acquire_slot(&keeper, 7, 1).await.is_ok() {
                freed = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert!(freed, "a dropped slot is released by the keeper");
        assert!(limits.acquire_slot(&keeper, 8, 0).await.is_ok());
        task.abort();
    }
}
