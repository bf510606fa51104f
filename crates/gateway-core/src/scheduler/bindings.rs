//! Affinity bindings kept in this process (moka, idle TTL refreshed on use), with the count
//! of live bindings per account that bounded load needs (scheduling.md §6.3). On the server
//! the shared cache is the source of truth for where a key is bound; this map still counts
//! the bindings this replica made.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use moka::notification::RemovalCause;

use super::policy::affinity::Binding;
use super::snapshot::Runtime;

pub struct Bindings {
    map: moka::sync::Cache<String, Binding>,
    ttl: Duration,
}

impl Bindings {
    pub fn new(runtime: Arc<Runtime>, ttl: Duration) -> Self {
        let map = moka::sync::Cache::builder()
            .time_to_idle(ttl)
            .eviction_listener(move |_key, binding: Binding, cause: RemovalCause| {
                let _ = cause;
                if let Some(live) = runtime.find(binding.account_id) {
                    let dropped =
                        live.bound
                            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                                n.checked_sub(1)
                            });
                    if dropped.is_ok() {
                        let _ = runtime.counters.bound_total.fetch_update(
                            Ordering::AcqRel,
                            Ordering::Acquire,
                            |n| n.checked_sub(1),
                        );
                    }
                }
            })
            .build();
        Bindings { map, ttl }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn get(&self, key: &str) -> Option<Binding> {
        self.map.get(key)
    }

    /// Stores the binding; the account's bound count follows (the replaced entry, if any, is
    /// uncounted by the eviction listener).
    pub fn put(&self, runtime: &Runtime, key: &str, binding: Binding) {
        runtime
            .entry(binding.account_id)
            .bound
            .fetch_add(1, Ordering::AcqRel);
        runtime.counters.bound_total.fetch_add(1, Ordering::AcqRel);
        self.map.insert(key.to_owned(), binding);
    }
}
