//! Counted slots and token buckets for the in-process cache: plain maps under a mutex, which
//! is atomic enough within one process.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{effective_ttl, new_owner_token};

#[derive(Debug, Default)]
pub(crate) struct Counted {
    slots: Mutex<HashMap<String, Vec<(String, Instant)>>>,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl Counted {
    pub(crate) fn acquire(&self, key: &str, limit: u32, ttl: Duration) -> Option<String> {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let holders = slots.entry(key.to_owned()).or_default();
        holders.retain(|(_, deadline)| *deadline > now);
        if holders.len() >= limit as usize {
            return None;
        }
        let token = new_owner_token();
        holders.push((token.clone(), now + effective_ttl(ttl)));
        Some(token)
    }

    pub(crate) fn renew(&self, key: &str, token: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(holders) = slots.get_mut(key) else {
            return false;
        };
        match holders
            .iter_mut()
            .find(|(t, deadline)| t == token && *deadline > now)
        {
            Some(holder) => {
                holder.1 = now + effective_ttl(ttl);
                true
            }
            None => false,
        }
    }

    pub(crate) fn release(&self, key: &str, token: &str) {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(holders) = slots.get_mut(key) {
            holders.retain(|(t, _)| t != token);
            if holders.is_empty() {
                slots.remove(key);
            }
        }
    }

    pub(crate) fn take(&self, key: &str, capacity: u32, per_second: f64) -> Result<(), Duration> {
        let now = Instant::now();
        let capacity = f64::from(capacity.max(1));
        let rate = per_second.max(f64::MIN_POSITIVE);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let (tokens, updated) = buckets.entry(key.to_owned()).or_insert((capacity, now));
        let elapsed = now.saturating_duration_since(*updated).as_secs_f64();
        *tokens = (*tokens + elapsed * rate).min(capacity);
        *updated = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            return Ok(());
        }
        Err(Duration::from_secs_f64((1.0 - *tokens) / rate))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_count_live_holders_only() {
        let c = Counted::default();
        let a = c.acquire("k", 2, Duration::from_secs(30)).unwrap();
        let _b = c.acquire("k", 2, Duration::from_secs(30)).unwrap();
        assert!(c.acquire("k", 2, Duration::from_secs(30)).is_none());
        c.release("k", &a);
        assert!(c.acquire("k", 2, Duration::from_millis(1)).is_some());
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            c.acquire("k", 2, Duration::from_secs(30)).is_some(),
            "a lapsed holder frees its slot"
        );
    }

    #[test]
    fn bucket_refills_without_escalation() {
        let c = Counted::default();
        assert!(c.take("b", 2, 1000.0).is_ok());
        assert!(c.take("b", 2, 1000.0).is_ok());
        let wait = c.take("b", 2, 0.5);
        assert!(wait.is_err_and(|w| w <= Duration::from_secs(2)));
    }
}
