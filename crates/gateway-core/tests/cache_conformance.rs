//! One conformance suite for every `Cache` backend: the same test functions run against the
//! in-process cache and against Redis, so the two cannot drift apart.
//!
//! Redis runs when `TEST_REDIS_URL` is set (e.g. `redis://127.0.0.1:6379`), each test under
//! its own key prefix. Without it the Redis tests are skipped loudly, and fail under `CI=true`
//! so CI cannot pass without having run them.

// Marks the whole file as test code, so clippy's allow-unwrap/expect/panic-in-tests settings
// also cover the shared suite functions and helpers, not only the `#[test]` functions.
#![cfg(test)]

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::cache::{Cache, Lease};
use tokio::sync::broadcast;
use tokio::time::{sleep, timeout, Instant};

/// A cache under test plus the driver name it must report.
pub struct Harness {
    cache: Arc<dyn Cache>,
    expected_driver: &'static str,
}

impl Deref for Harness {
    type Target = dyn Cache;

    fn deref(&self) -> &(dyn Cache + 'static) {
        self.cache.as_ref()
    }
}

/// Generous upper bound for anything that should happen "soon"; tests never assert speed.
const PATIENCE: Duration = Duration::from_secs(5);
const SHORT_TTL: Duration = Duration::from_millis(250);
const LONG_TTL: Duration = Duration::from_secs(60);

/// Polls until `key` is gone, failing after [`PATIENCE`].
async fn wait_until_gone(cache: &Harness, key: &str) {
    let deadline = Instant::now() + PATIENCE;
    while cache.get(key).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "{key} did not expire");
        sleep(Duration::from_millis(50)).await;
    }
}

async fn receive(rx: &mut broadcast::Receiver<String>) -> String {
    timeout(PATIENCE, rx.recv())
        .await
        .expect("no message within the deadline")
        .unwrap()
}

mod suite {
    use super::*;

    pub async fn driver_name(cache: &Harness) {
        assert_eq!(cache.driver(), cache.expected_driver);
    }

    pub async fn ping(cache: &Harness) {
        cache.ping().await.unwrap();
    }

    pub async fn get_set_overwrite_delete(cache: &Harness) {
        assert_eq!(cache.get("k").await.unwrap(), None);
        cache.set("k", "one", LONG_TTL).await.unwrap();
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("one"));
        cache.set("k", "two", LONG_TTL).await.unwrap();
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("two"));
        cache.set("other", "x", LONG_TTL).await.unwrap();
        cache.delete("k").await.unwrap();
        assert_eq!(cache.get("k").await.unwrap(), None);
        assert_eq!(cache.get("other").await.unwrap().as_deref(), Some("x"));
        cache.delete("k").await.unwrap();
        cache.delete("never-set").await.unwrap();
        cache.delete("other").await.unwrap();
    }

    pub async fn values_keep_any_text(cache: &Harness) {
        for value in ["", "ünïcødé 🔑", "line\nbreak", "{\"json\":true}"] {
            cache.set("k", value, LONG_TTL).await.unwrap();
            assert_eq!(cache.get("k").await.unwrap().as_deref(), Some(value));
        }
        cache.delete("k").await.unwrap();
    }

    pub async fn value_ttl_expires(cache: &Harness) {
        cache.set("short", "v", SHORT_TTL).await.unwrap();
        cache.set("long", "v", LONG_TTL).await.unwrap();
        wait_until_gone(cache, "short").await;
        assert_eq!(cache.get("long").await.unwrap().as_deref(), Some("v"));
        cache.delete("long").await.unwrap();
    }

    pub async fn overwrite_restarts_value_ttl(cache: &Harness) {
        cache.set("k", "short", SHORT_TTL).await.unwrap();
        cache.set("k", "long", LONG_TTL).await.unwrap();
        sleep(SHORT_TTL * 3).await;
        assert_eq!(cache.get("k").await.unwrap().as_deref(), Some("long"));
        cache.set("k", "short again", SHORT_TTL).await.unwrap();
        wait_until_gone(cache, "k").await;
    }

    pub async fn counters_incr_and_decr(cache: &Harness) {
        assert_eq!(cache.incr("c", 1, LONG_TTL).await.unwrap(), 1);
        assert_eq!(cache.incr("c", 5, LONG_TTL).await.unwrap(), 6);
        assert_eq!(cache.incr("c", -2, LONG_TTL).await.unwrap(), 4);
        assert_eq!(cache.incr("c", 0, LONG_TTL).await.unwrap(), 4);
        assert_eq!(cache.get("c").await.unwrap().as_deref(), Some("4"));
        assert_eq!(cache.incr("negative", -3, LONG_TTL).await.unwrap(), -3);
        cache.delete("c").await.unwrap();
        assert_eq!(cache.incr("c", 2, LONG_TTL).await.unwrap(), 2);
        cache.delete("c").await.unwrap();
        cache.delete("negative").await.unwrap();
    }

    pub async fn incr_on_a_non_integer_value_fails(cache: &Harness) {
        cache.set("text", "hello", LONG_TTL).await.unwrap();
        assert!(cache.incr("text", 1, LONG_TTL).await.is_err());
        assert_eq!(cache.get("text").await.unwrap().as_deref(), Some("hello"));
        cache.set("number", "41", LONG_TTL).await.unwrap();
        assert_eq!(cache.incr("number", 1, LONG_TTL).await.unwrap(), 42);
        cache.delete("text").await.unwrap();
        cache.delete("number").await.unwrap();
    }

    pub async fn counter_ttl_is_not_extended_by_later_incr(cache: &Harness) {
        // Wide enough that a loaded machine still makes the second call inside the window.
        let window = Duration::from_secs(1);
        assert_eq!(cache.incr("w", 1, window).await.unwrap(), 1);
        sleep(window / 4).await;
        // A later call with a much longer TTL must not move the window's end.
        assert_eq!(cache.incr("w", 1, LONG_TTL).await.unwrap(), 2);
        wait_until_gone(cache, "w").await;
        // The next increment opens a new window.
        assert_eq!(cache.incr("w", 1, window).await.unwrap(), 1);
        cache.delete("w").await.unwrap();
    }

    pub async fn concurrent_incr_sums_exactly(cache: &Harness) {
        const TASKS: i64 = 16;
        const EACH: i64 = 25;
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..TASKS {
            let cache = Arc::clone(&cache.cache);
            tasks.spawn(async move {
                for _ in 0..EACH {
                    cache.incr("sum", 1, LONG_TTL).await.unwrap();
                }
            });
        }
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
        assert_eq!(
            cache.get("sum").await.unwrap(),
            Some((TASKS * EACH).to_string())
        );
        cache.delete("sum").await.unwrap();
    }

    pub async fn lease_acquire_and_contend(cache: &Harness) {
        let lease = cache
            .try_acquire("lease", LONG_TTL)
            .await
            .unwrap()
            .expect("free lease");
        assert_eq!(lease.key, "lease");
        assert!(!lease.owner.is_empty());
        assert_eq!(cache.try_acquire("lease", LONG_TTL).await.unwrap(), None);
        let other = cache
            .try_acquire("other-lease", LONG_TTL)
            .await
            .unwrap()
            .expect("free");
        assert_ne!(other.owner, lease.owner);
        assert!(cache.release(&lease).await.unwrap());
        assert!(cache.release(&other).await.unwrap());
    }

    pub async fn lease_renew_by_owner_only(cache: &Harness) {
        let first_ttl = Duration::from_secs(1);
        let lease = cache
            .try_acquire("lease", first_ttl)
            .await
            .unwrap()
            .expect("free lease");
        let stranger = Lease {
            key: lease.key.clone(),
            owner: "someone-else".to_owned(),
        };
        assert!(!cache.renew(&stranger, LONG_TTL).await.unwrap());
        assert!(cache.renew(&lease, LONG_TTL).await.unwrap());
        // Renewed far beyond the original TTL: still held after it would have lapsed.
        sleep(first_ttl + first_ttl / 2).await;
        assert_eq!(cache.try_acquire("lease", LONG_TTL).await.unwrap(), None);
        assert!(cache.release(&lease).await.unwrap());
        assert!(!cache.renew(&lease, LONG_TTL).await.unwrap());
    }

    pub async fn lease_release_by_owner_only(cache: &Harness) {
        let lease = cache
            .try_acquire("lease", LONG_TTL)
            .await
            .unwrap()
            .expect("free lease");
        let stranger = Lease {
            key: lease.key.clone(),
            owner: "someone-else".to_owned(),
        };
        assert!(!cache.release(&stranger).await.unwrap());
        assert_eq!(cache.try_acquire("lease", LONG_TTL).await.unwrap(), None);
        assert!(cache.release(&lease).await.unwrap());
        assert!(!cache.release(&lease).await.unwrap());
        let next = cache
            .try_acquire("lease", LONG_TTL)
            .await
            .unwrap()
            .expect("released");
        assert_ne!(next.owner, lease.owner);
        // The old holder cannot release the new holder's lease.
        assert!(!cache.release(&lease).await.unwrap());
        assert!(cache.release(&next).await.unwrap());
    }

    pub async fn lease_expiry_lets_another_acquire(cache: &Harness) {
        let first = cache
            .try_acquire("lease", SHORT_TTL)
            .await
            .unwrap()
            .expect("free lease");
        let deadline = Instant::now() + PATIENCE;
        let second = loop {
            if let Some(lease) = cache.try_acquire("lease", LONG_TTL).await.unwrap() {
                break lease;
            }
            assert!(Instant::now() < deadline, "lease did not lapse");
            sleep(Duration::from_millis(50)).await;
        };
        assert_ne!(second.owner, first.owner);
        assert!(!cache.renew(&first, LONG_TTL).await.unwrap());
        assert!(!cache.release(&first).await.unwrap());
        assert!(cache.release(&second).await.unwrap());
    }

    pub async fn pubsub_delivers_to_every_subscriber(cache: &Harness) {
        let mut a = cache.subscribe("changes").await.unwrap();
        let mut b = cache.subscribe("changes").await.unwrap();
        cache.publish("changes", "account:1").await.unwrap();
        cache.publish("changes", "account:2").await.unwrap();
        for rx in [&mut a, &mut b] {
            assert_eq!(receive(rx).await, "account:1");
            assert_eq!(receive(rx).await, "account:2");
        }
    }

    pub async fn pubsub_channels_are_isolated(cache: &Harness) {
        let mut accounts = cache.subscribe("accounts").await.unwrap();
        let mut settings = cache.subscribe("settings").await.unwrap();
        cache.publish("accounts", "a").await.unwrap();
        cache.publish("settings", "s").await.unwrap();
        assert_eq!(receive(&mut accounts).await, "a");
        assert_eq!(receive(&mut settings).await, "s");
        // Both messages have been delivered by now; nothing else may be queued.
        sleep(Duration::from_millis(200)).await;
        assert!(accounts.try_recv().is_err());
        assert!(settings.try_recv().is_err());
    }

    pub async fn publish_without_subscribers_is_ok(cache: &Harness) {
        cache.publish("nobody-listens", "m").await.unwrap();
        let rx = cache.subscribe("nobody-listens").await.unwrap();
        drop(rx);
        cache.publish("nobody-listens", "m").await.unwrap();
        let mut again = cache.subscribe("nobody-listens").await.unwrap();
        cache.publish("nobody-listens", "later").await.unwrap();
        // With Redis the earlier "m" may still be in flight when the new subscriber joins;
        // the contract covers only what is published after `subscribe` returns.
        let mut received = receive(&mut again).await;
        if received == "m" {
            received = receive(&mut again).await;
        }
        assert_eq!(received, "later");
    }
}

/// Expands to one `#[tokio::test]` per suite function; `open(test_name)` comes from the
/// invoking module and returns `None` when the backend is skipped.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(cache) = open(stringify!($name)).await else { return };
                crate::suite::$name(&cache).await;
            }
        )*
    };
}

macro_rules! all_conformance_tests {
    () => {
        conformance!(
            driver_name,
            ping,
            get_set_overwrite_delete,
            values_keep_any_text,
            value_ttl_expires,
            overwrite_restarts_value_ttl,
            counters_incr_and_decr,
            incr_on_a_non_integer_value_fails,
            counter_ttl_is_not_extended_by_later_incr,
            concurrent_incr_sums_exactly,
            lease_acquire_and_contend,
            lease_renew_by_owner_only,
            lease_release_by_owner_only,
            lease_expiry_lets_another_acquire,
            pubsub_delivers_to_every_subscriber,
            pubsub_channels_are_isolated,
            publish_without_subscribers_is_ok,
        );
    };
}

mod memory {
    use super::*;

    async fn open(_test: &str) -> Option<Harness> {
        let cache = gateway_core::cache::open(&gateway_core::config::CacheConfig::Memory)
            .await
            .unwrap();
        Some(Harness {
            cache,
            expected_driver: "memory",
        })
    }

    all_conformance_tests!();
}

mod redis {
    use super::*;

    /// The Redis under test, or `None` (after saying so loudly) when none is configured.
    fn redis_url() -> Option<String> {
        match std::env::var("TEST_REDIS_URL") {
            Ok(url) if !url.is_empty() => Some(url),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("TEST_REDIS_URL must be set when CI=true (e.g. redis://127.0.0.1:6379)")
            }
            _ => {
                eprintln!("SKIPPED: TEST_REDIS_URL not set; the Redis cache was not tested");
                None
            }
        }
    }

    #[cfg(feature = "redis")]
    async fn open(test: &str) -> Option<Harness> {
        let url = redis_url()?;
        // A fresh namespace per test run keeps tests independent of each other and of
        // leftovers from earlier runs.
        let prefix = format!("switchyard-test:{test}:{}:", uuid::Uuid::now_v7().simple());
        let cache = gateway_core::cache::redis::RedisCache::connect(&url, &prefix)
            .await
            .unwrap_or_else(|e| panic!("TEST_REDIS_URL is set but Redis is unusable: {e}"));
        Some(Harness {
            cache: Arc::new(cache),
            expected_driver: "redis",
        })
    }

    #[cfg(not(feature = "redis"))]
    async fn open(_test: &str) -> Option<Harness> {
        redis_url()?;
        panic!("TEST_REDIS_URL is set but gateway-core was built without the `redis` feature")
    }

    all_conformance_tests!();
}
