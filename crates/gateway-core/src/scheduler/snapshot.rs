//! The pool snapshot (immutable, swapped whole when accounts change) and the live state per
//! account beside it, which survives rebuilds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::live::Live;
use crate::service::credentials::Credentials;
use crate::store::Account;

#[derive(Default)]
pub struct Snapshot {
    pub accounts: Vec<Account>,
    /// Same order as `accounts`.
    pub lives: Vec<Arc<Live>>,
    pub index: HashMap<i64, usize>,
}

impl Snapshot {
    pub fn new(accounts: Vec<Account>, runtime: &Runtime) -> Self {
        let lives = accounts.iter().map(|a| runtime.entry(a.id)).collect();
        let index = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id, i))
            .collect();
        Snapshot {
            accounts,
            lives,
            index,
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
}

impl Runtime {
    pub fn entry(&self, id: i64) -> Arc<Live> {
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(id)
            .or_default()
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
