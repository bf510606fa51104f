//! Who may use the admin API. The secret comes from `ADMIN_SECRET` (which wins) or from the
//! settings table, where only a salted HMAC of it is kept. With neither, the admin API is
//! closed until the first-run bootstrap sets one, and bootstrap is accepted only from
//! loopback, private ranges or `BOOTSTRAP_ALLOWED_CIDR`.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::Config;
use crate::store::{SettingsRepo, StoreError};

/// Settings key holding `v1:<salt hex>:<hmac hex>` of the admin secret.
pub const SECRET_HASH_KEY: &str = "admin_secret_hash";
/// Shortest secret accepted by the bootstrap; guessing must be impractical.
pub const MIN_SECRET_LEN: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    Env,
    Settings,
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminAuthError {
    #[error("the admin secret is not set yet: finish the first-run bootstrap")]
    BootstrapRequired,
    #[error("invalid or missing admin key")]
    InvalidKey,
    #[error("the admin secret is already set")]
    AlreadyBootstrapped,
    #[error(
        "bootstrap is only accepted from loopback, private networks or BOOTSTRAP_ALLOWED_CIDR"
    )]
    BootstrapForbidden,
    #[error("the admin secret must be at least {MIN_SECRET_LEN} characters")]
    SecretTooShort,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the secret currently comes from.
pub async fn source(
    config: &Config,
    settings: &dyn SettingsRepo,
) -> Result<SecretSource, StoreError> {
    if config.admin_secret.is_some() {
        return Ok(SecretSource::Env);
    }
    Ok(match settings.get_setting(SECRET_HASH_KEY).await? {
        Some(_) => SecretSource::Settings,
        None => SecretSource::None,
    })
}

/// Checks a presented key in constant time against the configured secret.
pub async fn verify(
    config: &Config,
    settings: &dyn SettingsRepo,
    presented: Option<&str>,
) -> Result<(), AdminAuthError> {
    if let Some(secret) = &config.admin_secret {
        // Compare digests so that the comparison time does not depend on lengths either.
        let want = Sha256::digest(secret.expose().as_bytes());
        let got = Sha256::digest(presented.unwrap_or_default().as_bytes());
        return match (presented.is_some() && bool::from(want.ct_eq(&got))).then_some(()) {
            Some(()) => Ok(()),
            None => Err(AdminAuthError::InvalidKey),
        };
    }
    let stored = settings
        .get_setting(SECRET_HASH_KEY)
        .await?
        .ok_or(AdminAuthError::BootstrapRequired)?;
    match presented {
        Some(key) if matches_hash(&stored, key) => Ok(()),
        _ => Err(AdminAuthError::InvalidKey),
    }
}

/// Sets the first admin secret. Refused once any secret exists, and from public addresses.
pub async fn bootstrap(
    config: &Config,
    settings: &dyn SettingsRepo,
    peer: IpAddr,
    secret: &str,
) -> Result<(), AdminAuthError> {
    if config.admin_secret.is_some() {
        return Err(AdminAuthError::AlreadyBootstrapped);
    }
    if !bootstrap_allowed(config, peer) {
        return Err(AdminAuthError::BootstrapForbidden);
    }
    if secret.chars().count() < MIN_SECRET_LEN {
        return Err(AdminAuthError::SecretTooShort);
    }
    if settings
        .put_setting_if_absent(SECRET_HASH_KEY, &hash_secret(secret))
        .await?
    {
        Ok(())
    } else {
        Err(AdminAuthError::AlreadyBootstrapped)
    }
}

/// Loopback and private ranges always; plus the configured CIDR (e.g. a Docker bridge).
pub fn bootstrap_allowed(config: &Config, peer: IpAddr) -> bool {
    let peer = match peer {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    let private = match peer {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || v6.is_unicast_link_local()
        }
    };
    private
        || config
            .bootstrap_allowed_cidr
            .iter()
            .flat_map(|list| list.split(','))
            .filter_map(|cidr| cidr.trim().parse::<ipnet::IpNet>().ok())
            .any(|net| net.contains(&peer))
}

fn hash_secret(secret: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    format!(
        "v1:{}:{}",
        hex::encode(salt),
        hex::encode(mac(&salt, secret))
    )
}

fn matches_hash(stored: &str, presented: &str) -> bool {
    let mut parts = stored.split(':');
    let (Some("v1"), Some(salt), Some(digest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(salt) = hex::decode(salt) else {
        return false;
    };
    let expected = hex::encode(mac(&salt, presented));
    bool::from(expected.as_bytes().ct_eq(digest.as_bytes()))
}

fn mac(salt: &[u8], secret: &str) -> Vec<u8> {
    match Hmac::<Sha256>::new_from_slice(salt) {
        Ok(mut m) => {
            m.update(secret.as_bytes());
            m.finalize().into_bytes().to_vec()
        }
        // HMAC accepts keys of any length; this arm exists only to avoid a panic path.
        Err(_) => Sha256::digest([salt, secret.as_bytes()].concat()).to_vec(),
    }
}

#[cfg(test)]
#[path = "admin_auth_tests.rs"]
mod tests;
