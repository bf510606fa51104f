//! Shared runtime state behind one small API: values with a TTL, atomic counters with a TTL,
//! leases (owner token, TTL, compare-and-delete release) and pub/sub change notifications.
//!
//! The in-process implementation serves the desktop app and single-node servers; the Redis
//! implementation lets several server replicas agree on limits, cooldowns and refresh leases.

pub mod memory;
mod memory_counted;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
mod redis_counted;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::broadcast;

use crate::config::CacheConfig;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache backend unavailable: {0}")]
    Unavailable(String),
    #[error("cache protocol error: {0}")]
    Protocol(String),
}

pub type CacheResult<T> = Result<T, CacheError>;

/// A held lease. Dropping it does not release it: call [`Cache::release`] (compare-and-delete),
/// or let the TTL lapse, which is what frees the leases of a crashed process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub key: String,
    /// Random per acquisition; only the holder of this token can renew or release.
    pub owner: String,
}

#[async_trait]
pub trait Cache: Send + Sync {
    /// `"memory"` or `"redis"`.
    fn driver(&self) -> &'static str;
    async fn ping(&self) -> CacheResult<()>;

    async fn get(&self, key: &str) -> CacheResult<Option<String>>;
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> CacheResult<()>;
    async fn delete(&self, key: &str) -> CacheResult<()>;

    /// Adds `delta` and returns the new value. The TTL is set when the counter is created
    /// and left alone afterwards, so a fixed window expires on time.
    async fn incr(&self, key: &str, delta: i64, ttl: Duration) -> CacheResult<i64>;

    /// Takes the lease when nobody holds it; `None` when it is held by someone else.
    async fn try_acquire(&self, key: &str, ttl: Duration) -> CacheResult<Option<Lease>>;
    /// Extends a lease we still hold; false when it lapsed or changed hands.
    async fn renew(&self, lease: &Lease, ttl: Duration) -> CacheResult<bool>;
    /// Releases a lease only if we still hold it; false when it lapsed or changed hands.
    async fn release(&self, lease: &Lease) -> CacheResult<bool>;

    /// Publishes a change notification to every subscriber of the channel, in every process
    /// that shares this cache.
    async fn publish(&self, channel: &str, message: &str) -> CacheResult<()>;
    /// Subscribes to a channel. Messages published after this returns are delivered.
    async fn subscribe(&self, channel: &str) -> CacheResult<broadcast::Receiver<String>>;

    /// Takes one of `limit` counted slots under `key`: each holder has its own lease token
    /// and TTL, lapsed holders stop counting (so a crashed process frees its slots), and the
    /// check-and-take is one atomic step. `None` when `limit` live holders exist.
    async fn slot_acquire(
        &self,
        key: &str,
        limit: u32,
        ttl: Duration,
    ) -> CacheResult<Option<String>>;
    /// Extends one holder's slot; false when it lapsed.
    async fn slot_renew(&self, key: &str, token: &str, ttl: Duration) -> CacheResult<bool>;
    async fn slot_release(&self, key: &str, token: &str) -> CacheResult<()>;
    /// Takes one token from a plain token bucket (`capacity` tokens, refilled at
    /// `per_second`); when empty, the wait until the next token.
    async fn bucket_take(
        &self,
        key: &str,
        capacity: u32,
        per_second: f64,
    ) -> CacheResult<Result<(), Duration>>;
}

/// The namespace [`open`] gives every Redis key and channel, so a shared Redis can hold
/// other applications' data next to ours.
pub const DEFAULT_REDIS_PREFIX: &str = "switchyard:";

/// Opens the cache the config names. Redis is contacted once here, so an unreachable or
/// misconfigured server stops the process at start (within a few seconds) rather than on the
/// first request.
pub async fn open(config: &CacheConfig) -> Result<Arc<dyn Cache>, CacheError> {
    match config {
        CacheConfig::Memory => Ok(Arc::new(memory::MemoryCache::new())),
        #[cfg(feature = "redis")]
        CacheConfig::Redis { url } => Ok(Arc::new(
            redis::RedisCache::connect(url, DEFAULT_REDIS_PREFIX).await?,
        )),
        #[cfg(not(feature = "redis"))]
        CacheConfig::Redis { .. } => Err(CacheError::Unavailable(
            "this build has no Redis support (cargo feature `redis`)".to_owned(),
        )),
    }
}

/// The TTL both backends actually apply: at least one millisecond, because Redis rejects a
/// zero expiry and a zero-length entry would be useless anyway.
pub(crate) fn effective_ttl(ttl: Duration) -> Duration {
    ttl.max(Duration::from_millis(1))
}

/// A fresh random owner token for a lease.
pub(crate) fn new_owner_token() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}
