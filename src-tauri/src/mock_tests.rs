//! Mock-runtime tests (tauri `test` feature, no display, no D-Bus): tray actions driven through
//! the same handler the tray menu calls, checked against the real in-process gateway and
//! mock-upstream. The dashboard's side (commands over the link, the dashboard process) is in
//! `dashboard_tests.rs`.

use std::sync::Arc;

use gateway_core::secrets::memory::MemorySecretStore;
use gateway_core::secrets::SecretString;
use mock_upstream::{MockConfig, MockUpstream};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Manager};

use crate::actions::{self, Outcome};
use crate::gateway_host::{GatewayHost, HostConfig};

pub(crate) const TOKEN: &str = "mock-admin-token-0123456789";

pub(crate) fn app_with(host: Arc<GatewayHost>) -> App<MockRuntime> {
    let app = mock_builder().build(mock_context(noop_assets())).unwrap();
    app.manage(host);
    app
}

pub(crate) fn host(dir: &std::path::Path, mock: Option<&MockUpstream>) -> Arc<GatewayHost> {
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
