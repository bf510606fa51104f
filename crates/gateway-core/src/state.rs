//! `AppState`: everything a request handler or background task needs, built once from the
//! `Config` by [`build_state`].

use std::sync::Arc;
use std::time::Instant;

use crate::cache::{self, Cache};
use crate::config::Config;
use crate::scheduler::refresh::Refresher;
use crate::scheduler::Pool;
use crate::secrets::{self, SecretStore};
use crate::service;
use crate::service::settings::RuntimeSettings;
use crate::store::{self, Store};
use crate::tasks::TaskSet;
use crate::upstream::oauth::OAuthClient;
use crate::usage::UsageRecorder;

/// Why the gateway could not start. Rendered as one line that names the setting to fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot open the {driver} database (check DATABASE_URL / DATABASE_*): {source}")]
    Store {
        driver: &'static str,
        source: store::StoreError,
    },
    #[error("cannot connect to the {driver} cache (check REDIS_URL / REDIS_*): {source}")]
    Cache {
        driver: &'static str,
        source: cache::CacheError,
    },
    #[error(transparent)]
    SecretKey(#[from] secrets::key::SecretKeyError),
    #[error("cannot build the HTTP client: {0}")]
    Http(String),
}

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    store: Arc<dyn Store>,
    cache: Arc<dyn Cache>,
    secrets: Arc<dyn SecretStore>,
    tasks: TaskSet,
    pool: Pool,
    settings: std::sync::RwLock<Arc<RuntimeSettings>>,
    usage: UsageRecorder,
    started_at: Instant,
}

impl AppState {
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn cache(&self) -> &Arc<dyn Cache> {
        &self.inner.cache
    }

    pub fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.inner.secrets
    }

    pub fn tasks(&self) -> &TaskSet {
        &self.inner.tasks
    }

    pub fn pool(&self) -> &Pool {
        &self.inner.pool
    }

    /// Usage log, quota windows and request metrics (`crate::usage`).
    pub fn usage(&self) -> &UsageRecorder {
        &self.inner.usage
    }

    /// The runtime settings as last loaded from the store.
    pub fn runtime_settings(&self) -> Arc<RuntimeSettings> {
        self.inner
            .settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Re-reads the runtime settings after they changed.
    pub async fn reload_settings(&self) -> Result<(), store::StoreError> {
        let pairs = self.inner.store.all_settings().await?;
        self.inner
            .usage
            .apply_settings(&RuntimeSettings::from_pairs(&pairs));
        *self
            .inner
            .settings
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(RuntimeSettings::from_pairs(&pairs));
        Ok(())
    }

    /// Feeds an upstream answer's rate-limit headers (upstream.md §5.1) to the quota book
    /// (usage, dashboard) and to the scheduler (forecast, resets). Parsed once.
    pub fn observe_upstream_headers(&self, account_id: i64, headers: &axum::http::HeaderMap) {
        if let Some(obs) = crate::usage::quota::from_headers(headers, service::now_ms()) {
            self.observe_quota(account_id, &obs);
        }
    }

    /// Applies one quota observation (headers or a `wham/usage` probe) everywhere it matters.
    pub fn observe_quota(&self, account_id: i64, obs: &crate::usage::quota::QuotaObservation) {
        self.usage().observe(account_id, obs);
        let windows: Vec<(i64, f64, Option<i64>)> = obs
            .windows
            .iter()
            .map(|w| (w.window_minutes, w.used_percent, w.reset_at))
            .collect();
        self.pool().observe_windows(account_id, &windows);
    }

    pub fn uptime(&self) -> std::time::Duration {
        self.inner.started_at.elapsed()
    }

    /// Stops background tasks (flushing what they buffer) and closes the store.
    pub async fn shutdown(&self) {
        let grace = self.inner.config.shutdown_grace;
        if !self.inner.tasks.shutdown(grace).await {
            tracing::warn!(
                grace_secs = grace.as_secs(),
                "background tasks overran the grace period"
            );
        }
        self.inner.store.close().await;
    }
}

/// Opens the store (running migrations), the cache and the secret store, and writes the
/// runtime-settings defaults on first start.
pub async fn build_state(config: Config) -> Result<AppState, StartupError> {
    let store = store::open(&config.database)
        .await
        .map_err(|source| StartupError::Store {
            driver: config.database.driver(),
            source,
        })?;
    let cache = cache::open(&config.cache)
        .await
        .map_err(|source| StartupError::Cache {
            driver: config.cache.driver(),
            source,
        })?;
    let secrets: Arc<dyn SecretStore> =
        Arc::new(secrets::key::open_encrypted(&config, store.as_ref()).await?);
    build_state_with(config, store, cache, secrets).await
}

/// Assembles the state from parts the caller opened itself; the desktop app passes its
/// keyring-backed secret store here, tests pass a memory one.
pub async fn build_state_with(
    config: Config,
    store: Arc<dyn Store>,
    cache: Arc<dyn Cache>,
    secrets: Arc<dyn SecretStore>,
) -> Result<AppState, StartupError> {
    let driver = store.driver();
    let written = service::settings::write_defaults(store.as_ref())
        .await
        .map_err(|source| StartupError::Store { driver, source })?;
    if written > 0 {
        tracing::info!(written, "wrote runtime-settings defaults");
    }
    let pairs = store
        .all_settings()
        .await
        .map_err(|source| StartupError::Store { driver, source })?;
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| StartupError::Http(e.to_string()))?;
    let oauth = OAuthClient::new(http, config.oauth_token_url.clone());
    let state = AppState {
        inner: Arc::new(Inner {
            config,
            store,
            cache,
            secrets,
            tasks: TaskSet::new(),
            pool: Pool::new(Refresher::new(oauth)),
            settings: std::sync::RwLock::new(Arc::new(RuntimeSettings::from_pairs(&pairs))),
            usage: UsageRecorder::new(&RuntimeSettings::from_pairs(&pairs)),
            started_at: Instant::now(),
        }),
    };
    state
        .pool()
        .reload(&state)
        .await
        .map_err(|e| StartupError::Store {
            driver,
            source: store::StoreError::Open(e.to_string()),
        })?;
    match state.pool().restore_cooldowns(&state).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(cooldowns = n, "restored running cooldowns from the store"),
        Err(err) => tracing::warn!(error = %err, "cannot restore cooldowns; starting without them"),
    }
    crate::scheduler::refresh_task::spawn(&state);
    crate::service::probe::spawn(&state);
    crate::scheduler::tasks::spawn(&state);
    crate::usage::start(&state).await;
    Ok(state)
}
