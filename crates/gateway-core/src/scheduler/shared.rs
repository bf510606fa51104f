//! State that replicas sharing a Redis cache must agree on, through the [`Cache`] trait:
//! in-flight slots as counted leases (30 s TTL renewed every 10 s, so a crashed replica frees
//! its slots fast), cooldown changes broadcast over pub/sub, and affinity bindings. With the
//! in-process cache the same code runs against memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::policy::affinity::Binding;
use super::policy::cooldown::Cooldown;
use crate::cache::Cache;

pub const LEASE_TTL: Duration = Duration::from_secs(30);
pub const RENEW_EVERY: Duration = Duration::from_secs(10);
pub const EVENTS: &str = "sched:events";

/// Holds the leases this process owns, renews them, and releases dropped ones.
pub struct Keeper {
    cache: Arc<dyn Cache>,
    held: Mutex<HashMap<String, String>>,
    tx: mpsc::UnboundedSender<(String, String)>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<(String, String)>>>,
}

/// One held counted slot; dropping it releases the slot in the background.
#[derive(Debug)]
pub struct LeaseGuard {
    key: String,
    token: String,
    keeper: Arc<Keeper>,
}

impl std::fmt::Debug for Keeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper").finish_non_exhaustive()
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.keeper.lock().remove(&self.token);
        let _ = self.keeper.tx.send((
            std::mem::take(&mut self.key),
            std::mem::take(&mut self.token),
        ));
    }
}

impl Keeper {
    pub fn new(cache: Arc<dyn Cache>) -> Arc<Keeper> {
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Keeper {
            cache,
            held: Mutex::default(),
            tx,
            rx: Mutex::new(Some(rx)),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes one of `limit` slots under `key`. A cache failure fails open (the local limit
    /// still holds) so a Redis hiccup does not stop traffic.
    pub async fn acquire(
        self: &Arc<Self>,
        key: &str,
        limit: u32,
    ) -> Result<Option<LeaseGuard>, ()> {
        match self.cache.slot_acquire(key, limit, LEASE_TTL).await {
            Ok(Some(token)) => {
                self.lock().insert(token.clone(), key.to_owned());
                Ok(Some(LeaseGuard {
                    key: key.to_owned(),
                    token,
                    keeper: Arc::clone(self),
                }))
            }
            Ok(None) => Ok(None),
            Err(err) => {
                tracing::warn!(error = %err, key, "shared slot check failed; using the local limit only");
                Err(())
            }
        }
    }

    /// Renews held leases and releases dropped ones until cancelled.
    pub async fn run(self: Arc<Self>, cancel: tokio_util::sync::CancellationToken) {
        let Some(mut rx) = self.rx.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let mut tick = tokio::time::interval(RENEW_EVERY);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => return,
                Some((key, token)) = rx.recv() => {
                    if let Err(err) = self.cache.slot_release(&key, &token).await {
                        tracing::debug!(error = %err, "slot release failed; the lease will lapse");
                    }
                }
                _ = tick.tick() => {
                    let held: Vec<(String, String)> = self.lock().iter().map(|(t, k)| (k.clone(), t.clone())).collect();
                    for (key, token) in held {
                        let _ = self.cache.slot_renew(&key, &token, LEASE_TTL).await;
                    }
                }
            }
        }
    }
}

/// A cooldown change, broadcast so other replicas apply it too.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CooldownEvent {
    pub origin: String,
    pub account_id: i64,
    pub account: Option<Cooldown>,
    pub model: Option<(String, Cooldown)>,
    pub cleared: bool,
    /// The pin or other settings changed: reload settings.
    #[serde(default)]
    pub settings_changed: bool,
    /// Accounts were added, edited or removed: rebuild the pool snapshot.
    #[serde(default)]
    pub accounts_changed: bool,
}

/// Affinity bindings in the shared cache (server); the desktop keeps them in moka only.
pub async fn load_binding(cache: &dyn Cache, key: &str) -> Option<Binding> {
    let raw = cache.get(&format!("aff:{key}")).await.ok()??;
    serde_json::from_str(&raw).ok()
}

pub async fn store_binding(cache: &dyn Cache, key: &str, binding: &Binding, ttl: Duration) {
    if let Ok(json) = serde_json::to_string(binding) {
        if let Err(err) = cache.set(&format!("aff:{key}"), &json, ttl).await {
            tracing::debug!(error = %err, "cannot store the affinity binding");
        }
    }
}
