//! Gateway host tests: real start/stop on a free loopback port with a memory secret store.

use gateway_core::secrets::memory::MemorySecretStore;

use super::*;

pub(crate) fn host_in(dir: &std::path::Path) -> GatewayHost {
    GatewayHost::new(
        HostConfig {
            data_dir: dir.to_path_buf(),
            port: 0,
            upstream_base_url: None,
            oauth_token_url: None,
        },
        SecretString::new("test-admin-token-0123456789"),
        Arc::new(MemorySecretStore::new()),
    )
}

async fn health(port: u16) -> reqwest::Result<reqwest::StatusCode> {
    let url = format!("http://127.0.0.1:{port}/health");
    reqwest::get(url).await.map(|r| r.status())
}

#[tokio::test]
async fn starts_serves_health_stops_and_starts_again() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_in(dir.path());
    assert!(!host.is_running());
    let port = host.start().await.unwrap();
    assert!(host.is_running());
    assert_eq!(host.port(), port);
    assert_eq!(host.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(
        host.openai_base_url(),
        format!("http://127.0.0.1:{port}/v1")
    );
    assert!(health(port).await.unwrap().is_success());
    // Starting twice is a no-op that reports the same port.
    assert_eq!(host.start().await.unwrap(), port);
    assert!(dir.path().join("switchyard.db").exists());

    assert!(host.stop().await);
    assert!(!host.is_running());
    assert!(health(port).await.is_err(), "nothing listens after stop");
    assert!(!host.stop().await);

    host.set_port(port);
    assert_eq!(host.restart().await.unwrap(), port);
    assert!(health(port).await.unwrap().is_success());
    host.stop().await;
}

#[tokio::test]
async fn the_admin_api_takes_the_per_install_token() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_in(dir.path());
    let port = host.start().await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/admin/ping");
    let ok = client
        .get(&url)
        .bearer_auth(host.admin_token().expose())
        .send()
        .await
        .unwrap();
    assert!(ok.status().is_success());
    let denied = client.get(&url).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(denied.status(), reqwest::StatusCode::UNAUTHORIZED);
    host.stop().await;
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error_and_a_free_one_is_offered() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = blocker.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let host = host_in(dir.path());
    host.set_port(taken);
    let err = host.start().await.unwrap_err();
    assert!(
        matches!(err, HostError::PortTaken { port } if port == taken),
        "{err}"
    );
    assert!(err.to_string().contains("already in use"));
    let free = next_free_port(taken).unwrap();
    assert_ne!(free, taken);
    host.set_port(free);
    assert_eq!(host.start().await.unwrap(), free);
    host.stop().await;
}

#[tokio::test]
async fn an_upstream_pointing_at_this_gateway_is_refused() {
    let blocker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = blocker.local_addr().unwrap().port();
    drop(blocker);
    let dir = tempfile::tempdir().unwrap();
    let host = host_in(dir.path());
    host.set_port(port);
    host.config.write().unwrap().upstream_base_url =
        Some(format!("http://localhost:{port}/backend-api/codex"));
    let err = host.start().await.unwrap_err();
    assert!(matches!(err, HostError::UpstreamLoop { .. }), "{err}");
    assert!(!host.is_running());
}

#[test]
fn self_pointing_urls_are_recognised() {
    assert!(points_at_self("http://127.0.0.1:8708/v1", 8708));
    assert!(points_at_self("http://localhost:8708", 8708));
    assert!(points_at_self("http://[::1]:8708/x", 8708));
    assert!(points_at_self("http://0.0.0.0:8708", 8708));
    assert!(!points_at_self("http://127.0.0.1:8709/v1", 8708));
    assert!(!points_at_self(
        "https://chatgpt.com/backend-api/codex",
        443 + 1
    ));
    assert!(points_at_self("https://localhost/", 443));
    assert!(!points_at_self("not a url", 8708));
}

#[tokio::test]
async fn the_dashboard_origin_may_call_the_admin_api_cross_origin() {
    let dir = tempfile::tempdir().unwrap();
    let host = host_in(dir.path());
    let port = host.start().await.unwrap();
    let url = format!("http://127.0.0.1:{port}/api/admin/ping");
    let client = reqwest::Client::new();
    let preflight = client
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "tauri://localhost")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "authorization")
        .send()
        .await
        .unwrap();
    let allowed = preflight
        .headers()
        .get("access-control-allow-origin")
        .cloned();
    assert_eq!(allowed.unwrap(), "tauri://localhost");
    let foreign = client
        .get(&url)
        .header("origin", "https://evil.example")
        .bearer_auth(host.admin_token().expose())
        .send()
        .await
        .unwrap();
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    host.stop().await;
}
