//! The few commands the dashboard calls for shell concerns; everything about accounts, keys and
//! usage goes through the admin REST API instead (house-style §5.5). The page invokes them in
//! the dashboard process, which forwards them over the link (`link.rs`); [`dispatch`] runs them
//! here in the tray process, next to the gateway they act on. `build.rs` lists the same names
//! for the capability file.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tauri::{AppHandle, Manager, Runtime};

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

pub async fn gateway_info<R: Runtime>(app: &AppHandle<R>) -> Result<GatewayInfo, String> {
    let host = host_when_ready(app).await?;
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

pub fn open_data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<(), String> {
    let dir = host(app)?.data_dir();
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

pub async fn restart_gateway<R: Runtime>(app: &AppHandle<R>) -> Result<u16, String> {
    let result = host(app)?.restart().await.map_err(|e| e.to_string());
    crate::watch::kick(app);
    result
}

/// The dashboard's connect form: which client, and the optional model and API key.
#[derive(Debug, Deserialize)]
pub struct SetupRequest {
    pub client: Client,
    pub model: Option<String>,
    pub api_key: Option<String>,
}

/// Computes the edit and returns it with the diff; writes nothing.
pub async fn preview_client_setup<R: Runtime>(
    app: &AppHandle<R>,
    request: SetupRequest,
) -> Result<Plan, String> {
    let host = host(app)?;
    crate::ui::plan_setup(&host, &request).await
}

/// Applies the edit only if it still produces exactly the diff the user approved.
pub async fn apply_client_setup<R: Runtime>(
    app: &AppHandle<R>,
    request: SetupRequest,
    approved_diff: String,
) -> Result<client_setup::Applied, String> {
    let host = host(app)?;
    let plan = crate::ui::plan_setup(&host, &request).await?;
    if plan.diff != approved_diff {
        return Err(client_setup::SetupError::ChangedSincePlan.to_string());
    }
    client_setup::apply(&plan).map_err(|e| e.to_string())
}

pub fn restore_client_setup(client: Client) -> Result<String, String> {
    let home = crate::ui::home_dir()?;
    client_setup::restore(client, &home)
        .map(|p| p.display().to_string())
        .map_err(|e| e.to_string())
}

pub async fn check_update<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<Option<crate::updates::UpdateInfo>, String> {
    let source = app
        .try_state::<crate::Shell>()
        .map(|shell| shell.update_source())
        .ok_or_else(|| "the app is still starting".to_owned())?;
    crate::updates::check(app, &source).await
}

/// Runs the command `name` with the arguments the page passed (Tauri's convention: one JSON
/// object keyed by camelCase argument names) and returns its result as JSON.
pub async fn dispatch<R: Runtime>(
    app: &AppHandle<R>,
    name: &str,
    args: Value,
) -> Result<Value, String> {
    #[derive(Deserialize)]
    struct Autostart {
        enabled: bool,
    }
    #[derive(Deserialize)]
    struct Preview {
        request: SetupRequest,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Apply {
        request: SetupRequest,
        approved_diff: String,
    }
    #[derive(Deserialize)]
    struct Restore {
        client: Client,
    }
    match name {
        "gateway_info" => json(gateway_info(app).await),
        "open_data_dir" => json(open_data_dir(app)),
        "restart_gateway" => json(restart_gateway(app).await),
        "set_autostart" => {
            let a: Autostart = arguments(name, args)?;
            json(crate::ui::set_autostart(app, a.enabled))
        }
        "preview_client_setup" => {
            let a: Preview = arguments(name, args)?;
            json(preview_client_setup(app, a.request).await)
        }
        "apply_client_setup" => {
            let a: Apply = arguments(name, args)?;
            json(apply_client_setup(app, a.request, a.approved_diff).await)
        }
        "restore_client_setup" => {
            let a: Restore = arguments(name, args)?;
            json(restore_client_setup(a.client))
        }
        "check_update" => json(check_update(app).await),
        "quit" => {
            crate::ui::quit(app).await;
            Ok(Value::Null)
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

fn arguments<T: DeserializeOwned>(name: &str, args: Value) -> Result<T, String> {
    serde_json::from_value(args).map_err(|e| format!("invalid arguments for {name}: {e}"))
}

fn json<T: Serialize>(result: Result<T, String>) -> Result<Value, String> {
    serde_json::to_value(result?).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    /// Every command the capability file grants the dashboard window has a handler here; a
    /// name in `build.rs` without one would only fail when the page first calls it.
    #[tokio::test]
    async fn every_granted_command_is_dispatched() {
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
        let app = tauri::test::mock_app();
        let granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert!(granted.contains(&"gateway_info".to_owned()), "{granted:?}");
        // `gateway_info` waits for a gateway (covered by the mock-runtime tests), `quit` exits.
        let skipped = ["gateway_info", "quit"];
        for name in granted.iter().filter(|n| !skipped.contains(&n.as_str())) {
            if let Err(e) = super::dispatch(app.handle(), name, serde_json::json!({})).await {
                assert!(!e.starts_with("unknown command"), "{name}: {e}");
            }
        }
        let unknown = super::dispatch(app.handle(), "rm_rf", serde_json::json!({})).await;
        assert_eq!(unknown, Err("unknown command \"rm_rf\"".to_owned()));
    }
}
