//! Token custody for the desktop: a [`SecretStore`] over the OS keyring (Secret Service on
//! Linux, the Keychain on macOS, Credential Manager on Windows), service name `switchyard`,
//! one entry per account plus the per-install admin token.
//!
//! keyring 3 silently falls back to a mock store that keeps nothing when it is built without a
//! platform feature, or when a platform store is not reachable some calls still "succeed".
//! So the store is never trusted blindly: [`probe`] rejects the mock builder outright and does
//! a write-read-delete round trip before the gateway gets the store. When no usable keyring
//! exists the caller asks the user before using the weaker encrypted-file store instead.

use std::sync::Arc;

use async_trait::async_trait;
use gateway_core::secrets::{SecretError, SecretResult, SecretStore, SecretString};
use keyring::credential::CredentialPersistence;

/// The keyring service every Switchyard entry lives under.
pub const SERVICE: &str = "switchyard";
/// The keyring entry holding the per-install admin token.
pub const ADMIN_TOKEN_ENTRY: &str = "admin-token";
/// What a row holds for a keyring-held secret: a reference, never the secret.
const REFERENCE_PREFIX: &str = "keyring:v1:";
const PROBE_ENTRY: &str = "probe";

/// Which platform store to use. Secret Service is the Linux default; keyutils (kernel memory,
/// lost at reboot) is there for headless tests and machines without a Secret Service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    PlatformDefault,
    #[cfg(target_os = "linux")]
    Keyutils,
}

impl Backend {
    /// `SWITCHYARD_KEYRING=keyutils` picks the kernel keyring on Linux.
    pub fn from_env() -> Backend {
        #[cfg(target_os = "linux")]
        if std::env::var("SWITCHYARD_KEYRING").as_deref() == Ok("keyutils") {
            return Backend::Keyutils;
        }
        Backend::PlatformDefault
    }

    /// Makes this backend the one `keyring::Entry::new` uses, replacing any earlier choice.
    fn install(self) {
        let builder = match self {
            Backend::PlatformDefault => keyring::default::default_credential_builder(),
            #[cfg(target_os = "linux")]
            Backend::Keyutils => keyring::keyutils::default_credential_builder(),
        };
        keyring::set_default_credential_builder(builder);
    }

    pub fn name(self) -> &'static str {
        match self {
            #[cfg(target_os = "linux")]
            Backend::Keyutils => "kernel keyutils",
            Backend::PlatformDefault if cfg!(target_os = "linux") => "Secret Service",
            Backend::PlatformDefault if cfg!(target_os = "macos") => "macOS Keychain",
            Backend::PlatformDefault => "Windows Credential Manager",
        }
    }
}

/// Why the keyring cannot hold Switchyard's tokens. Shown to the user as is.
#[derive(Debug, thiserror::Error)]
pub enum KeyringUnavailable {
    #[error(
        "this build of Switchyard has no OS keyring support (keyring's mock store keeps \
         nothing); refusing to use it"
    )]
    MockStore,
    #[error("the {backend} keyring is not usable: {message}")]
    Failed {
        backend: &'static str,
        message: String,
    },
}

/// Checks the keyring can really keep a secret: rejects keyring's mock store and performs a
/// write-read-delete round trip on a probe entry.
pub fn probe(backend: Backend) -> Result<(), KeyringUnavailable> {
    if backend == Backend::PlatformDefault {
        let persistence = keyring::default::default_credential_builder().persistence();
        if matches!(
            persistence,
            CredentialPersistence::EntryOnly | CredentialPersistence::ProcessOnly
        ) {
            return Err(KeyringUnavailable::MockStore);
        }
    }
    backend.install();
    round_trip(backend.name())
}

/// Rejects a mock credential and checks a probe value survives a write and a read.
fn round_trip(backend: &'static str) -> Result<(), KeyringUnavailable> {
    let fail = |message: String| KeyringUnavailable::Failed { backend, message };
    let entry = keyring::Entry::new(SERVICE, PROBE_ENTRY).map_err(|e| fail(e.to_string()))?;
    if entry
        .get_credential()
        .downcast_ref::<keyring::mock::MockCredential>()
        .is_some()
    {
        return Err(KeyringUnavailable::MockStore);
    }
    let nonce = random_token();
    entry
        .set_password(&nonce)
        .map_err(|e| fail(format!("write failed: {e}")))?;
    let read = entry
        .get_password()
        .map_err(|e| fail(format!("read-back failed: {e}")))?;
    entry
        .delete_credential()
        .map_err(|e| fail(format!("delete failed: {e}")))?;
    if read != nonce {
        return Err(fail(
            "read back a different value than was written".to_owned(),
        ));
    }
    Ok(())
}

/// The per-install admin token: read from the keyring, or generated and stored on first run.
pub fn admin_token() -> Result<SecretString, SecretError> {
    let entry = entry(ADMIN_TOKEN_ENTRY)?;
    match entry.get_password() {
        Ok(token) if !token.is_empty() => Ok(SecretString::new(token)),
        Ok(_) | Err(keyring::Error::NoEntry) => {
            let token = random_token();
            entry.set_password(&token).map_err(backend_error)?;
            Ok(SecretString::new(token))
        }
        Err(e) => Err(backend_error(e)),
    }
}

/// 32 random bytes, URL-safe base64: an admin token or a probe value.
pub fn random_token() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn entry(name: &str) -> SecretResult<keyring::Entry> {
    keyring::Entry::new(SERVICE, name).map_err(backend_error)
}

fn backend_error(e: keyring::Error) -> SecretError {
    SecretError::Backend(format!("keyring: {e}"))
}

/// The keyring-backed secret store. Build it only after [`probe`] succeeded.
#[derive(Debug, Default)]
pub struct KeyringSecretStore;

impl KeyringSecretStore {
    pub fn shared() -> Arc<dyn SecretStore> {
        Arc::new(KeyringSecretStore)
    }
}

/// Keyring calls block (D-Bus round trips of ~100 ms), so they run off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> SecretResult<T> + Send + 'static,
) -> SecretResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SecretError::Backend(format!("keyring task failed: {e}")))?
}

#[async_trait]
impl SecretStore for KeyringSecretStore {
    fn kind(&self) -> &'static str {
        "keyring"
    }

    async fn seal(&self, name: &str, plaintext: &SecretString) -> SecretResult<String> {
        let owned = name.to_owned();
        let value = plaintext.clone();
        blocking(move || {
            entry(&owned)?
                .set_password(value.expose())
                .map_err(backend_error)
        })
        .await?;
        Ok(format!("{REFERENCE_PREFIX}{name}"))
    }

    async fn open(&self, name: &str, sealed: &str) -> SecretResult<SecretString> {
        // The row names its entry; a reference copied into another row does not open there.
        if sealed.strip_prefix(REFERENCE_PREFIX) != Some(name) {
            return Err(SecretError::Malformed);
        }
        let owned = name.to_owned();
        blocking(move || match entry(&owned)?.get_password() {
            Ok(secret) => Ok(SecretString::new(secret)),
            Err(keyring::Error::NoEntry) => Err(SecretError::NotFound),
            Err(e) => Err(backend_error(e)),
        })
        .await
    }

    async fn remove(&self, name: &str) -> SecretResult<()> {
        let owned = name.to_owned();
        blocking(move || match entry(&owned)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(backend_error(e)),
        })
        .await
    }
}

#[cfg(test)]
#[path = "keyring_store_tests.rs"]
mod tests;
