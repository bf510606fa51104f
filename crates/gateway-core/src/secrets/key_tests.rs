//! Unit tests for key material: parsing, the key file (created once with mode 0600, reused,
//! never overwritten) and the fingerprint check against a fake settings table.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;

use super::*;
use crate::secrets::{SecretStore, SecretString};
use crate::store::StoreResult;

/// A settings table in a map, so these tests do not depend on a store implementation.
#[derive(Default)]
struct FakeSettings(Mutex<HashMap<String, String>>);

#[async_trait]
impl SettingsRepo for FakeSettings {
    async fn get_setting(&self, key: &str) -> StoreResult<Option<String>> {
        Ok(self.0.lock().unwrap().get(key).cloned())
    }

    async fn all_settings(&self) -> StoreResult<Vec<(String, String)>> {
        Ok(self
            .0
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn put_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        self.0
            .lock()
            .unwrap()
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    async fn put_setting_if_absent(&self, key: &str, value: &str) -> StoreResult<bool> {
        let mut map = self.0.lock().unwrap();
        if map.contains_key(key) {
            return Ok(false);
        }
        map.insert(key.to_owned(), value.to_owned());
        Ok(true)
    }
}

fn encoded(byte: u8) -> String {
    STANDARD.encode([byte; KEY_LEN])
}

fn sqlite_config(dir: &Path) -> Config {
    Config::for_sqlite(dir.join("switchyard.db"))
}

fn postgres_config(key: Option<String>) -> Config {
    let mut config = Config::for_sqlite("unused.db");
    config.database = DatabaseConfig::Postgres {
        url: "postgres://u:p@localhost/db".to_owned(),
    };
    config.secret_key_file = None;
    config.secret_key = key.map(SecretString::new);
    config
}

#[test]
fn parses_base64_of_32_bytes() {
    let key = SecretKey::from_base64(&format!("  {}\n", encoded(1))).unwrap();
    assert_eq!(key.bytes(), &[1u8; KEY_LEN]);
    let unpadded = encoded(2).trim_end_matches('=').to_owned();
    assert_eq!(
        SecretKey::from_base64(&unpadded).unwrap().bytes(),
        &[2u8; KEY_LEN]
    );
}

#[test]
fn rejects_bad_base64_and_wrong_lengths() {
    assert_eq!(
        SecretKey::from_base64("not base64!!").unwrap_err(),
        "not valid base64"
    );
    let short = SecretKey::from_base64(&STANDARD.encode([0u8; 16])).unwrap_err();
    assert_eq!(short, "decodes to 16 bytes, expected 32");
    assert!(SecretKey::from_base64(&STANDARD.encode([0u8; 33]))
        .unwrap_err()
        .contains("33"));
    assert!(SecretKey::from_base64("").is_err());
}

#[test]
fn an_invalid_env_key_names_the_variable_and_hides_the_value() {
    let mut config = postgres_config(Some("c2VjcmV0LXZhbHVl".to_owned()));
    config.secret_key = Some(SecretString::new("c2VjcmV0LXZhbHVl"));
    let err = resolve_key(&config).unwrap_err();
    assert_eq!(err.setting(), SECRET_KEY_ENV);
    let message = err.to_string();
    assert!(message.contains(SECRET_KEY_ENV), "{message}");
    assert!(!message.contains("c2VjcmV0LXZhbHVl"), "{message}");
}

#[test]
fn postgres_requires_the_env_key() {
    let err = resolve_key(&postgres_config(None)).unwrap_err();
    assert!(matches!(err, SecretKeyError::Missing { .. }));
    assert_eq!(err.setting(), SECRET_KEY_ENV);
    assert!(err
        .to_string()
        .contains("SWITCHYARD_SECRET_KEY is required with PostgreSQL"));
    let (key, source) = resolve_key(&postgres_config(Some(encoded(3)))).unwrap();
    assert_eq!(key.bytes(), &[3u8; KEY_LEN]);
    assert_eq!(source, KeySource::Env);
}

#[test]
fn with_sqlite_the_env_key_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = sqlite_config(dir.path());
    config.secret_key = Some(SecretString::new(encoded(4)));
    let (key, source) = resolve_key(&config).unwrap();
    assert_eq!(key.bytes(), &[4u8; KEY_LEN]);
    assert_eq!(source, KeySource::Env);
    assert!(!dir.path().join("switchyard.key").exists());
}

#[test]
fn the_key_file_is_created_once_with_owner_only_access_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let config = sqlite_config(dir.path());
    let path = dir.path().join("switchyard.key");
    let (first, source) = resolve_key(&config).unwrap();
    assert_eq!(source, KeySource::File(path.clone()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }
    let contents = std::fs::read_to_string(&path).unwrap();
    let (second, _) = resolve_key(&config).unwrap();
    assert_eq!(first.bytes(), second.bytes());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
}

#[test]
fn an_existing_key_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchyard.key");
    std::fs::write(&path, format!("{}\n", encoded(5))).unwrap();
    let key = load_or_create_key_file(&path).unwrap();
    assert_eq!(key.bytes(), &[5u8; KEY_LEN]);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n", encoded(5))
    );
}

#[test]
fn a_malformed_key_file_is_an_error_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchyard.key");
    for bad in ["", "garbage", &STANDARD.encode([9u8; 16])] {
        std::fs::write(&path, bad).unwrap();
        let err = load_or_create_key_file(&path).unwrap_err();
        assert_eq!(err.setting(), path.to_string_lossy());
        assert!(err.to_string().contains("malformed"), "{err}");
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bad);
    }
}

#[test]
fn an_unreadable_key_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    // A directory in place of the file cannot be read even by root, unlike a chmod 000 file.
    let path = dir.path().join("switchyard.key");
    std::fs::create_dir(&path).unwrap();
    let err = load_or_create_key_file(&path).unwrap_err();
    assert!(matches!(err, SecretKeyError::KeyFile { .. }), "{err}");
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    assert!(path.is_dir());

    let binary = dir.path().join("binary.key");
    std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
    let err = load_or_create_key_file(&binary).unwrap_err();
    assert!(err.to_string().contains("malformed (not text)"), "{err}");
}

#[test]
fn fingerprints_are_stable_short_and_key_specific() {
    let a = SecretKey::from_bytes([1; KEY_LEN]);
    assert_eq!(
        a.fingerprint(),
        SecretKey::from_bytes([1; KEY_LEN]).fingerprint()
    );
    assert_ne!(
        a.fingerprint(),
        SecretKey::from_bytes([2; KEY_LEN]).fingerprint()
    );
    assert_eq!(a.fingerprint().len(), 16);
    assert!(a.fingerprint().bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!format!("{a:?}").contains(&encoded(1)));
}

#[tokio::test]
async fn the_first_start_records_the_fingerprint_and_later_starts_check_it() {
    let settings = FakeSettings::default();
    let config = postgres_config(Some(encoded(6)));
    let store = open_encrypted(&config, &settings).await.unwrap();
    let recorded = settings
        .get_setting(FINGERPRINT_SETTING)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded, store.fingerprint());
    open_encrypted(&config, &settings).await.unwrap();
}

#[tokio::test]
async fn a_different_key_fails_with_a_clear_message() {
    let settings = FakeSettings::default();
    open_encrypted(&postgres_config(Some(encoded(6))), &settings)
        .await
        .unwrap();
    let err = open_encrypted(&postgres_config(Some(encoded(7))), &settings)
        .await
        .unwrap_err();
    assert_eq!(err.setting(), SECRET_KEY_ENV);
    let stored = SecretKey::from_bytes([6; KEY_LEN]).fingerprint();
    assert_eq!(
        err.to_string(),
        format!(
            "SWITCHYARD_SECRET_KEY does not match the key this database was sealed with \
             (fingerprint {stored}; this key has {})",
            SecretKey::from_bytes([7; KEY_LEN]).fingerprint()
        )
    );
    let unchanged = settings
        .get_setting(FINGERPRINT_SETTING)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unchanged, stored);
}

#[tokio::test]
async fn a_key_file_that_does_not_match_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let settings = FakeSettings::default();
    settings
        .put_setting(FINGERPRINT_SETTING, "0000000000000000")
        .await
        .unwrap();
    let err = open_encrypted(&sqlite_config(dir.path()), &settings)
        .await
        .unwrap_err();
    let path = dir.path().join("switchyard.key");
    assert_eq!(err.setting(), path.to_string_lossy());
    assert!(err.to_string().starts_with("secret key file "), "{err}");
}

#[tokio::test]
async fn a_store_sealed_under_one_open_opens_under_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let settings = FakeSettings::default();
    let config = sqlite_config(dir.path());
    let first = open_encrypted(&config, &settings).await.unwrap();
    let sealed = first.seal("n", &SecretString::new("rt")).await.unwrap();
    let second = open_encrypted(&config, &settings).await.unwrap();
    assert_eq!(second.open("n", &sealed).await.unwrap().expose(), "rt");
}
