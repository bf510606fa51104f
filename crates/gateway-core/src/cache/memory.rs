//! The in-process cache: one moka map holds values, counters and leases under a per-entry
//! TTL, and pub/sub is a tokio broadcast channel per channel name. It serves the desktop app
//! and single-node servers, where "every process sharing the cache" is just this one.
//!
//! Values, counters and leases share one keyspace, as they do in Redis, so both backends
//! answer the same way when a caller mixes kinds on one key.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use moka::ops::compute::{CompResult, Op};
use moka::sync::Cache as MokaCache;
use moka::Expiry;
use tokio::sync::broadcast;

use super::{effective_ttl, new_owner_token, Cache, CacheError, CacheResult, Lease};

/// How many unread messages a subscriber may fall behind before it sees `Lagged`. Messages
/// are change notifications, so a lagging subscriber should reload rather than replay.
pub(crate) const CHANNEL_CAPACITY: usize = 1024;

/// What a key holds.
#[derive(Debug, Clone)]
enum Data {
    Value(String),
    Counter(i64),
    /// The owner token of the current holder.
    Lease(String),
}

#[derive(Debug, Clone)]
struct Slot {
    data: Data,
    ttl: Duration,
    /// Whether writing this slot over an existing entry restarts its TTL. Counters keep the
    /// deadline they were created with, so a fixed window ends on time.
    restart_ttl: bool,
}

impl Slot {
    fn fresh(data: Data, ttl: Duration) -> Slot {
        Slot {
            data,
            ttl: effective_ttl(ttl),
            restart_ttl: true,
        }
    }

    fn keeping_deadline(data: Data) -> Slot {
        Slot {
            data,
            ttl: Duration::ZERO,
            restart_ttl: false,
        }
    }
}

/// Reads each entry's TTL from the slot itself, which is what gives moka per-entry expiry.
struct SlotExpiry;

impl Expiry<String, Slot> for SlotExpiry {
    fn expire_after_create(&self, _key: &String, slot: &Slot, _at: Instant) -> Option<Duration> {
        Some(slot.ttl)
    }

    fn expire_after_update(
        &self,
        _key: &String,
        slot: &Slot,
        _at: Instant,
        duration_until_expiry: Option<Duration>,
    ) -> Option<Duration> {
        if slot.restart_ttl {
            Some(slot.ttl)
        } else {
            duration_until_expiry
        }
    }
}

/// The in-process [`Cache`].
pub struct MemoryCache {
    entries: MokaCache<String, Slot>,
    channels: Mutex<HashMap<String, broadcast::Sender<String>>>,
    counted: super::memory_counted::Counted,
}

impl MemoryCache {
    /// An empty cache. Entries are bounded by their TTLs rather than by a capacity: evicting
    /// a live lease or counter to make room would silently break exclusion and limits.
    pub fn new() -> MemoryCache {
        MemoryCache {
            entries: MokaCache::builder().expire_after(SlotExpiry).build(),
            channels: Mutex::new(HashMap::new()),
            counted: Default::default(),
        }
    }

    /// The channel map. A panic while holding the lock cannot leave the map half-updated
    /// (every critical section is a single map operation), so a poisoned lock is still usable.
    fn channels(&self) -> MutexGuard<'_, HashMap<String, broadcast::Sender<String>>> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryCache {
    fn default() -> Self {
        MemoryCache::new()
    }
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.entries.entry_count())
            .finish()
    }
}

/// The next counter value, with the error Redis gives for the same mistake.
fn add(key: &str, current: &Data, delta: i64) -> CacheResult<i64> {
    let current = match current {
        Data::Counter(n) => *n,
        Data::Value(v) => v
            .parse::<i64>()
            .map_err(|_| CacheError::Protocol(format!("value of {key:?} is not an integer")))?,
        Data::Lease(_) => {
            return Err(CacheError::Protocol(format!(
                "{key:?} holds a lease, not a counter"
            )))
        }
    };
    current
        .checked_add(delta)
        .ok_or_else(|| CacheError::Protocol(format!("counter {key:?} would overflow")))
}

#[async_trait]
impl Cache for MemoryCache {
    fn driver(&self) -> &'static str {
        "memory"
    }

    async fn ping(&self) -> CacheResult<()> {
        Ok(())
    }

    async fn get(&self, key: &str) -> CacheResult<Option<String>> {
        Ok(self.entries.get(key).map(|slot| match slot.data {
            Data::Value(v) | Data::Lease(v) => v,
            Data::Counter(n) => n.to_string(),
        }))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> CacheResult<()> {
        self.entries.insert(
            key.to_owned(),
            Slot::fresh(Data::Value(value.to_owned()), ttl),
        );
        Ok(())
    }

    async fn delete(&self, key: &str) -> CacheResult<()> {
        self.entries.invalidate(key);
        Ok(())
    }

    async fn incr(&self, key: &str, delta: i64, ttl: Duration) -> CacheResult<i64> {
        // moka runs compute closures for one key one at a time, which is what makes the
        // read-add-write atomic; an expired entry is passed in as `None`.
        let result = self
            .entries
            .entry(key.to_owned())
            .and_try_compute_with(|entry| {
                let slot = match entry {
                    None => Slot::fresh(Data::Counter(delta), ttl),
                    Some(entry) => {
                        Slot::keeping_deadline(Data::Counter(add(key, &entry.value().data, delta)?))
                    }
                };
                Ok::<_, CacheError>(Op::Put(slot))
            })?;
        match result {
            CompResult::Inserted(entry) | CompResult::ReplacedWith(entry) => {
                match entry.into_value().data {
                    Data::Counter(n) => Ok(n),
                    _ => Err(CacheError::Protocol(
                        "counter update lost its value".to_owned(),
                    )),
                }
            }
            _ => Err(CacheError::Protocol(
                "counter update was not applied".to_owned(),
            )),
        }
    }

    async fn try_acquire(&self, key: &str, ttl: Duration) -> CacheResult<Option<Lease>> {
        let owner = new_owner_token();
        let result = self
            .entries
            .entry(key.to_owned())
            .and_compute_with(|entry| match entry {
                None => Op::Put(Slot::fresh(Data::Lease(owner.clone()), ttl)),
                Some(_) => Op::Nop,
            });
        Ok(match result {
            CompResult::Inserted(_) => Some(Lease {
                key: key.to_owned(),
                owner,
            }),
            _ => None,
        })
    }

    async fn renew(&self, lease: &Lease, ttl: Duration) -> CacheResult<bool> {
        let result = self.entries.entry(lease.key.clone()).and_compute_with(|entry| match entry {
            Some(entry) if matches!(&entry.value().data, Data::Lease(o) if *o == lease.owner) => {
                Op::Put(Slot::fresh(Data::Lease(lease.owner.clone()), ttl))
            }
            _ => Op::Nop,
        });
        Ok(matches!(result, CompResult::ReplacedWith(_)))
    }

    async fn release(&self, lease: &Lease) -> CacheResult<bool> {
        let result = self.entries.entry(lease.key.clone()).and_compute_with(|entry| match entry {
            Some(entry) if matches!(&entry.value().data, Data::Lease(o) if *o == lease.owner) => {
                Op::Remove
            }
            _ => Op::Nop,
        });
        Ok(matches!(result, CompResult::Removed(_)))
    }

    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()> {
        let mut channels = self.channels();
        if let Some(sender) = channels.get(channel) {
            // A send fails only when every receiver is gone; the channel is then dropped so
            // the map does not keep one sender per channel name ever used.
            if sender.send(message.to_owned()).is_err() {
                channels.remove(channel);
            }
        }
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> CacheResult<broadcast::Receiver<String>> {
        let mut channels = self.channels();
        let sender = channels
            .entry(channel.to_owned())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0);
        Ok(sender.subscribe())
    }

    async fn slot_acquire(
        &self,
        key: &str,
        limit: u32,
        ttl: Duration,
    ) -> CacheResult<Option<String>> {
        Ok(self.counted.acquire(key, limit, ttl))
    }

    async fn slot_renew(&self, key: &str, token: &str, ttl: Duration) -> CacheResult<bool> {
        Ok(self.counted.renew(key, token, ttl))
    }

    async fn slot_release(&self, key: &str, token: &str) -> CacheResult<()> {
        self.counted.release(key, token);
        Ok(())
    }

    async fn bucket_take(
        &self,
        key: &str,
        capacity: u32,
        per_second: f64,
    ) -> CacheResult<Result<(), Duration>> {
        Ok(self.counted.take(key, capacity, per_second))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_channel_without_receivers_is_dropped_on_publish() {
        let cache = MemoryCache::new();
        let rx = cache.subscribe("c").await.unwrap();
        drop(rx);
        cache.publish("c", "m").await.unwrap();
        assert!(cache.channels().is_empty());
    }

    #[tokio::test]
    async fn zero_ttl_is_raised_to_a_millisecond() {
        let cache = MemoryCache::new();
        cache.set("k", "v", Duration::ZERO).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(cache.get("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_lease_key_does_not_count() {
        let cache = MemoryCache::new();
        cache
            .try_acquire("l", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(
            cache.incr("l", 1, Duration::from_secs(60)).await,
            Err(CacheError::Protocol(_))
        ));
    }
}
