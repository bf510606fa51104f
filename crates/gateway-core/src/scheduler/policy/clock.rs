//! The clock the policy reads. Production uses the system clock; tests inject a manual one so
//! every decay, cooldown end and token-bucket refill is checked without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;

pub trait Clock: Send + Sync {
    /// Unix time in milliseconds.
    fn now_ms(&self) -> i64;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        crate::service::now_ms()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn at(ms: i64) -> Self {
        ManualClock(AtomicI64::new(ms))
    }

    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Clamps to 0..=1.
pub fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

/// A penalty that falls linearly from `full` at `at` to 0 after `window` ms (scheduling.md §2).
pub fn decayed(full: f64, at: Option<i64>, window: i64, now: i64) -> f64 {
    match at {
        Some(at) if window > 0 => {
            let elapsed = (now - at).max(0) as f64;
            full * clamp01(1.0 - elapsed / window as f64)
        }
        _ => 0.0,
    }
}
