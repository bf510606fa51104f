//! Shared test setup: a gateway state on a fresh SQLite file with the in-process cache and
//! the memory secret store, and a real listener on port 0. A test binary that uses only part
//! of this declares `#[expect(dead_code)] mod common;`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::cache::memory::MemoryCache;
use gateway_core::config::Config;
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
    (state_on(config).await, dir)
}

/// A state on the database `config` names (a second process on the same SQLite file, or a
/// restart on the same PostgreSQL database), with a fresh in-process cache and secret store.
pub async fn state_on(config: Config) -> AppState {
    let store = gateway_core::store::open(&config.database).await.unwrap();
    gateway_core::build_state_with(
        config,
        store,
        Arc::new(MemoryCache::new()),
        Arc::new(MemorySecretStore::new()),
    )
    .await
    .unwrap()
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

/// A fresh PostgreSQL database for one test (dropped by nobody: names are unique and the CI
/// cluster is thrown away). `None` (with a loud message) when `TEST_DATABASE_URL` is unset
/// outside CI; a panic in CI, where these suites must run.
pub async fn fresh_postgres(test: &str) -> Option<String> {
    let base = required_env("TEST_DATABASE_URL", test)?;
    let name = format!("sy_{}_{}", test, uuid::Uuid::now_v7().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
        .await
        .unwrap();
    sqlx::Executor::execute(&mut conn, format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&name);
    Some(url.into())
}

/// The Redis URL for shared-cache tests, under the same skip/fail rule.
pub fn redis_url(test: &str) -> Option<String> {
    required_env("TEST_REDIS_URL", test)
}

fn required_env(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("{var} is not set but CI=true: {test} must run in CI")
        }
        _ => {
            eprintln!("SKIPPED: {var} not set; {test} did not run");
            None
        }
    }
}
