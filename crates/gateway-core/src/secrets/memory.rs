//! An in-memory [`SecretStore`] for tests: `seal` hands out an opaque reference and keeps the
//! plaintext in a map, the way the keyring store keeps it outside the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use super::{SecretError, SecretResult, SecretStore, SecretString};

/// Secrets keyed by the reference `mem:<name>:<n>` that `seal` returned.
#[derive(Default)]
pub struct MemorySecretStore {
    entries: Mutex<HashMap<String, SecretString>>,
    next: AtomicU64,
}

impl MemorySecretStore {
    pub fn new() -> MemorySecretStore {
        MemorySecretStore::default()
    }

    /// How many secrets are held; lets tests check that `remove` forgets.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }

    /// Each critical section is one map operation, so a poisoned lock is still consistent.
    fn entries(&self) -> MutexGuard<'_, HashMap<String, SecretString>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl std::fmt::Debug for MemorySecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemorySecretStore")
            .field("entries", &self.len())
            .finish()
    }
}

fn name_prefix(name: &str) -> String {
    format!("mem:{name}:")
}

/// Whether `reference` was sealed for exactly `name`: names may contain `:`, so `mem:a:b:1`
/// belongs to `a:b`, never to `a`.
fn sealed_for(reference: &str, name: &str) -> bool {
    reference
        .strip_prefix(&name_prefix(name))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[async_trait]
impl SecretStore for MemorySecretStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    async fn seal(&self, name: &str, plaintext: &SecretString) -> SecretResult<String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let reference = format!("{}{n}", name_prefix(name));
        self.entries().insert(reference.clone(), plaintext.clone());
        Ok(reference)
    }

    async fn open(&self, name: &str, sealed: &str) -> SecretResult<SecretString> {
        if !sealed.starts_with("mem:") {
            return Err(SecretError::Malformed);
        }
        // Same contract as the encrypted store: a value sealed for another name does not open.
        if !sealed_for(sealed, name) {
            return Err(SecretError::Undecryptable);
        }
        self.entries()
            .get(sealed)
            .cloned()
            .ok_or(SecretError::NotFound)
    }

    async fn remove(&self, name: &str) -> SecretResult<()> {
        self.entries()
            .retain(|reference, _| !sealed_for(reference, name));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seal_open_remove() {
        let store = MemorySecretStore::new();
        let sealed = store
            .seal("account:1:refresh", &SecretString::new("rt"))
            .await
            .unwrap();
        assert!(sealed.starts_with("mem:account:1:refresh:"));
        assert_eq!(
            store
                .open("account:1:refresh", &sealed)
                .await
                .unwrap()
                .expose(),
            "rt"
        );
        store.remove("account:1:refresh").await.unwrap();
        assert!(store.is_empty());
        assert!(matches!(
            store.open("account:1:refresh", &sealed).await,
            Err(SecretError::NotFound)
        ));
    }

    #[tokio::test]
    async fn a_reference_does_not_open_under_another_name() {
        let store = MemorySecretStore::new();
        let sealed = store.seal("a", &SecretString::new("x")).await.unwrap();
        assert!(matches!(
            store.open("b", &sealed).await,
            Err(SecretError::Undecryptable)
        ));
        assert!(matches!(
            store.open("a", "v1:abc").await,
            Err(SecretError::Malformed)
        ));
    }

    #[tokio::test]
    async fn remove_spares_names_that_share_a_prefix() {
        let store = MemorySecretStore::new();
        store.seal("a", &SecretString::new("x")).await.unwrap();
        let kept = store.seal("a:b", &SecretString::new("y")).await.unwrap();
        store.remove("a").await.unwrap();
        assert_eq!(store.open("a:b", &kept).await.unwrap().expose(), "y");
    }
}
