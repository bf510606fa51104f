//! The few Tauri commands the dashboard calls for shell concerns; everything about accounts,
//! keys and usage goes through the admin REST API instead (house-style §5.5).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime, State};

use crate::client_setup::{self, Client, Plan};
use crate::gateway_host::GatewayHost;

/// What the dashboard's platform adapter needs to reach the local admin API.
#[derive(Debug, Serialize)]
pub struct GatewayInfo {
    pub base_url: String,
    pub openai_base_url: String,
    /// The per-install admin token (the dashboard's platform adapter reads `token`).
    pub token: String,
    pub running: bool,
    pub port: u16,
    pub secret_store: &'static str,
    pub version: &'static str,
}

fn host<R: Runtime>(app: &AppHandle<R>) -> Result<Arc<GatewayHost>, String> {
    app.try_state::<Arc<GatewayHost>>()
        .map(|s| s.inner().clone())
        .ok_or_else(|| "the gateway is still being set up".to_owned())
}

/// The window can load before the keyring probe and gateway start have finished, so a
/// dashboard asking early waits a little for the host instead of failing its first request.
async fn host_when_ready<R: Runtime>(app: &AppHandle<R>) -> Result<Arc<GatewayHost>, String> {
    for _ in 0..200 {
        if let Ok(host) = host(app) {
            if host.is_running() {
                return Ok(host);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    host(app)
}

#[tauri::command]
pub async fn gateway_info<R: Runtime>(app: AppHandle<R>) -> Result<GatewayInfo, String> {
    let host = host_when_ready(&app).await?;
    Ok(GatewayInfo {
        base_url: host.base_url(),
        openai_base_url: host.openai_base_url(),
        token: host.admin_token().expose().to_owned(),
        running: host.is_running(),
        port: host.port(),
        secret_store: host.secrets_kind(),
        version: env!("CARGO_PKG_VERSION"),
    })
}

#[tauri::command]
pub fn open_data_dir<R: Runtime>(app: AppHandle<R>) -> Result<(), String> {
    let dir = host(&app)?.data_dir();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&dir)
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot open {}: {e}", dir.display()))
}

#[tauri::command]
pub async fn restart_gateway<R: Runtime>(app: AppHandle<R>) -> Result<u16, String> {
    let result = host(&app)?.restart().await.map_err(|e| e.to_string());
    crate::watch::kick(&app);
    result
}

#[tauri::command]
pub fn set_autostart<R: Runtime>(app: AppHandle<R>, enabled: bool) -> Result<bool, String> {
    crate::ui::set_autostart(&app, enabled)
}

/// The dashboard's connect form: which client, and the optional model and API key.
#[derive(Debug, Deserialize)]
pub struct SetupRequest {
    pub client: Client,
    pub model: Option<String>,
    pub api_key: Option<String>,
}

/// Computes the edit and returns it with the diff; writes nothing.
#[tauri::command]
pub async fn preview_client_setup<R: Runtime>(
    app: AppHandle<R>,
    request: SetupRequest,
) -> Result<Plan, String> {
    let host = host(&app)?;
    crate::ui::plan_setup(&host, &request).await
}

/// Applies the edit only if it still produces exactly the diff the user approved.
#[tauri::command]
pub async fn apply_client_setup<R: Runtime>(
    app: AppHandle<R>,
    request: SetupRequest,
    approved_diff: String,
) -> Result<client_setup::Applied, String> {
    let host = host(&app)?;
    let plan = crate::ui::plan_setup(&host, &request).await?;
    if plan.diff != approved_diff {
        return Err(client_setup::SetupError::ChangedSincePlan.to_string());
    }
    client_setup::apply(&plan).map_err(|e| e.to_string())
}

#[tauri::command]
pub fn restore_client_setup(client: Client) -> Result<String, String> {
    let home = crate::ui::home_dir()?;
    client_setup::restore(client, &home)
        .map(|p| p.display().to_string())
        .map_err(|e| e.to_string())
}

#[tauri::command]
pub async fn check_update<R: Runtime>(
    app: AppHandle<R>,
    shell: State<'_, crate::Shell>,
) -> Result<Option<crate::updates::UpdateInfo>, String> {
    let source = shell.update_source();
    crate::updates::check(&app, &source).await
}

#[tauri::command]
pub async fn quit<R: Runtime>(app: AppHandle<R>) -> Result<(), String> {
    crate::ui::quit(&app).await;
    Ok(())
}
