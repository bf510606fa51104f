//! Shared test setup: a gateway state on a fresh SQLite file with the in-process cache and
//! the memory secret store, and a real listener on port 0. A test binary that uses only part
//! of this declares `#[expect(dead_code)] mod common;`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::cache::memory::MemoryCache;
use gateway_core::config::{Config, DatabaseConfig};
use gateway_core::secrets::memory::MemorySecretStore;
use gateway_core::AppState;

pub struct TestGateway {
    pub state: AppState,
    pub addr: SocketAddr,
    pub base_url: String,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

/// A state on a fresh SQLite database; `tweak` adjusts the config first.
pub async fn state_with(tweak: impl FnOnce(&mut Config)) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::for_sqlite(dir.path().join("switchyard.db"));
    tweak(&mut config);
    let store = gateway_core::store::open(&config.database).await.unwrap();
    assert!(matches!(config.database, DatabaseConfig::Sqlite { .. }));
    let state = gateway_core::build_state_with(
        config,
        store,
        Arc::new(MemoryCache::new()),
        Arc::new(MemorySecretStore::new()),
    )
    .await
    .unwrap();
    (state, dir)
}

/// Starts the gateway on 127.0.0.1:0.
pub async fn start(tweak: impl FnOnce(&mut Config)) -> TestGateway {
    let (state, dir) = state_with(tweak).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = gateway_core::build_router(state.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(gateway_core::serve(
        listener,
        router,
        async move {
            let _ = rx.await;
        },
        Duration::from_secs(5),
    ));
    TestGateway {
        state,
        addr,
        base_url: format!("http://{addr}"),
        _dir: dir,
        stop: Some(tx),
        served: Some(served),
    }
}

impl TestGateway {
    /// Stops accepting, drains, and waits for `serve` to return.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.unwrap().unwrap();
        }
        self.state.shutdown().await;
    }
}
