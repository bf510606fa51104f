//! Runs `gateway-core` inside the app on `127.0.0.1`, with the SQLite store in the app data dir
//! and the in-process cache. Holds the base URL, the admin token and the shutdown handle, and
//! starts, stops and restarts the gateway on request (tray, commands, first-run setup).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use gateway_core::config::{CacheConfig, Config};
use gateway_core::secrets::{SecretStore, SecretString};
use gateway_core::AppState;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// A desktop gateway stops fast: a user clicking "stop" should not wait the server's 30 s.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Why the gateway could not start. Shown in the tray and in dialogs as one line.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("port {port} on 127.0.0.1 is already in use by another program")]
    PortTaken { port: u16 },
    #[error("cannot listen on 127.0.0.1:{port}: {message}")]
    Bind { port: u16, message: String },
    #[error(
        "the upstream base URL {url} points at this gateway itself; that would loop every \
         request back here (check CODEX_UPSTREAM_BASE_URL)"
    )]
    UpstreamLoop { url: String },
    #[error("invalid {setting}: {message}")]
    Setting {
        setting: &'static str,
        message: String,
    },
    #[error("cannot open the gateway database: {0}")]
    Store(String),
    #[error(transparent)]
    Startup(#[from] gateway_core::StartupError),
}

/// What the host needs to build a gateway config.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub data_dir: PathBuf,
    /// 0 asks the OS for a free port (tests).
    pub port: u16,
    pub upstream_base_url: Option<String>,
    pub oauth_token_url: Option<String>,
}

impl HostConfig {
    /// Reads the test overrides `CODEX_UPSTREAM_BASE_URL` and `CODEX_OAUTH_TOKEN_URL`.
    pub fn with_env_overrides(data_dir: PathBuf, port: u16) -> HostConfig {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        HostConfig {
            data_dir,
            port,
            upstream_base_url: var("CODEX_UPSTREAM_BASE_URL"),
            oauth_token_url: var("CODEX_OAUTH_TOKEN_URL"),
        }
    }
}

struct Running {
    state: AppState,
    port: u16,
    cancel: CancellationToken,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub struct GatewayHost {
    config: std::sync::RwLock<HostConfig>,
    admin_token: SecretString,
    secrets: Arc<dyn SecretStore>,
    running: Mutex<Option<Running>>,
    /// The port actually bound, readable without awaiting (the tray reads it synchronously).
    bound_port: std::sync::RwLock<Option<u16>>,
}

impl GatewayHost {
    pub fn new(
        config: HostConfig,
        admin_token: SecretString,
        secrets: Arc<dyn SecretStore>,
    ) -> GatewayHost {
        GatewayHost {
            config: std::sync::RwLock::new(config),
            admin_token,
            secrets,
            running: Mutex::new(None),
            bound_port: std::sync::RwLock::new(None),
        }
    }

    pub fn admin_token(&self) -> &SecretString {
        &self.admin_token
    }

    pub fn secrets_kind(&self) -> &'static str {
        self.secrets.kind()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.read_config().data_dir.clone()
    }

    /// The port in use while running, else the configured one.
    pub fn port(&self) -> u16 {
        self.bound_port
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .unwrap_or_else(|| self.read_config().port)
    }

    /// Changes the port for the next start (after the user picked another free one).
    pub fn set_port(&self, port: u16) {
        self.config.write().unwrap_or_else(|e| e.into_inner()).port = port;
    }

    pub fn is_running(&self) -> bool {
        self.bound_port
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// `http://127.0.0.1:PORT`, the Anthropic-style base URL and the admin API's origin.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// The OpenAI-style base URL (`…/v1`).
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.base_url())
    }

    /// The running gateway's state, for pool queries and account actions.
    pub async fn app_state(&self) -> Option<AppState> {
        self.running.lock().await.as_ref().map(|r| r.state.clone())
    }

    /// Starts the gateway unless it is running; returns the bound port.
    pub async fn start(&self) -> Result<u16, HostError> {
        let mut running = self.running.lock().await;
        if let Some(r) = running.as_ref() {
            return Ok(r.port);
        }
        let host = self.read_config().clone();
        let listener = bind(host.port).await?;
        let port = listener
            .local_addr()
            .map_err(|e| HostError::Bind {
                port: host.port,
                message: e.to_string(),
            })?
            .port();
        let config = gateway_config(&host, port, &self.admin_token)?;
        // Keep the bound port (port 0 resolves here) so a restart and the copied URLs stay
        // on the same address that clients were given.
        self.set_port(port);
        let store = gateway_core::store::open(&config.database)
            .await
            .map_err(|e| HostError::Store(e.to_string()))?;
        let cache = gateway_core::cache::open(&CacheConfig::Memory)
            .await
            .map_err(|e| HostError::Store(e.to_string()))?;
        let state =
            gateway_core::build_state_with(config, store, cache, self.secrets.clone()).await?;
        let cancel = CancellationToken::new();
        let router = gateway_core::build_router(state.clone()).layer(dashboard_cors());
        let signal = cancel.clone();
        let server = tokio::spawn(gateway_core::serve(
            listener,
            router,
            async move { signal.cancelled().await },
            SHUTDOWN_GRACE,
        ));
        tracing::info!(
            port,
            secrets = self.secrets.kind(),
            "gateway started on 127.0.0.1"
        );
        *running = Some(Running {
            state,
            port,
            cancel,
            server,
        });
        *self.bound_port.write().unwrap_or_else(|e| e.into_inner()) = Some(port);
        Ok(port)
    }

    /// Stops the gateway (draining in-flight requests briefly); false when it was not running.
    pub async fn stop(&self) -> bool {
        let Some(r) = self.running.lock().await.take() else {
            return false;
        };
        *self.bound_port.write().unwrap_or_else(|e| e.into_inner()) = None;
        r.cancel.cancel();
        match r.server.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "gateway server ended with an error"),
            Err(e) => tracing::warn!(error = %e, "gateway server task failed"),
        }
        r.state.shutdown().await;
        tracing::info!("gateway stopped");
        true
    }

    pub async fn restart(&self) -> Result<u16, HostError> {
        self.stop().await;
        self.start().await
    }

    fn read_config(&self) -> std::sync::RwLockReadGuard<'_, HostConfig> {
        self.config.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The dashboard runs at `tauri://localhost` (Linux, macOS) or `http://tauri.localhost`
/// (Windows) and calls the admin API on 127.0.0.1 cross-origin; only those origins may.
fn dashboard_cors() -> tower_http::cors::CorsLayer {
    use axum::http::HeaderValue;
    use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
    let origins = [
        "tauri://localhost",
        "http://tauri.localhost",
        "https://tauri.localhost",
    ]
    .map(HeaderValue::from_static);
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
}

async fn bind(port: u16) -> Result<tokio::net::TcpListener, HostError> {
    tokio::net::TcpListener::bind(SocketAddr::new(LOOPBACK, port))
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => HostError::PortTaken { port },
            _ => HostError::Bind {
                port,
                message: e.to_string(),
            },
        })
}

/// The first free port after `start` (up to 20 tries), offered when the default is taken.
pub fn next_free_port(start: u16) -> Option<u16> {
    (1..=20u16)
        .filter_map(|i| start.checked_add(i))
        .find(|p| std::net::TcpListener::bind(SocketAddr::new(LOOPBACK, *p)).is_ok())
}

fn gateway_config(host: &HostConfig, port: u16, token: &SecretString) -> Result<Config, HostError> {
    let mut config = Config::for_sqlite(host.data_dir.join("switchyard.db"));
    config.port = port;
    config.admin_secret = Some(token.clone());
    config.shutdown_grace = SHUTDOWN_GRACE;
    // Loopback only, one user: until the user creates API keys, local clients may call
    // without one (Claude Code gets a placeholder token). Once a key exists, keys are required.
    config.allow_anonymous = true;
    if let Some(url) = &host.upstream_base_url {
        config.upstream_base_url = checked_url("CODEX_UPSTREAM_BASE_URL", url)?;
    }
    if let Some(url) = &host.oauth_token_url {
        config.oauth_token_url = checked_url("CODEX_OAUTH_TOKEN_URL", url)?;
    }
    if points_at_self(&config.upstream_base_url, port) {
        return Err(HostError::UpstreamLoop {
            url: config.upstream_base_url,
        });
    }
    Ok(config)
}

fn checked_url(setting: &'static str, raw: &str) -> Result<String, HostError> {
    let url = url::Url::parse(raw.trim()).map_err(|e| HostError::Setting {
        setting,
        message: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(HostError::Setting {
            setting,
            message: "expected an http:// or https:// URL".to_owned(),
        });
    }
    Ok(raw.trim().trim_end_matches('/').to_owned())
}

/// True when `url` is a loopback address on `port`: this very gateway.
pub fn points_at_self(url: &str, port: u16) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.is_unspecified(),
        None => false,
    };
    loopback && url.port_or_known_default() == Some(port)
}

#[cfg(test)]
#[path = "gateway_host_tests.rs"]
mod tests;
