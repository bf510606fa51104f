//! The hot-path key lookup: presented key → hash → row, cached in memory for a few seconds so
//! a request does not hit the database. Any admin change to keys clears the cache, so a
//! disabled or deleted key stops working at once on this node (and within the TTL elsewhere).

use std::time::Duration;

use crate::store::{ApiKey, Store};

use super::hash_key;

/// How long a lookup (hit or miss) is trusted; bounds staleness of `tokens_used` too.
const LOOKUP_TTL: Duration = Duration::from_secs(10);

/// A request's authenticated caller.
#[derive(Debug, Clone)]
pub enum Authenticated {
    Key(ApiKey),
    /// No key exists and `CODEX_ALLOW_ANONYMOUS` is on.
    Anonymous,
}

impl Authenticated {
    pub fn key_id(&self) -> Option<i64> {
        match self {
            Authenticated::Key(key) => Some(key.id),
            Authenticated::Anonymous => None,
        }
    }

    /// The model allow-list check (case-insensitive; an empty list allows everything).
    pub fn allows_model(&self, names: &[&str]) -> bool {
        match self {
            Authenticated::Key(key) if !key.allowed_models.is_empty() => key
                .allowed_models
                .iter()
                .any(|allowed| names.iter().any(|n| allowed.eq_ignore_ascii_case(n))),
            _ => true,
        }
    }
}

/// Why authentication failed (admin-api.md §2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyAuthError {
    #[error("Missing API key: send Authorization: Bearer <key> or x-api-key")]
    Missing,
    #[error("Invalid API key provided")]
    Invalid,
    #[error("API key has expired")]
    Expired,
    #[error("API key is disabled")]
    Disabled,
    #[error("API key quota exhausted")]
    QuotaExhausted,
    #[error("Service is not configured: no API key has been created yet")]
    NotConfigured,
    #[error("the key store is unavailable")]
    Store,
}

pub struct KeyDirectory {
    by_hash: moka::sync::Cache<String, Option<ApiKey>>,
    count: moka::sync::Cache<(), i64>,
}

impl Default for KeyDirectory {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyDirectory {
    pub fn new() -> Self {
        Self {
            by_hash: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(LOOKUP_TTL)
                .build(),
            count: moka::sync::Cache::builder()
                .max_capacity(1)
                .time_to_live(LOOKUP_TTL)
                .build(),
        }
    }

    /// Forgets every cached lookup; called after any key is created, changed or deleted.
    pub fn invalidate(&self) {
        self.by_hash.invalidate_all();
        self.count.invalidate_all();
    }

    /// Authenticates a presented key (admin-api.md §2): missing, unknown, disabled, expired
    /// and over-quota keys are refused; with no key at all the gateway fails closed unless
    /// anonymous use is allowed. A store failure is a 503, never a 401.
    pub async fn authenticate(
        &self,
        store: &dyn Store,
        presented: Option<&str>,
        allow_anonymous: bool,
        now_ms: i64,
    ) -> Result<Authenticated, KeyAuthError> {
        let Some(presented) = presented.filter(|k| !k.is_empty()) else {
            return match self.key_count(store).await? {
                0 if allow_anonymous => Ok(Authenticated::Anonymous),
                0 => Err(KeyAuthError::NotConfigured),
                _ => Err(KeyAuthError::Missing),
            };
        };
        let key = match self.lookup(store, presented).await? {
            Some(key) => key,
            None if allow_anonymous && self.key_count(store).await? == 0 => {
                return Ok(Authenticated::Anonymous)
            }
            None => return Err(KeyAuthError::Invalid),
        };
        if !key.enabled {
            return Err(KeyAuthError::Disabled);
        }
        if key.expires_at.is_some_and(|at| at <= now_ms) {
            return Err(KeyAuthError::Expired);
        }
        if key.token_quota > 0 && key.tokens_used >= key.token_quota {
            return Err(KeyAuthError::QuotaExhausted);
        }
        Ok(Authenticated::Key(key))
    }

    async fn lookup(
        &self,
        store: &dyn Store,
        presented: &str,
    ) -> Result<Option<ApiKey>, KeyAuthError> {
        let hash = hash_key(presented);
        if let Some(cached) = self.by_hash.get(&hash) {
            return Ok(cached);
        }
        let found = store.find_api_key_by_hash(&hash).await.map_err(|err| {
            tracing::error!(error = %err, "API key lookup failed");
            KeyAuthError::Store
        })?;
        self.by_hash.insert(hash, found.clone());
        Ok(found)
    }

    async fn key_count(&self, store: &dyn Store) -> Result<i64, KeyAuthError> {
        if let Some(count) = self.count.get(&()) {
            return Ok(count);
        }
        let count = store.count_api_keys().await.map_err(|err| {
            tracing::error!(error = %err, "API key count failed");
            KeyAuthError::Store
        })?;
        self.count.insert((), count);
        Ok(count)
    }
}
