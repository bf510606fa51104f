//! Chooses where tokens live: the OS keyring when [`keyring_store::probe`] proves it works,
//! otherwise (only with the user's consent) gateway-core's encrypted store with a 0600 key
//! file in the app data dir, which is the weaker option: anyone who can read the data dir as
//! this user can read the tokens. Also yields the per-install admin token, or `ADMIN_SECRET`
//! when set (tests), which then replaces the keyring-held one.

use std::path::Path;
use std::sync::Arc;

use gateway_core::secrets::encrypted::EncryptedSecretStore;
use gateway_core::secrets::key::load_or_create_key_file;
use gateway_core::secrets::{SecretStore, SecretString};

use crate::keyring_store::{self, Backend, KeyringSecretStore, KeyringUnavailable};

const SEALED_ADMIN_TOKEN: &str = "admin-token.sealed";

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Custody {
    Keyring,
    EncryptedFile,
}

pub struct Secrets {
    pub store: Arc<dyn SecretStore>,
    pub admin_token: SecretString,
    pub custody: Custody,
}

/// `ADMIN_SECRET` from the environment, for tests that need a known admin token.
pub fn admin_secret_env() -> Option<SecretString> {
    std::env::var("ADMIN_SECRET")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .map(SecretString::new)
}

/// The keyring, after proving it keeps what it is given.
pub fn keyring() -> Result<Secrets, KeyringUnavailable> {
    let backend = Backend::from_env();
    keyring_store::probe(backend)?;
    let admin_token = match admin_secret_env() {
        Some(token) => token,
        None => keyring_store::admin_token().map_err(|e| KeyringUnavailable::Failed {
            backend: backend.name(),
            message: e.to_string(),
        })?,
    };
    tracing::info!(
        backend = backend.name(),
        "tokens are kept in the OS keyring"
    );
    Ok(Secrets {
        store: KeyringSecretStore::shared(),
        admin_token,
        custody: Custody::Keyring,
    })
}

/// The weaker store: AES-256-GCM in the database with the key in `switchyard.key` (0600).
pub async fn encrypted_file(data_dir: &Path) -> Result<Secrets, String> {
    std::fs::create_dir_all(data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let key =
        load_or_create_key_file(&data_dir.join("switchyard.key")).map_err(|e| e.to_string())?;
    let store = EncryptedSecretStore::new(&key);
    let admin_token = match admin_secret_env() {
        Some(token) => token,
        None => sealed_admin_token(&store, data_dir).await?,
    };
    tracing::warn!(
        dir = %data_dir.display(),
        "tokens are kept in an encrypted file because no OS keyring is usable (weaker: the key \
         file sits beside the data)"
    );
    Ok(Secrets {
        store: Arc::new(store),
        admin_token,
        custody: Custody::EncryptedFile,
    })
}

async fn sealed_admin_token(
    store: &EncryptedSecretStore,
    dir: &Path,
) -> Result<SecretString, String> {
    let path = dir.join(SEALED_ADMIN_TOKEN);
    match std::fs::read_to_string(&path) {
        Ok(sealed) => store
            .open("admin-token", sealed.trim())
            .await
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = SecretString::new(keyring_store::random_token());
            let sealed = store
                .seal("admin-token", &token)
                .await
                .map_err(|e| e.to_string())?;
            std::fs::write(&path, sealed).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(token)
        }
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_encrypted_file_store_keeps_its_key_private_and_its_admin_token_stable() {
        let dir = tempfile::tempdir().unwrap();
        let first = encrypted_file(dir.path()).await.unwrap();
        assert_eq!(first.custody, Custody::EncryptedFile);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("switchyard.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sealed = std::fs::read_to_string(dir.path().join(SEALED_ADMIN_TOKEN)).unwrap();
        assert!(
            !sealed.contains(first.admin_token.expose()),
            "never in plain text"
        );
        let second = encrypted_file(dir.path()).await.unwrap();
        assert_eq!(first.admin_token, second.admin_token);
        let secret = SecretString::new("rt");
        let row = second.store.seal("acct", &secret).await.unwrap();
        assert_eq!(first.store.open("acct", &row).await.unwrap(), secret);
    }
}
