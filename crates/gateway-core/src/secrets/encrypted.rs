//! Secrets encrypted at rest in the store (the server shape): AES-256-GCM with a random
//! 96-bit nonce per seal and the secret's name as associated data, so a sealed value copied
//! into another row does not open there.
//!
//! Sealed format: `v1:` followed by standard base64 of `nonce (12 bytes) || ciphertext+tag`.
//! The version prefix leaves room for a key or algorithm change without guessing.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::TryRngCore;

use super::key::SecretKey;
use super::{SecretError, SecretResult, SecretStore, SecretString};

const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// The encrypted-in-store [`SecretStore`]. Build it with [`super::key::open_encrypted`] so the
/// key is checked against the database first.
pub struct EncryptedSecretStore {
    cipher: Aes256Gcm,
    fingerprint: String,
}

impl EncryptedSecretStore {
    pub fn new(key: &SecretKey) -> EncryptedSecretStore {
        EncryptedSecretStore {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key.bytes())),
            fingerprint: key.fingerprint(),
        }
    }

    /// The fingerprint of the key in use, for `/health` and logs.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

impl std::fmt::Debug for EncryptedSecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedSecretStore")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

#[async_trait]
impl SecretStore for EncryptedSecretStore {
    fn kind(&self) -> &'static str {
        "encrypted"
    }

    async fn seal(&self, name: &str, plaintext: &SecretString) -> SecretResult<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| SecretError::Backend(format!("the OS random source failed: {e}")))?;
        let payload = Payload {
            msg: plaintext.expose().as_bytes(),
            aad: name.as_bytes(),
        };
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| SecretError::Backend("encryption failed".to_owned()))?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("{PREFIX}{}", STANDARD.encode(sealed)))
    }

    async fn open(&self, name: &str, sealed: &str) -> SecretResult<SecretString> {
        let encoded = sealed.strip_prefix(PREFIX).ok_or(SecretError::Malformed)?;
        let raw = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(SecretError::Malformed);
        }
        let (nonce, ciphertext) = raw.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: name.as_bytes(),
        };
        let plaintext = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| SecretError::Undecryptable)?;
        // Only `seal` produced this and it took a `&str`, so invalid UTF-8 here means the
        // value was built by something else.
        String::from_utf8(plaintext)
            .map(SecretString::new)
            .map_err(|_| SecretError::Malformed)
    }

    async fn remove(&self, _name: &str) -> SecretResult<()> {
        Ok(())
    }
}

#[cfg(test)]
#[path = "encrypted_tests.rs"]
mod tests;
