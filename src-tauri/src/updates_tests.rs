//! The updater finds a newer version in a local update manifest and verifies the download
//! against the test key's signature (fixtures made with `tauri signer`; the private key was
//! thrown away). Plain http is allowed only through this test's plugin config.

use tauri::test::{mock_builder, mock_context, noop_assets};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

const PUBKEY: &str = include_str!("../tests/fixtures/updater/test-updater.key.pub");
const PAYLOAD: &[u8] = include_bytes!("../tests/fixtures/updater/update-payload.bin");
const SIGNATURE: &str = include_str!("../tests/fixtures/updater/update-payload.bin.sig");

/// Serves the manifest at any path except `/payload.bin`, which serves `payload`.
async fn serve(payload: &'static [u8]) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let platform = tauri_plugin_updater::target().unwrap_or_else(|| "linux-x86_64".into());
    let manifest = serde_json::json!({
        "version": "9.9.9",
        "notes": "test release",
        "pub_date": "2026-11-25T00:00:00Z",
        "platforms": { platform: { "url": format!("{base}/payload.bin"), "signature": SIGNATURE } }
    })
    .to_string();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let manifest = manifest.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let body: Vec<u8> = if head.starts_with("GET /payload.bin") {
                    payload.to_vec()
                } else {
                    manifest.into_bytes()
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.write_all(&body).await;
            });
        }
    });
    base
}

fn app(endpoint: &str) -> tauri::App<tauri::test::MockRuntime> {
    let mut context = mock_context(noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        serde_json::json!({
            "pubkey": PUBKEY.trim(),
            "endpoints": [format!("{endpoint}/{{{{target}}}}/{{{{arch}}}}/{{{{current_version}}}}")],
            "dangerousInsecureTransportProtocol": true
        }),
    );
    mock_builder()
        .plugin(tauri_plugin_updater::Builder::new().build())
        .build(context)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn finds_a_newer_version_and_verifies_its_signature() {
    let base = serve(PAYLOAD).await;
    let app = app(&base);
    let info = check(app.handle(), &UpdateSource::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.version, "9.9.9");
    assert_eq!(info.current_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(info.notes.as_deref(), Some("test release"));
    let update = find(app.handle(), &UpdateSource::default())
        .await
        .unwrap()
        .unwrap();
    let bytes = update.download(|_, _| {}, || {}).await.unwrap();
    assert_eq!(bytes, PAYLOAD, "downloaded and signature-verified");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_download_fails_verification() {
    let base = serve(b"switchyard test update payload, tampered\n").await;
    let app = app(&base);
    let update = find(app.handle(), &UpdateSource::default())
        .await
        .unwrap()
        .unwrap();
    assert!(update.download(|_, _| {}, || {}).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_endpoint_setting_overrides_the_compiled_one() {
    let base = serve(PAYLOAD).await;
    let app = app("http://127.0.0.1:9");
    let source = UpdateSource {
        endpoint: Some(format!("{base}/latest.json")),
        pubkey: None,
    };
    let info = check(app.handle(), &source).await.unwrap().unwrap();
    assert_eq!(info.version, "9.9.9");
}
