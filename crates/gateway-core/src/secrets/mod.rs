//! Token custody. Every refresh token, access token and id token passes through a
//! `SecretStore`; rows in the store only ever hold what `seal` returned.
//!
//! Implementations: encrypted-in-store (server, AES-256-GCM), memory (tests), and the OS
//! keyring (desktop, in `src-tauri`).

pub mod encrypted;
pub mod key;
pub mod memory;

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret not found")]
    NotFound,
    /// Ciphertext that does not open with this key: tampered, or sealed under another key.
    #[error("secret cannot be decrypted with the configured key")]
    Undecryptable,
    #[error("malformed sealed secret")]
    Malformed,
    #[error("secret backend failed: {0}")]
    Backend(String),
}

pub type SecretResult<T> = Result<T, SecretError>;

/// A plaintext secret that never prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

#[async_trait]
pub trait SecretStore: Send + Sync {
    /// A short name for logs and `/health`: `encrypted`, `memory`, `keyring`.
    fn kind(&self) -> &'static str;
    /// Stores `plaintext` under `name` and returns the value to persist in the row. `name` is
    /// bound to the result (as AAD or as the keyring entry), so a sealed value copied to
    /// another row does not open there.
    async fn seal(&self, name: &str, plaintext: &SecretString) -> SecretResult<String>;
    /// Opens what `seal` returned for the same `name`.
    async fn open(&self, name: &str, sealed: &str) -> SecretResult<SecretString>;
    /// Forgets the secret (keyring entries); a no-op where the row holds the ciphertext.
    async fn remove(&self, name: &str) -> SecretResult<()>;
}
