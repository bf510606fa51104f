//! The pool snapshot (immutable, swapped whole when accounts change) and the live state per
//! account beside it, which survives rebuilds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::band::Band;
use super::live::Live;
use crate::service::credentials::Credentials;
use crate::store::{Account, CredentialState};

#[derive(Default)]
pub struct Snapshot {
    pub accounts: Vec<Account>,
    /// Same order as `accounts`.
    pub lives: Vec<Arc<Live>>,
    /// Same order as `accounts`: the few stored fields a pick reads, packed so that a scan
    /// over 10,000 accounts stays in cache instead of touching every full record.
    pub statics: Vec<Static>,
    pub index: HashMap<i64, usize>,
    pub counters: Arc<PoolCounters>,
    /// The selection band per model, reused by picks until something that moves it changes.
    pub bands: RwLock<Vec<Arc<Band>>>,
}

/// Pool-wide counters the pick reads without scanning every account.
#[derive(Debug, Default)]
pub struct PoolCounters {
    /// Bumped whenever an account's view changes in a way that can move the selection band
    /// (tier, cooldown, flags, a dispatch score moving by a point or more, re-auth).
    pub epoch: AtomicU64,
    /// Live affinity bindings in this process, over all accounts (bounded load, §6.3).
    pub bound_total: AtomicU32,
}

impl PoolCounters {
    pub fn bump(&self) {
        self.epoch.fetch_add(1, Ordering::Release);
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Static {
    pub id: i64,
    pub priority: i64,
    /// The admin's `base_concurrency_override`, else `None` for the global base.
    pub base: Option<u32>,
    /// The stored reason this account cannot be picked at all (§5 step 1).
    pub blocked: Option<&'static str>,
}

impl Static {
    fn of(a: &Account) -> Self {
        let blocked = if a.deleted_at.is_some() {
            Some("deleted")
        } else if !a.enabled {
            Some("disabled")
        } else if a.paused {
            Some("paused")
        } else if a.state != CredentialState::Active {
            Some("reauth_required")
        } else {
            None
        };
        Static {
            id: a.id,
            priority: a.scheduler_priority,
            base: base_override(a),
            blocked,
        }
    }

    /// The base concurrency (§4) before the tier scales it.
    pub fn base(&self, global: u32) -> u32 {
        self.base.unwrap_or(global)
    }
}

/// The account's own base concurrency, if the admin set one (0 = unlimited, like the global).
pub fn base_override(a: &Account) -> Option<u32> {
    a.base_concurrency_override
        .map(|b| u32::try_from(b.max(0)).unwrap_or(u32::MAX))
}

impl Snapshot {
    pub fn new(accounts: Vec<Account>, runtime: &Runtime) -> Self {
        let lives = accounts.iter().map(|a| runtime.entry(a.id)).collect();
        let statics = accounts.iter().map(Static::of).collect();
        let index = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        Snapshot {
            accounts,
            lives,
            statics,
            index,
            counters: Arc::clone(&runtime.counters),
            bands: RwLock::default(),
        }
    }

    pub fn get(&self, id: i64) -> Option<(&Account, &Arc<Live>)> {
        let i = *self.index.get(&id)?;
        Some((&self.accounts[i], &self.lives[i]))
    }
}

/// Live state per account id.
#[derive(Default)]
pub struct Runtime {
    accounts: Mutex<HashMap<i64, Arc<Live>>>,
    pub counters: Arc<PoolCounters>,
}

impl Runtime {
    pub fn entry(&self, id: i64) -> Arc<Live> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_insert_with(|| Arc::new(Live::new(Arc::clone(&self.counters))))
            .clone()
    }

    pub fn find(&self, id: i64) -> Option<Arc<Live>> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    /// Drops the live state of accounts that no longer exist.
    pub fn retain(&self, accounts: &[Account]) {
        let mut map = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|id, _| accounts.iter().any(|a| a.id == *id));
    }

    /// Cached tokens, unless the stored generation moved past them.
    pub fn cached_credentials(&self, account: &Account) -> Option<(Credentials, Option<i64>)> {
        let entry = self.entry(account.id);
        let guard = entry.credentials.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref() {
            Some((generation, expires, creds)) if *generation >= account.credential_generation => {
                Some((creds.clone(), *expires))
            }
            _ => None,
        }
    }

    pub fn cache_credentials(
        &self,
        id: i64,
        generation: i64,
        expires: Option<i64>,
        creds: Credentials,
    ) {
        let entry = self.entry(id);
        let mut guard = entry.credentials.lock().unwrap_or_else(|e| e.into_inner());
        if guard.as_ref().is_none_or(|(g, _, _)| *g <= generation) {
            *guard = Some((generation, expires, creds));
        }
    }
}
