//! An account's tokens as one sealed unit. Rows hold only what the `SecretStore` returned;
//! the plaintext exists in memory while a request or a refresh needs it.

use serde::{Deserialize, Serialize};

use crate::secrets::{SecretError, SecretStore, SecretString};
use crate::store::Account;

/// The tokens of one account. `Debug` shows only which tokens are present.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "access_token",
                &self.access_token.as_ref().map(|_| "<redacted>"),
            )
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The name the credentials are sealed under: bound to the account's identity, so a sealed
/// value copied into another row does not open there.
pub fn secret_name(identity_key: &str) -> String {
    format!("account-credentials:{identity_key}")
}

pub async fn seal(
    secrets: &dyn SecretStore,
    identity_key: &str,
    credentials: &Credentials,
) -> Result<String, SecretError> {
    let json = serde_json::to_string(credentials).map_err(|_| SecretError::Malformed)?;
    secrets
        .seal(&secret_name(identity_key), &SecretString::new(json))
        .await
}

pub async fn open(
    secrets: &dyn SecretStore,
    account: &Account,
) -> Result<Credentials, SecretError> {
    let plain = secrets
        .open(
            &secret_name(&account.identity_key),
            &account.credentials_sealed,
        )
        .await?;
    serde_json::from_str(plain.expose()).map_err(|_| SecretError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::memory::MemorySecretStore;

    #[tokio::test]
    async fn seal_open_round_trip_and_redacted_debug() {
        let store = MemorySecretStore::new();
        let creds = Credentials {
            refresh_token: Some("rt-secret-value".into()),
            access_token: Some("at-secret-value".into()),
            id_token: None,
        };
        let sealed = seal(&store, "acct:w:u", &creds).await.unwrap();
        assert!(!sealed.contains("rt-secret-value"));
        let plain = store.open(&secret_name("acct:w:u"), &sealed).await.unwrap();
        let back: Credentials = serde_json::from_str(plain.expose()).unwrap();
        assert_eq!(back, creds);
        let debug = format!("{creds:?}");
        assert!(!debug.contains("secret-value"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }
}
