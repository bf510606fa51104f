use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::secrets::SecretString;
use crate::store::StoreResult;

#[derive(Default)]
struct FakeSettings(Mutex<HashMap<String, String>>);

#[async_trait]
impl SettingsRepo for FakeSettings {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }
    async fn all_settings(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(self.0.lock().unwrap().clone().into_iter().collect())
    }
    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.0.lock().unwrap().insert(key.into(), value.into());
        Ok(())
    }
    async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let mut map = self.0.lock().unwrap();
        if map.contains_key(key) {
            return Ok(false);
        }
        map.insert(key.into(), value.into());
        Ok(true)
    }
}

fn config() -> Config {
    Config::for_sqlite("/tmp/unused.db")
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[tokio::test]
async fn env_secret_wins_and_is_compared_exactly() {
    let settings = FakeSettings::default();
    let mut cfg = config();
    cfg.admin_secret = Some(SecretString::new("env-secret-123"));
    settings
        .put_setting(SECRET_HASH_KEY, &hash_secret("stored-secret-456"))
        .await
        .unwrap();
    assert_eq!(source(&cfg, &settings).await.unwrap(), SecretSource::Env);
    assert!(verify(&cfg, &settings, Some("env-secret-123"))
        .await
        .is_ok());
    for wrong in [
        Some("stored-secret-456"),
        Some("env-secret-12"),
        Some(""),
        None,
    ] {
        assert!(matches!(
            verify(&cfg, &settings, wrong).await,
            Err(AdminAuthError::InvalidKey)
        ));
    }
}

#[tokio::test]
async fn without_any_secret_everything_needs_bootstrap() {
    let settings = FakeSettings::default();
    assert_eq!(
        source(&config(), &settings).await.unwrap(),
        SecretSource::None
    );
    let err = verify(&config(), &settings, Some("anything"))
        .await
        .unwrap_err();
    assert!(matches!(err, AdminAuthError::BootstrapRequired));
}

#[tokio::test]
async fn bootstrap_stores_only_a_salted_hash_and_happens_once() {
    let settings = FakeSettings::default();
    let cfg = config();
    bootstrap(&cfg, &settings, ip("127.0.0.1"), "first-secret-value")
        .await
        .unwrap();
    let stored = settings
        .get_setting(SECRET_HASH_KEY)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.starts_with("v1:") && !stored.contains("first-secret-value"));
    assert_eq!(
        source(&cfg, &settings).await.unwrap(),
        SecretSource::Settings
    );
    assert!(verify(&cfg, &settings, Some("first-secret-value"))
        .await
        .is_ok());
    assert!(matches!(
        verify(&cfg, &settings, Some("first-secret-valuE")).await,
        Err(AdminAuthError::InvalidKey)
    ));
    let again = bootstrap(&cfg, &settings, ip("127.0.0.1"), "second-secret-value").await;
    assert!(matches!(again, Err(AdminAuthError::AlreadyBootstrapped)));
    assert!(verify(&cfg, &settings, Some("first-secret-value"))
        .await
        .is_ok());
}

#[tokio::test]
async fn bootstrap_rejects_short_secrets_public_peers_and_env_configured_servers() {
    let settings = FakeSettings::default();
    let short = bootstrap(&config(), &settings, ip("10.0.0.2"), "short").await;
    assert!(matches!(short, Err(AdminAuthError::SecretTooShort)));
    let public = bootstrap(&config(), &settings, ip("8.8.8.8"), "long-enough-secret").await;
    assert!(matches!(public, Err(AdminAuthError::BootstrapForbidden)));
    let mut cfg = config();
    cfg.admin_secret = Some(SecretString::new("env-secret-123"));
    let env = bootstrap(&cfg, &settings, ip("127.0.0.1"), "long-enough-secret").await;
    assert!(matches!(env, Err(AdminAuthError::AlreadyBootstrapped)));
}

#[test]
fn bootstrap_peers() {
    let mut cfg = config();
    for allowed in [
        "127.0.0.1",
        "::1",
        "10.1.2.3",
        "172.17.0.1",
        "192.168.1.9",
        "fd00::1",
        "::ffff:127.0.0.1",
    ] {
        assert!(bootstrap_allowed(&cfg, ip(allowed)), "{allowed}");
    }
    for denied in ["8.8.8.8", "2001:db8::1", "100.64.0.1"] {
        assert!(!bootstrap_allowed(&cfg, ip(denied)), "{denied}");
    }
    cfg.bootstrap_allowed_cidr = Some("100.64.0.0/10, 2001:db8::/32".into());
    assert!(bootstrap_allowed(&cfg, ip("100.64.0.1")));
    assert!(bootstrap_allowed(&cfg, ip("2001:db8::1")));
    assert!(!bootstrap_allowed(&cfg, ip("8.8.8.8")));
}

#[test]
fn malformed_stored_hashes_never_match() {
    for stored in ["", "v1", "v1:zz:00", "v2:00:00", "v1:0:00"] {
        assert!(!matches_hash(stored, "anything"), "{stored:?}");
    }
}
