//! The server's secret key: where it comes from (`SWITCHYARD_SECRET_KEY`, or with SQLite a
//! key file generated once beside the database) and the fingerprint stored in the settings
//! table, which makes a wrong key fail at start instead of on the first token refresh.
//!
//! Nothing here ever renders key material: errors name the setting or the file, and a
//! fingerprint is a domain-separated hash that reveals nothing about the key.

use std::borrow::Cow;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::TryRngCore;
use sha2::{Digest, Sha256};

use super::encrypted::EncryptedSecretStore;
use crate::config::{Config, DatabaseConfig};
use crate::store::{SettingsRepo, StoreError};

/// The environment variable holding the key (base64 of 32 bytes).
pub const SECRET_KEY_ENV: &str = "SWITCHYARD_SECRET_KEY";
/// The settings-table key under which the fingerprint of the sealing key is kept.
pub const FINGERPRINT_SETTING: &str = "secret_key_fingerprint";
/// Key length for AES-256.
pub const KEY_LEN: usize = 32;

/// Separates our fingerprint from any other SHA-256 of the same key, so the stored value can
/// never be confused with (or used to confirm a guess for) a hash computed elsewhere.
const FINGERPRINT_DOMAIN: &[u8] = b"switchyard/secret-key-fingerprint/v1\0";

/// 32 bytes of key material. Neither `Debug` nor anything else prints it.
#[derive(Clone)]
pub struct SecretKey([u8; KEY_LEN]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey(fingerprint {})", self.fingerprint())
    }
}

/// Why the key could not be loaded or does not fit the database. Renders as one line that
/// names the setting or file at fault, never the key.
#[derive(Debug, thiserror::Error)]
pub enum SecretKeyError {
    #[error(
        "{SECRET_KEY_ENV} is required with {reason} (32 random bytes, base64; \
         e.g. `openssl rand -base64 32`)"
    )]
    Missing { reason: &'static str },
    #[error("invalid {SECRET_KEY_ENV}: {message}")]
    InvalidEnv { message: String },
    #[error("secret key file {}: {message}", path.display())]
    KeyFile { path: PathBuf, message: String },
    #[error(
        "{} does not match the key this database was sealed with \
         (fingerprint {stored}; this key has {actual})",
        .key_source.describe()
    )]
    Mismatch {
        key_source: KeySource,
        stored: String,
        actual: String,
    },
    #[error("cannot check the secret key fingerprint in the settings table: {0}")]
    Store(#[source] StoreError),
}

impl SecretKeyError {
    /// The environment variable or file to fix, for the one-line startup error.
    pub fn setting(&self) -> Cow<'_, str> {
        match self {
            SecretKeyError::Missing { .. } | SecretKeyError::InvalidEnv { .. } => {
                Cow::Borrowed(SECRET_KEY_ENV)
            }
            SecretKeyError::KeyFile { path, .. } => path.to_string_lossy(),
            SecretKeyError::Mismatch {
                key_source: KeySource::Env,
                ..
            } => Cow::Borrowed(SECRET_KEY_ENV),
            SecretKeyError::Mismatch {
                key_source: KeySource::File(path),
                ..
            } => path.to_string_lossy(),
            SecretKeyError::Store(_) => Cow::Borrowed(FINGERPRINT_SETTING),
        }
    }
}

impl SecretKey {
    /// Parses base64 (standard alphabet, padding optional, surrounding whitespace ignored)
    /// of exactly 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<SecretKey, String> {
        let trimmed = encoded.trim();
        let bytes = STANDARD
            .decode(trimmed)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed))
            .map_err(|_| "not valid base64".to_owned())?;
        let bytes: [u8; KEY_LEN] = bytes.try_into().map_err(|bytes: Vec<u8>| {
            format!("decodes to {} bytes, expected {KEY_LEN}", bytes.len())
        })?;
        Ok(SecretKey(bytes))
    }

    /// A fresh key from the operating system's random source.
    pub fn generate() -> Result<SecretKey, String> {
        let mut bytes = [0u8; KEY_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| format!("the OS random source failed: {e}"))?;
        Ok(SecretKey(bytes))
    }

    /// Wraps raw key bytes (the desktop shell and tests build keys in code).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SecretKey {
        SecretKey(bytes)
    }

    /// The first 16 hex digits of SHA-256 over a domain separator and the key.
    pub fn fingerprint(&self) -> String {
        let digest = Sha256::new()
            .chain_update(FINGERPRINT_DOMAIN)
            .chain_update(self.0)
            .finalize();
        hex::encode(&digest[..8])
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

/// Where the key in use came from; named in a fingerprint mismatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
}

impl KeySource {
    fn describe(&self) -> String {
        match self {
            KeySource::Env => SECRET_KEY_ENV.to_owned(),
            KeySource::File(path) => format!("secret key file {}", path.display()),
        }
    }
}

/// Picks the key by the rule of architecture.md §5: with PostgreSQL `SWITCHYARD_SECRET_KEY`
/// is required; with SQLite it wins when set, else the key file is loaded (or generated on
/// first start).
pub fn resolve_key(config: &Config) -> Result<(SecretKey, KeySource), SecretKeyError> {
    if let Some(encoded) = &config.secret_key {
        let key = SecretKey::from_base64(encoded.expose())
            .map_err(|message| SecretKeyError::InvalidEnv { message })?;
        return Ok((key, KeySource::Env));
    }
    match (&config.database, &config.secret_key_file) {
        (DatabaseConfig::Postgres { .. }, _) => Err(SecretKeyError::Missing {
            reason: "PostgreSQL",
        }),
        (DatabaseConfig::Sqlite { .. }, Some(path)) => Ok((
            load_or_create_key_file(path)?,
            KeySource::File(path.clone()),
        )),
        (DatabaseConfig::Sqlite { .. }, None) => Err(SecretKeyError::Missing {
            reason: "no key file configured",
        }),
    }
}

/// Loads the key file, or creates it when it does not exist. An existing file is never
/// rewritten: if it is unreadable or malformed that is an error, because a new key would
/// orphan every secret sealed with the old one.
pub fn load_or_create_key_file(path: &Path) -> Result<SecretKey, SecretKeyError> {
    let fail = |message: String| SecretKeyError::KeyFile {
        path: path.to_owned(),
        message,
    };
    match read_key_file(path) {
        Ok(key) => return Ok(key),
        Err(ReadError::Missing) => {}
        Err(ReadError::Failed(message)) => return Err(fail(message)),
    }
    let key = SecretKey::generate().map_err(fail)?;
    match create_key_file(path, &key) {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a new secret key file");
            Ok(key)
        }
        // Another process created it between our read and our create: use theirs.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => match read_key_file(path) {
            Ok(key) => Ok(key),
            Err(ReadError::Missing) => Err(fail("vanished while being created".to_owned())),
            Err(ReadError::Failed(message)) => Err(fail(message)),
        },
        Err(e) => Err(fail(format!("cannot create: {e}"))),
    }
}

enum ReadError {
    Missing,
    Failed(String),
}

fn read_key_file(path: &Path) -> Result<SecretKey, ReadError> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) => return Err(ReadError::Failed(format!("cannot open: {e}"))),
    };
    warn_if_shared(&file, path);
    let mut raw = Vec::new();
    file.read_to_end(&mut raw)
        .map_err(|e| ReadError::Failed(format!("cannot read: {e}")))?;
    let malformed = |message: &str| {
        ReadError::Failed(format!("malformed ({message}); restore the original file"))
    };
    let text = std::str::from_utf8(&raw).map_err(|_| malformed("not text"))?;
    SecretKey::from_base64(text).map_err(|message| malformed(&message))
}

#[cfg(unix)]
fn warn_if_shared(file: &File, path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = file.metadata() {
        if meta.permissions().mode() & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "secret key file is readable by other users; chmod 600 it");
        }
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_file: &File, _path: &Path) {}

/// Writes the key as base64 (so it can be moved into `SWITCHYARD_SECRET_KEY` later) into a
/// file that must not exist yet, readable by the owner only.
fn create_key_file(path: &Path, key: &SecretKey) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file
        .write_all(format!("{}\n", key.to_base64()).as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        // A half-written key file would fail every later start, and it holds no secret
        // sealed with it yet, so removing it is safe and lets the next start try again.
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// Checks the key against the fingerprint stored in the settings table, recording it on the
/// first start. A different stored fingerprint means this database was sealed with another
/// key, and starting would only fail later, one secret at a time.
pub async fn verify_fingerprint(
    key: &SecretKey,
    source: &KeySource,
    settings: &dyn SettingsRepo,
) -> Result<(), SecretKeyError> {
    let actual = key.fingerprint();
    let mismatch = |stored: String| SecretKeyError::Mismatch {
        key_source: source.clone(),
        stored,
        actual: actual.clone(),
    };
    let stored = settings
        .get_setting(FINGERPRINT_SETTING)
        .await
        .map_err(SecretKeyError::Store)?;
    let stored = match stored {
        Some(stored) => stored,
        None => {
            let written = settings
                .put_setting_if_absent(FINGERPRINT_SETTING, &actual)
                .await
                .map_err(SecretKeyError::Store)?;
            if written {
                return Ok(());
            }
            // Another replica recorded its fingerprint first; it must match ours.
            settings
                .get_setting(FINGERPRINT_SETTING)
                .await
                .map_err(SecretKeyError::Store)?
                .ok_or(SecretKeyError::Store(StoreError::NotFound))?
        }
    };
    if stored.trim() == actual {
        Ok(())
    } else {
        Err(mismatch(stored))
    }
}

/// Resolves the key, checks it against the database and builds the store that seals tokens
/// with it.
pub async fn open_encrypted(
    config: &Config,
    settings: &dyn SettingsRepo,
) -> Result<EncryptedSecretStore, SecretKeyError> {
    let (key, source) = resolve_key(config)?;
    verify_fingerprint(&key, &source, settings).await?;
    Ok(EncryptedSecretStore::new(&key))
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
