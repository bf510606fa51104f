//! Our own rate limits (scheduling.md §12): a global RPM token bucket, a per-key RPM bucket
//! and a per-key in-flight cap. In process memory: exact on the desktop and on a single
//! server node; several replicas each enforce the limits on their own share.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A plain token bucket: capacity = RPM, refilled at RPM/60 per second. The bucket is the
/// whole state: no blackout, no escalation (unlike codex2api's limiter).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    capacity: f64,
    updated: Instant,
}

impl TokenBucket {
    pub fn new(rpm: u32, now: Instant) -> Self {
        let capacity = f64::from(rpm.max(1));
        Self { tokens: capacity, capacity, updated: now }
    }

    /// Takes one token, or returns the whole seconds until the next one (at least 1).
    pub fn try_take(&mut self, rpm: u32, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(rpm.max(1));
        let rate = capacity / 60.0;
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.capacity = capacity;
        self.tokens = (self.tokens + elapsed * rate).min(capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let wait = ((1.0 - self.tokens) / rate).ceil().max(1.0);
        // Bounded by 60 s for any rpm ≥ 1.
        Err(wait as u64)
    }
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitRefusal {
    GlobalRpm { retry_after: u64 },
    KeyRpm { retry_after: u64 },
    KeyConcurrency,
}

/// Held while a request is in flight; dropping it frees the key's slot.
#[derive(Debug)]
pub struct ConcurrencySlot(Arc<AtomicI64>);

impl Drop for ConcurrencySlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Default)]
pub struct Limits {
    global: Mutex<Option<TokenBucket>>,
    per_key: Mutex<HashMap<i64, TokenBucket>>,
    in_flight: Mutex<HashMap<i64, Arc<AtomicI64>>>,
}

impl Limits {
    /// The global bucket; `rpm == 0` means off.
    pub fn check_global(&self, rpm: u32, now: Instant) -> Result<(), LimitRefusal> {
        if rpm == 0 {
            return Ok(());
        }
        let mut guard = self.global.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = guard.get_or_insert_with(|| TokenBucket::new(rpm, now));
        bucket.try_take(rpm, now).map_err(|retry_after| LimitRefusal::GlobalRpm { retry_after })
    }

    /// The key's bucket; `rpm <= 0` means unlimited.
    pub fn check_key_rpm(&self, key_id: i64, rpm: i64, now: Instant) -> Result<(), LimitRefusal> {
        let Ok(rpm) = u32::try_from(rpm) else {
            return Ok(());
        };
        if rpm == 0 {
            return Ok(());
        }
        let mut buckets = self.per_key.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.entry(key_id).or_insert_with(|| TokenBucket::new(rpm, now));
        bucket.try_take(rpm, now).map_err(|retry_after| LimitRefusal::KeyRpm { retry_after })
    }

    /// Takes an in-flight slot of the key; `max <= 0` means unlimited (a slot is still
    /// counted so a later lowered cap sees the true load).
    pub fn acquire_slot(&self, key_id: i64, max: i64) -> Result<ConcurrencySlot, LimitRefusal> {
        let counter = {
            let mut map = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key_id).or_default().clone()
        };
        let now = counter.fetch_add(1, Ordering::AcqRel) + 1;
        let slot = ConcurrencySlot(counter);
        if max > 0 && now > max {
            return Err(LimitRefusal::KeyConcurrency);
        }
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn bucket_allows_a_burst_of_rpm_then_refills() {
        let t0 = Instant::now();
        let mut b = TokenBucket::new(2, t0);
        assert!(b.try_take(2, t0).is_ok());
        assert!(b.try_take(2, t0).is_ok());
        assert_eq!(b.try_take(2, t0), Err(30));
        assert!(b.try_take(2, t0 + Duration::from_secs(30)).is_ok());
        assert_eq!(b.try_take(2, t0 + Duration::from_secs(31)), Err(29));
    }

    #[test]
    fn limits_per_key_and_global() {
        let limits = Limits::default();
        let now = Instant::now();
        assert!(limits.check_global(0, now).is_ok());
        assert!(limits.check_global(1, now).is_ok());
        assert!(matches!(limits.check_global(1, now), Err(LimitRefusal::GlobalRpm { retry_after: 60 })));
        assert!(limits.check_key_rpm(1, 1, now).is_ok());
        assert!(limits.check_key_rpm(2, 1, now).is_ok());
        assert!(limits.check_key_rpm(1, 1, now).is_err());
        assert!(limits.check_key_rpm(3, 0, now).is_ok());
    }

    #[test]
    fn concurrency_slots_are_released_on_drop() {
        let limits = Limits::default();
        let a = limits.acquire_slot(7, 1).unwrap();
        assert_eq!(limits.acquire_slot(7, 1).err(), Some(LimitRefusal::KeyConcurrency));
        drop(a);
        assert!(limits.acquire_slot(7, 1).is_ok());
        let _many: Vec<_> = (0..5).map(|_| limits.acquire_slot(8, 0).unwrap()).collect();
    }
}
