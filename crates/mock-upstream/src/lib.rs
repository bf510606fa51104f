//! A faithful fake of the Codex backend (`chatgpt.com/backend-api/codex`) and of OpenAI's
//! OAuth token server, for integration tests, benchmarks and local demos.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use mock_upstream::{MockConfig, MockUpstream};
//! let mock = MockUpstream::start(MockConfig::default()).await?;
//! let account = mock.seed_accounts(1).remove(0);
//! // Point the code under test at `mock.upstream_base_url()` and `mock.oauth_token_url()`,
//! // import `account.refresh_token`, then inspect `mock.request_log()` / `mock.counters(..)`.
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See the crate README for the wire behaviour, the control API and the fault kinds.

mod auth;
mod compact;
mod config;
mod content;
mod control;
mod faults;
mod handle;
mod jwt;
mod log;
mod models;
mod oauth;
mod responses;
mod sse;
mod state;
mod usage;
mod util;

use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    AccountCounters, MockConfig, RateLimitState, RateLimitUpdate, SeededAccount, TokenSet,
    UnknownRefreshReply,
};
pub use content::{
    expected_output, expected_text, ExpectedOutput, ExpectedToolCall, ToolCallKind, TEXT_SUFFIX,
};
pub use faults::{FaultId, FaultKind, FaultRule};
pub use handle::MockControl;
pub use jwt::{decode_claims, AUTH_CLAIM, CODEX_CLIENT_ID, PROFILE_CLAIM};
pub use log::{LoggedRequest, ReportedUsage};
pub use models::{manifest_json, MODEL_SLUGS};
pub use util::pkce_challenge;

/// Largest request body accepted; Codex requests with images get big.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A running mock. Dereferences to [`MockControl`] for seeding, faults, the log and counters.
/// Dropping it stops the server too; [`MockUpstream::shutdown`] also waits for it.
#[derive(Debug)]
pub struct MockUpstream {
    addr: SocketAddr,
    control: MockControl,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockUpstream {
    /// Starts on `127.0.0.1` with an OS-chosen port.
    pub async fn start(config: MockConfig) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", config).await
    }

    /// Starts on the given address (port 0 picks a free port).
    pub async fn start_on(addr: impl ToSocketAddrs, config: MockConfig) -> std::io::Result<Self> {
        Self::from_listener(TcpListener::bind(addr).await?, config)
    }

    /// Serves on an already bound listener.
    pub fn from_listener(listener: TcpListener, config: MockConfig) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let control = MockControl {
            state: Arc::new(state::State::new(config)),
        };
        let app = router(&control);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "mock-upstream server ended with an error");
            }
        });
        Ok(Self {
            addr,
            control,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://<addr>/backend-api/codex`: the value for `CODEX_UPSTREAM_BASE_URL`.
    pub fn upstream_base_url(&self) -> String {
        format!("http://{}/backend-api/codex", self.addr)
    }

    /// `http://<addr>/oauth/token`: the value for `CODEX_OAUTH_TOKEN_URL`.
    pub fn oauth_token_url(&self) -> String {
        format!("http://{}/oauth/token", self.addr)
    }

    /// `http://<addr>/backend-api/wham/usage`.
    pub fn wham_usage_url(&self) -> String {
        format!("http://{}/backend-api/wham/usage", self.addr)
    }

    /// `http://<addr>/__control`.
    pub fn control_url(&self) -> String {
        format!("http://{}/__control", self.addr)
    }

    /// A handle that outlives borrows of the mock (e.g. to move into tasks).
    pub fn control(&self) -> MockControl {
        self.control.clone()
    }

    /// Stops accepting, releases hung requests, and waits (up to 5 s) for open connections.
    pub async fn shutdown(mut self) {
        self.control.clear_faults(None);
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
            {
                task.abort();
            }
        }
    }
}

impl Deref for MockUpstream {
    type Target = MockControl;
    fn deref(&self) -> &MockControl {
        &self.control
    }
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn router(control: &MockControl) -> Router {
    let upstream = Router::new()
        .route("/backend-api/codex/responses", post(responses::handle))
        .route(
            "/backend-api/codex/responses/compact",
            post(compact::handle),
        )
        .route("/backend-api/codex/models", get(models::handle))
        .route("/backend-api/wham/usage", get(usage::wham_usage))
        .route("/oauth/token", post(oauth::handle))
        .with_state(control.state.clone());
    upstream
        .merge(control::router(control.clone()))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}
