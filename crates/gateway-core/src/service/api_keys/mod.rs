//! Client API keys (issue 4): generation, the keyed hash that is stored instead of the key,
//! the admin use cases (create, list, update, delete), and, in submodules, the cached lookup
//! on the hot path and the per-key limits.
//!
//! Why HMAC-SHA256 with a constant key is enough: API keys are not passwords. A generated key
//! carries 192 random bits and a supplied one at least 20 characters chosen by an admin, so
//! nobody can brute-force a key from its hash; a slow KDF would only cost latency on every
//! request. The HMAC key is a public domain separator, not a secret: it makes the stored value
//! useless as a plain SHA-256 of the key elsewhere (e.g. a leaked list of key digests from
//! another system cannot be matched against ours), and hashing stays one fast pass.

pub mod directory;
pub mod limits;

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::now_ms;
use crate::store::{ApiKey, ApiKeyPatch, NewApiKey, Store, StoreError};

pub use directory::{Authenticated, KeyAuthError, KeyDirectory};

pub const KEY_PREFIX: &str = "sk-";
/// Minimum length of a key an admin supplies.
pub const MIN_SUPPLIED_KEY_LEN: usize = 20;
const MAX_KEY_LEN: usize = 256;
const HMAC_DOMAIN: &[u8] = b"switchyard/api-key/v1";

/// A new random key: `sk-` + 48 hex digits (24 random bytes).
pub fn generate_key() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// HMAC keyed with the domain, ready for a message: keying costs two SHA-256 blocks, done
/// once instead of on every authenticated request.
static KEYED_HMAC: LazyLock<Option<Hmac<Sha256>>> =
    LazyLock::new(|| Hmac::<Sha256>::new_from_slice(HMAC_DOMAIN).ok());

/// The stored form of a key: lowercase hex of HMAC-SHA256(domain, key).
pub fn hash_key(key: &str) -> String {
    // HMAC accepts keys of any length, so keying cannot fail here.
    let Some(mut mac) = KEYED_HMAC.clone() else {
        return String::new();
    };
    mac.update(key.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// `sk-ab12…9f3e`: enough to recognise a key, useless to use it.
pub fn preview(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    let head: String = chars.iter().take(7).collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("{head}…{tail}")
}

/// Why an admin key operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("{0}")]
    Invalid(String),
    #[error("no such API key")]
    NotFound,
    #[error("an API key with this value already exists")]
    Conflict,
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for ApiKeyError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiKeyError::NotFound,
            StoreError::Conflict(_) => ApiKeyError::Conflict,
            other => ApiKeyError::Store(other),
        }
    }
}

/// What an admin sets on a key; `None` keeps the default (create) or the stored value (update).
#[derive(Debug, Clone, Default)]
pub struct KeySettings {
    pub name: Option<String>,
    pub enabled: Option<bool>,
    pub rpm: Option<i64>,
    pub max_concurrency: Option<i64>,
    pub token_quota: Option<i64>,
    pub allowed_models: Option<Vec<String>>,
    /// `Some(None)` clears the expiry.
    pub expires_at: Option<Option<i64>>,
}

impl KeySettings {
    fn validate(&self) -> Result<(), ApiKeyError> {
        for (field, value) in [
            ("rpm", self.rpm),
            ("max_concurrency", self.max_concurrency),
            ("token_quota", self.token_quota),
        ] {
            if value.is_some_and(|v| v < 0) {
                return Err(ApiKeyError::Invalid(format!(
                    "{field} must be 0 (unlimited) or positive"
                )));
            }
        }
        if self
            .name
            .as_deref()
            .is_some_and(|n| n.chars().count() > 200)
        {
            return Err(ApiKeyError::Invalid(
                "name is longer than 200 characters".into(),
            ));
        }
        Ok(())
    }

    fn allowed_models(&self) -> Option<Vec<String>> {
        self.allowed_models.as_ref().map(|models| {
            models
                .iter()
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect()
        })
    }
}

/// Creates a key; returns the row and the plaintext key, which is shown once and never again.
pub async fn create(
    store: &dyn Store,
    directory: &KeyDirectory,
    supplied: Option<String>,
    settings: KeySettings,
) -> Result<(ApiKey, String), ApiKeyError> {
    settings.validate()?;
    let key = match supplied {
        Some(key) => validate_supplied(key)?,
        None => generate_key(),
    };
    let new = NewApiKey {
        name: settings
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "API key".into()),
        key_hash: hash_key(&key),
        key_preview: preview(&key),
        rpm: settings.rpm.unwrap_or(0),
        max_concurrency: settings.max_concurrency.unwrap_or(0),
        token_quota: settings.token_quota.unwrap_or(0),
        allowed_models: settings.allowed_models().unwrap_or_default(),
        expires_at: settings.expires_at.flatten(),
        now: now_ms(),
    };
    let mut row = store.insert_api_key(&new).await?;
    if settings.enabled == Some(false) {
        let patch = ApiKeyPatch {
            enabled: Some(false),
            now: now_ms(),
            ..ApiKeyPatch::default()
        };
        row = store.update_api_key(row.id, &patch).await?;
    }
    directory.invalidate();
    Ok((row, key))
}

fn validate_supplied(key: String) -> Result<String, ApiKeyError> {
    let key = key.trim().to_owned();
    if !key.starts_with(KEY_PREFIX) {
        return Err(ApiKeyError::Invalid(format!(
            "a supplied key must start with {KEY_PREFIX}"
        )));
    }
    if key.chars().count() < MIN_SUPPLIED_KEY_LEN || key.len() > MAX_KEY_LEN {
        return Err(ApiKeyError::Invalid(format!(
            "a supplied key must be {MIN_SUPPLIED_KEY_LEN} to {MAX_KEY_LEN} characters long"
        )));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiKeyError::Invalid(
            "a supplied key must be printable ASCII without spaces".into(),
        ));
    }
    Ok(key)
}

pub async fn list(store: &dyn Store) -> Result<Vec<ApiKey>, ApiKeyError> {
    Ok(store.list_api_keys().await?)
}

pub async fn update(
    store: &dyn Store,
    directory: &KeyDirectory,
    id: i64,
    settings: KeySettings,
) -> Result<ApiKey, ApiKeyError> {
    settings.validate()?;
    let patch = ApiKeyPatch {
        name: settings
            .name
            .clone()
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        enabled: settings.enabled,
        rpm: settings.rpm,
        max_concurrency: settings.max_concurrency,
        token_quota: settings.token_quota,
        allowed_models: settings.allowed_models(),
        expires_at: settings.expires_at,
        now: now_ms(),
    };
    let row = store.update_api_key(id, &patch).await?;
    directory.invalidate();
    Ok(row)
}

pub async fn delete(
    store: &dyn Store,
    directory: &KeyDirectory,
    id: i64,
) -> Result<(), ApiKeyError> {
    store.delete_api_key(id).await?;
    directory.invalidate();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape() {
        let key = generate_key();
        assert!(key.starts_with("sk-"));
        assert_eq!(key.len(), 3 + 48);
        assert!(key[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(key, generate_key());
    }

    #[test]
    fn hash_is_keyed_stable_and_not_plain_sha256() {
        use sha2::Digest;
        let h = hash_key("sk-abc");
        assert_eq!(h, hash_key("sk-abc"));
        assert_eq!(h.len(), 64);
        assert_ne!(h, hash_key("sk-abd"));
        let plain: String = Sha256::digest(b"sk-abc")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_ne!(h, plain);
    }

    #[test]
    fn hash_matches_a_freshly_keyed_hmac() {
        // Stored hashes must not change: the cached keyed state and the hex writer give
        // exactly the straightforward computation.
        for key in ["sk-abc", "", "sk-ünïcode-🦀", &"x".repeat(300)] {
            let mut mac = Hmac::<Sha256>::new_from_slice(HMAC_DOMAIN).unwrap();
            mac.update(key.as_bytes());
            let expected: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(hash_key(key), expected);
        }
    }

    #[test]
    fn preview_hides_the_middle() {
        assert_eq!(preview("sk-0123456789abcdef"), "sk-0123…cdef");
    }

    #[test]
    fn supplied_keys_are_checked() {
        assert!(validate_supplied("sk-short".into()).is_err());
        assert!(validate_supplied("pk-aaaaaaaaaaaaaaaaaaaaaaaa".into()).is_err());
        assert!(validate_supplied("sk-aaaaaaaaa aaaaaaaaaaaaaa".into()).is_err());
        assert_eq!(
            validate_supplied(" sk-aaaaaaaaaaaaaaaaaa ".into()).unwrap(),
            "sk-aaaaaaaaaaaaaaaaaa"
        );
    }
}
