//! What the tray shows and changes about the account pool: the status line figures (N of M
//! ready, pool quota), running / stopped / degraded, and the pause and pin actions, all through
//! gateway-core's service functions so the dashboard and the tray see the same state.

use gateway_core::service::accounts::{self, AccountUpdate};
use gateway_core::store::{Account, CredentialState, QuotaWindowKind};

use crate::gateway_host::GatewayHost;

/// Under this much quota left across the pool, the tray turns degraded and a notification
/// goes out.
pub const QUOTA_LOW_PERCENT: f64 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Running,
    Stopped,
    Degraded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountItem {
    pub id: i64,
    pub name: String,
    pub ready: bool,
    pub paused: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub running: bool,
    pub port: u16,
    pub ready: usize,
    pub total: usize,
    /// Mean share of the 5-hour window left over the ready accounts that reported one.
    pub quota_left_percent: Option<f64>,
    pub accounts: Vec<AccountItem>,
    pub pinned: Option<i64>,
}

impl Summary {
    pub fn health(&self) -> Health {
        if !self.running {
            Health::Stopped
        } else if self.ready == 0 || self.quota_low() {
            Health::Degraded
        } else {
            Health::Running
        }
    }

    pub fn quota_low(&self) -> bool {
        self.quota_left_percent
            .is_some_and(|q| q < QUOTA_LOW_PERCENT)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PoolActionError {
    #[error("the gateway is not running")]
    Stopped,
    #[error("{0}")]
    Account(#[from] accounts::AccountError),
}

fn ready(a: &Account) -> bool {
    a.enabled && !a.paused && a.deleted_at.is_none() && a.state == CredentialState::Active
}

/// Reads the pool from the running gateway's in-memory snapshot (no database round trip per
/// account) plus the stored quota windows.
pub async fn summary(host: &GatewayHost) -> Summary {
    let Some(state) = host.app_state().await else {
        return Summary {
            port: host.port(),
            ..Summary::default()
        };
    };
    let live: Vec<Account> = state
        .pool()
        .snapshot_accounts()
        .into_iter()
        .filter(|a| a.deleted_at.is_none())
        .collect();
    let windows = state.store().all_quota_windows().await.unwrap_or_else(|e| {
        tracing::debug!(error = %e, "quota windows unavailable");
        Vec::new()
    });
    let lefts: Vec<f64> = live
        .iter()
        .filter(|a| ready(a))
        .filter_map(|a| {
            windows
                .iter()
                .find(|w| w.account_id == a.id && w.kind == QuotaWindowKind::FiveHour)
                .map(|w| (100.0 - w.used_percent).clamp(0.0, 100.0))
        })
        .collect();
    let quota_left_percent =
        (!lefts.is_empty()).then(|| lefts.iter().sum::<f64>() / lefts.len() as f64);
    Summary {
        running: true,
        port: host.port(),
        ready: live.iter().filter(|a| ready(a)).count(),
        total: live.len(),
        quota_left_percent,
        accounts: live
            .iter()
            .map(|a| AccountItem {
                id: a.id,
                name: a.name.clone(),
                ready: ready(a),
                paused: a.paused,
            })
            .collect(),
        pinned: state.runtime_settings().scheduler.pinned_account_id,
    }
}

/// Pauses or resumes one account (the same service call as the admin API's pause/resume).
pub async fn set_paused(host: &GatewayHost, id: i64, paused: bool) -> Result<(), PoolActionError> {
    let state = host.app_state().await.ok_or(PoolActionError::Stopped)?;
    let update = AccountUpdate {
        paused: Some(paused),
        ..AccountUpdate::default()
    };
    accounts::update(&state, id, update).await?;
    Ok(())
}

/// Pins routing to one account, or back to automatic with `None` (the same scheduler call
/// as the admin API's pin routes, persisted in the runtime settings).
pub async fn set_pin(host: &GatewayHost, id: Option<i64>) -> Result<(), PoolActionError> {
    let state = host.app_state().await.ok_or(PoolActionError::Stopped)?;
    if let Some(id) = id {
        let known = state
            .pool()
            .snapshot_accounts()
            .iter()
            .any(|a| a.id == id && a.deleted_at.is_none());
        if !known {
            return Err(PoolActionError::Account(accounts::AccountError::NotFound));
        }
    }
    state
        .pool()
        .set_pin(&state, id)
        .await
        .map_err(|e| PoolActionError::Account(accounts::AccountError::Store(e)))
}
