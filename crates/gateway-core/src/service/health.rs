//! The `/health` report: process version, store and cache health, account counts.

use std::time::Duration;

use serde::Serialize;

use crate::state::AppState;

/// How long a health check waits for each backend before calling it unhealthy.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize)]
pub struct HealthReport {
    /// `ok` or `degraded`.
    pub status: &'static str,
    pub version: &'static str,
    pub store: Component,
    pub cache: Component,
    pub accounts: Option<AccountSummary>,
}

#[derive(Debug, Serialize)]
pub struct Component {
    pub driver: &'static str,
    pub healthy: bool,
    /// A short reason when unhealthy; never a connection string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AccountSummary {
    pub total: i64,
    pub enabled: i64,
    pub reauth_required: i64,
}

impl HealthReport {
    /// The store is the one dependency without which nothing works: its loss is a 503.
    pub fn store_healthy(&self) -> bool {
        self.store.healthy
    }
}

pub async fn check(state: &AppState) -> HealthReport {
    let store = state.store();
    let cache = state.cache();
    let (store_ping, cache_ping, counts) = tokio::join!(
        tokio::time::timeout(PROBE_TIMEOUT, store.ping()),
        tokio::time::timeout(PROBE_TIMEOUT, cache.ping()),
        tokio::time::timeout(PROBE_TIMEOUT, store.count_accounts()),
    );
    let store_c = component(
        store.driver(),
        store_ping.map(|r| r.map_err(|e| e.to_string())),
    );
    let cache_c = component(
        cache.driver(),
        cache_ping.map(|r| r.map_err(|e| e.to_string())),
    );
    let accounts = match counts {
        Ok(Ok(c)) => Some(AccountSummary {
            total: c.total,
            enabled: c.enabled,
            reauth_required: c.reauth_required,
        }),
        _ => None,
    };
    let status = if store_c.healthy && cache_c.healthy {
        "ok"
    } else {
        "degraded"
    };
    HealthReport {
        status,
        version: env!("CARGO_PKG_VERSION"),
        store: store_c,
        cache: cache_c,
        accounts,
    }
}

fn component(
    driver: &'static str,
    outcome: Result<Result<(), String>, tokio::time::error::Elapsed>,
) -> Component {
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!("no answer within {}s", PROBE_TIMEOUT.as_secs())),
    };
    Component {
        driver,
        healthy: error.is_none(),
        error,
    }
}
