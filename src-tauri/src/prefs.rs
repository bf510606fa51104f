//! The desktop's own preferences (`desktop.json` in the app data dir) and where that dir is.
//! Gateway business settings stay in the gateway's database; this file only holds what the
//! shell decides: the chosen port, the weaker-secret-store consent, the tray language and the
//! update endpoint. (Files from before the dashboard had its own process may still carry
//! `lightweight_mode`; unknown keys are ignored.)

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The port the gateway listens on unless `CODEX_PORT` or a saved choice says otherwise.
pub const DEFAULT_PORT: u16 = 8708;
const FILE: &str = "desktop.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Saved when the user picked another port because the default one was taken.
    pub port: Option<u16>,
    /// The user agreed to keep tokens in an encrypted file because no OS keyring works here.
    pub encrypted_file_consent: bool,
    /// `en` or `zh`; unset follows the system locale.
    pub language: Option<String>,
    /// Overrides the update endpoint compiled into the app (e.g. a company mirror).
    pub update_endpoint: Option<String>,
    /// The minisign public key the updates must be signed with, paired with the endpoint.
    pub update_pubkey: Option<String>,
}

impl Prefs {
    /// Reads `desktop.json`; a missing or unreadable file gives the defaults (and a warning,
    /// so a hand-edit gone wrong is visible in the log rather than silently reset).
    pub fn load(data_dir: &Path) -> Prefs {
        let path = data_dir.join(FILE);
        match std::fs::read(&path) {
            Ok(raw) => serde_json::from_slice(&raw).unwrap_or_else(|e| {
                tracing::warn!(path = %path.display(), error = %e, "ignoring malformed preferences");
                Prefs::default()
            }),
            Err(_) => Prefs::default(),
        }
    }

    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let body = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let path = data_dir.join(FILE);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, body)?;
        std::fs::rename(tmp, path)
    }
}

/// `SWITCHYARD_DATA_DIR`, else the OS app-data dir Tauri computed for `dev.switchyard.app`.
pub fn data_dir(os_default: Option<PathBuf>) -> Option<PathBuf> {
    std::env::var_os("SWITCHYARD_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or(os_default)
}

/// `CODEX_PORT`, else the saved choice, else 8708. A malformed `CODEX_PORT` is an error
/// rather than a silent default, because clients are configured with the port.
pub fn port(prefs: &Prefs) -> Result<u16, String> {
    match std::env::var("CODEX_PORT") {
        Ok(raw) if !raw.trim().is_empty() => raw
            .trim()
            .parse()
            .map_err(|_| format!("CODEX_PORT={raw:?} is not a port number")),
        _ => Ok(prefs.port.unwrap_or(DEFAULT_PORT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefs_round_trip_and_tolerate_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Prefs::load(dir.path()), Prefs::default());
        let prefs = Prefs {
            port: Some(8710),
            encrypted_file_consent: true,
            ..Prefs::default()
        };
        prefs.save(dir.path()).unwrap();
        assert_eq!(Prefs::load(dir.path()), prefs);
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert_eq!(Prefs::load(dir.path()), Prefs::default());
        // A file written before the dashboard moved to its own process still loads.
        std::fs::write(
            dir.path().join(FILE),
            br#"{"port":8711,"lightweight_mode":false}"#,
        )
        .unwrap();
        assert_eq!(Prefs::load(dir.path()).port, Some(8711));
    }
}
