//! Mock-runtime tests (tauri `test` feature, no display, no D-Bus): the dashboard's
//! `gateway_info` command over IPC, and tray actions driven through the same handler the tray
//! menu calls, checked against the real in-process gateway and mock-upstream.

use std::sync::Arc;

use gateway_core::secrets::memory::MemorySecretStore;
use gateway_core::secrets::SecretString;
use mock_upstream::{MockConfig, MockUpstream};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Manager};

use crate::actions::{self, Outcome};
use crate::gateway_host::{GatewayHost, HostConfig};

const TOKEN: &str = "mock-admin-token-0123456789";

fn app_with(host: Arc<GatewayHost>) -> App<MockRuntime> {
    let app = crate::configure(mock_builder())
        .build(mock_context(noop_assets()))
        .unwrap();
    app.manage(host);
    app
}

fn host(dir: &std::path::Path, mock: Option<&MockUpstream>) -> Arc<GatewayHost> {
    Arc::new(GatewayHost::new(
        HostConfig {
            data_dir: dir.to_path_buf(),
            port: 0,
            upstream_base_url: mock.map(MockUpstream::upstream_base_url),
            oauth_token_url: mock.map(MockUpstream::oauth_token_url),
        },
        SecretString::new(TOKEN),
        Arc::new(MemorySecretStore::new()),
    ))
}

fn invoke(
    window: &tauri::WebviewWindow<MockRuntime>,
    cmd: &str,
    body: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    tauri::test::get_ipc_response(
        window,
        tauri::webview::InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|r| r.deserialize::<serde_json::Value>().unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_info_hands_the_dashboard_the_base_url_and_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path(), None);
    let port = host.start().await.unwrap();
    let app = app_with(host.clone());
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    let info = invoke(&window, "gateway_info", serde_json::json!({})).unwrap();
    assert_eq!(info["base_url"], format!("http://127.0.0.1:{port}"));
    assert_eq!(
        info["openai_base_url"],
        format!("http://127.0.0.1:{port}/v1")
    );
    assert_eq!(info["token"], TOKEN);
    assert_eq!(info["running"], true);
    assert_eq!(info["secret_store"], "memory");
    // The dashboard can use what it was given against the admin API.
    let ping = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/api/admin/ping"))
        .bearer_auth(info["token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert!(ping.status().is_success());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tray_start_stop_and_copy_url_act_on_the_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path(), None);
    let app = app_with(host.clone());
    let handle = app.handle();

    assert_eq!(
        actions::handle(handle, "gateway.start").await,
        Ok(Outcome::Done)
    );
    assert!(host.is_running());
    let port = host.port();
    let health = format!("http://127.0.0.1:{port}/health");
    assert!(reqwest::get(&health).await.unwrap().status().is_success());

    assert_eq!(
        actions::handle(handle, "copy.openai").await,
        Ok(Outcome::Copy(format!("http://127.0.0.1:{port}/v1")))
    );
    assert_eq!(
        actions::handle(handle, "copy.anthropic").await,
        Ok(Outcome::Copy(format!("http://127.0.0.1:{port}")))
    );

    assert_eq!(
        actions::handle(handle, "gateway.stop").await,
        Ok(Outcome::Done)
    );
    assert!(!host.is_running());
    assert!(reqwest::get(&health).await.is_err());
    // The URL stays copyable while stopped: clients keep their configuration.
    assert_eq!(
        actions::handle(handle, "copy.anthropic").await,
        Ok(Outcome::Copy(format!("http://127.0.0.1:{port}")))
    );
    assert!(actions::handle(handle, "no.such.item").await.is_err());
}

async fn import_account(port: u16, refresh_token: &str, name: &str) {
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/admin/accounts"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({ "refresh_token": refresh_token, "name": name }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert!(
        status.is_success(),
        "{status}: {}",
        res.text().await.unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tray_pause_and_pin_act_on_the_pool() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let seeded = mock.seed_accounts(2);
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path(), Some(&mock));
    let app = app_with(host.clone());
    let handle = app.handle();
    let port = host.start().await.unwrap();
    import_account(port, &seeded[0].refresh_token, "alpha").await;
    import_account(port, &seeded[1].refresh_token, "beta").await;

    let before = crate::pool::summary(&host).await;
    assert_eq!((before.ready, before.total), (2, 2), "{before:?}");
    let alpha = before
        .accounts
        .iter()
        .find(|a| a.name == "alpha")
        .unwrap()
        .id;

    assert_eq!(
        actions::handle(handle, &format!("pause.{alpha}")).await,
        Ok(Outcome::Done)
    );
    let paused = crate::pool::summary(&host).await;
    assert_eq!(paused.ready, 1);
    assert!(paused
        .accounts
        .iter()
        .any(|a| a.id == alpha && a.paused && !a.ready));

    // Pausing again resumes: the tray item is a check mark.
    assert_eq!(
        actions::handle(handle, &format!("pause.{alpha}")).await,
        Ok(Outcome::Done)
    );
    assert_eq!(crate::pool::summary(&host).await.ready, 2);

    assert_eq!(
        actions::handle(handle, &format!("pin.{alpha}")).await,
        Ok(Outcome::Done)
    );
    assert_eq!(crate::pool::summary(&host).await.pinned, Some(alpha));
    assert_eq!(actions::handle(handle, "pin.auto").await, Ok(Outcome::Done));
    assert_eq!(crate::pool::summary(&host).await.pinned, None);
    assert!(
        actions::handle(handle, "pin.999999").await.is_err(),
        "unknown account"
    );

    host.stop().await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tray_pool_actions_need_a_running_gateway() {
    let dir = tempfile::tempdir().unwrap();
    let host = host(dir.path(), None);
    let app = app_with(host.clone());
    let err = actions::handle(app.handle(), "pause.1").await.unwrap_err();
    assert!(err.contains("not in the pool"), "{err}");
    let summary = crate::pool::summary(&host).await;
    assert_eq!(summary.health(), crate::pool::Health::Stopped);
}
