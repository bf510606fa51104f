//! The pool snapshot (immutable, swapped whole when accounts change) and the live per-account
//! runtime beside it (in-flight counters, opened credentials), which survives rebuilds.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::grant::{AttemptOutcome, PoolError, Slot};
use crate::service::credentials::Credentials;
use crate::store::{Account, CredentialState};

#[derive(Default)]
pub struct Snapshot {
    accounts: Vec<Account>,
    /// Rotates the starting point among equally loaded accounts.
    cursor: AtomicUsize,
}

impl Snapshot {
    pub fn new(accounts: Vec<Account>) -> Self {
        Snapshot {
            accounts,
            cursor: AtomicUsize::new(0),
        }
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The least-loaded schedulable account not in `skip`, with its slot already taken.
    /// `limit` 0 means no per-account concurrency limit.
    pub fn pick<'a>(
        &'a self,
        runtime: &Runtime,
        skip: &[i64],
        limit: u32,
    ) -> Option<(&'a Account, Slot)> {
        let n = self.accounts.len();
        if n == 0 {
            return None;
        }
        let start = self.cursor.fetch_add(1, Ordering::Relaxed) % n;
        let mut tried: Vec<i64> = Vec::new();
        loop {
            let best = (0..n)
                .map(|i| &self.accounts[(start + i) % n])
                .filter(|a| schedulable(a) && !skip.contains(&a.id) && !tried.contains(&a.id))
                .map(|a| (a, runtime.in_flight(a.id)))
                .filter(|(_, load)| limit == 0 || *load < limit)
                .min_by_key(|(_, load)| *load)?;
            if let Some(slot) = runtime.try_occupy(best.0.id, limit) {
                return Some((best.0, slot));
            }
            // Lost a race for the last slot; look again without it.
            tried.push(best.0.id);
        }
    }

    /// Why nothing could be picked.
    pub fn unavailable(&self) -> PoolError {
        if self.accounts.iter().any(schedulable) {
            PoolError::Busy
        } else if self.accounts.is_empty() {
            PoolError::NoAccounts
        } else {
            PoolError::Unauthorized("no enabled account with a valid credential".into())
        }
    }
}

fn schedulable(a: &Account) -> bool {
    a.enabled && !a.paused && a.deleted_at.is_none() && a.state == CredentialState::Active
}

#[derive(Default)]
struct AccountRuntime {
    in_flight: Arc<AtomicU32>,
    /// `(credential generation, access expiry ms, tokens)`.
    credentials: Mutex<Option<(i64, Option<i64>, Credentials)>>,
    last_outcome: Mutex<Option<AttemptOutcome>>,
}

/// Live state per account id.
#[derive(Default)]
pub struct Runtime {
    accounts: Mutex<HashMap<i64, Arc<AccountRuntime>>>,
}

impl Runtime {
    fn entry(&self, id: i64) -> Arc<AccountRuntime> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_default()
            .clone()
    }

    /// Drops the runtime of accounts that no longer exist.
    pub fn retain(&self, accounts: &[Account]) {
        let mut map = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|id, _| accounts.iter().any(|a| a.id == *id));
    }

    pub fn in_flight(&self, id: i64) -> u32 {
        self.entry(id).in_flight.load(Ordering::Acquire)
    }

    /// Takes a slot unless the account is at `limit` (0 = unlimited).
    pub fn try_occupy(&self, id: i64, limit: u32) -> Option<Slot> {
        let counter = self.entry(id).in_flight.clone();
        let taken = counter.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (limit == 0 || n < limit).then_some(n + 1)
        });
        taken.ok().map(|_| Slot(counter))
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

    pub fn record(&self, id: i64, outcome: &AttemptOutcome) {
        *self
            .entry(id)
            .last_outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(outcome.clone());
    }
}
