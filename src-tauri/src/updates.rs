//! Update checks through tauri-plugin-updater. The endpoint and public key come from
//! `tauri.conf.json`, and can be replaced by `SWITCHYARD_UPDATE_ENDPOINT` /
//! `SWITCHYARD_UPDATE_PUBKEY` or the matching `desktop.json` settings (a mirror, a test
//! server). Signatures are verified with that key when an update is downloaded.

use serde::Serialize;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::UpdaterExt;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UpdateInfo {
    pub current_version: String,
    pub version: String,
    pub notes: Option<String>,
}

/// Overrides for the compiled-in updater settings.
#[derive(Debug, Clone, Default)]
pub struct UpdateSource {
    pub endpoint: Option<String>,
    pub pubkey: Option<String>,
}

impl UpdateSource {
    pub fn from_env_or(prefs: &crate::prefs::Prefs) -> UpdateSource {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        UpdateSource {
            endpoint: var("SWITCHYARD_UPDATE_ENDPOINT").or_else(|| prefs.update_endpoint.clone()),
            pubkey: var("SWITCHYARD_UPDATE_PUBKEY").or_else(|| prefs.update_pubkey.clone()),
        }
    }
}

fn updater<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<tauri_plugin_updater::Updater, String> {
    let mut builder = app.updater_builder();
    if let Some(endpoint) = &source.endpoint {
        let url = url::Url::parse(endpoint).map_err(|e| format!("update endpoint: {e}"))?;
        builder = builder.endpoints(vec![url]).map_err(|e| e.to_string())?;
    }
    if let Some(key) = &source.pubkey {
        builder = builder.pubkey(key.clone());
    }
    builder.build().map_err(|e| match e {
        tauri_plugin_updater::Error::EmptyEndpoints => {
            "no update endpoint is configured (set SWITCHYARD_UPDATE_ENDPOINT)".to_owned()
        }
        other => other.to_string(),
    })
}

/// Asks the endpoint whether a newer version exists.
pub async fn check<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<UpdateInfo>, String> {
    Ok(find(app, source).await?.map(|u| UpdateInfo {
        current_version: u.current_version.clone(),
        version: u.version.clone(),
        notes: u.body.clone(),
    }))
}

/// The update itself, for a download (which verifies the signature).
pub async fn find<R: Runtime>(
    app: &AppHandle<R>,
    source: &UpdateSource,
) -> Result<Option<tauri_plugin_updater::Update>, String> {
    updater(app, source)?
        .check()
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
#[path = "updates_tests.rs"]
mod tests;
