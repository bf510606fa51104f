//! The dashboard's account summary (`GET /stats`) and the operations overview
//! (`GET /ops/overview`).

use serde::Serialize;

use super::analytics::{average, today_totals};
use crate::service::health::{self, Component};
use crate::state::AppState;
use crate::store::{CredentialState, StoreResult};

/// codex2api-compatible `GET /api/admin/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct DashboardStats {
    /// Live accounts.
    pub total: i64,
    /// Enabled, not paused, credentials usable and quota not exhausted.
    pub available: i64,
    /// A 5h or 7d window at 100 % that has not reset yet.
    pub rate_limited: i64,
    /// Credentials need re-authentication.
    pub error: i64,
    /// Requests since the start of the UTC day.
    pub today_requests: i64,
}

pub async fn dashboard_stats(state: &AppState, now: i64) -> StoreResult<DashboardStats> {
    let accounts = state.pool().snapshot_accounts();
    let quota = state.usage().quota();
    let mut stats = DashboardStats {
        total: 0,
        available: 0,
        rate_limited: 0,
        error: 0,
        today_requests: today_totals(state.store().as_ref(), now).await?.requests,
    };
    for a in accounts.iter().filter(|a| a.deleted_at.is_none()) {
        stats.total += 1;
        if a.state == CredentialState::ReauthRequired {
            stats.error += 1;
        } else if quota.is_exhausted(a.id, now) {
            stats.rate_limited += 1;
        } else if a.enabled && !a.paused {
            stats.available += 1;
        }
    }
    Ok(stats)
}

#[derive(Debug, Serialize)]
pub struct OpsOverview {
    pub updated_at: i64,
    pub uptime_seconds: u64,
    pub database_driver: &'static str,
    pub cache_driver: &'static str,
    pub memory: Memory,
    pub runtime: Runtime,
    pub requests: Requests,
    pub traffic: Traffic,
    pub store: Component,
    pub cache: Component,
    pub usage_log: UsageLogStatus,
}

#[derive(Debug, Serialize)]
pub struct Memory {
    /// Resident set size of this process; `None` where `/proc` is unavailable.
    pub process_bytes: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Runtime {
    pub available_accounts: i64,
    pub total_accounts: i64,
}

#[derive(Debug, Serialize)]
pub struct Requests {
    pub active: i64,
    /// Finished since the process started.
    pub total: u64,
}

#[derive(Debug, Serialize)]
pub struct Traffic {
    pub rpm: u64,
    pub tpm: u64,
    /// Errors / requests over the last minute, 0..1.
    pub error_rate: f64,
    pub today_requests: i64,
    pub today_tokens: i64,
    pub avg_duration_ms: Option<f64>,
    /// The `global_rpm` setting; 0 = unlimited.
    pub rpm_limit: u32,
}

#[derive(Debug, Serialize)]
pub struct UsageLogStatus {
    pub queue_depth: usize,
    pub queue_capacity: usize,
    pub dropped: u64,
    pub written: u64,
    pub batch_size: usize,
    pub flush_interval_seconds: u64,
    pub retention_days: u64,
}

/// Never fails: a store that cannot answer shows as unhealthy with zeroed totals.
pub async fn overview(state: &AppState, now: i64) -> OpsOverview {
    let usage = state.usage();
    let health = health::check(state).await;
    let today = match today_totals(state.store().as_ref(), now).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "ops overview: today's totals unavailable");
            Default::default()
        }
    };
    let stats = dashboard_stats(state, now).await.ok();
    let minute = usage.metrics().last_minute(now);
    OpsOverview {
        updated_at: now,
        uptime_seconds: state.uptime().as_secs(),
        database_driver: state.store().driver(),
        cache_driver: state.cache().driver(),
        memory: Memory {
            process_bytes: resident_bytes(),
        },
        runtime: Runtime {
            available_accounts: stats.as_ref().map_or(0, |s| s.available),
            total_accounts: stats.as_ref().map_or(0, |s| s.total),
        },
        requests: Requests {
            active: usage.metrics().in_flight(),
            total: usage.metrics().total_requests(),
        },
        traffic: Traffic {
            rpm: minute.requests,
            tpm: minute.tokens,
            error_rate: if minute.requests == 0 {
                0.0
            } else {
                minute.errors as f64 / minute.requests as f64
            },
            today_requests: today.requests,
            today_tokens: today.total_tokens(),
            avg_duration_ms: average(today.duration_ms_sum, today.requests),
            rpm_limit: state.runtime_settings().global_rpm,
        },
        store: health.store,
        cache: health.cache,
        usage_log: UsageLogStatus {
            queue_depth: usage.queue_depth(),
            queue_capacity: usage.queue_capacity(),
            dropped: usage.dropped(),
            written: usage.written(),
            batch_size: usage.batch_size(),
            flush_interval_seconds: usage.flush_interval().as_secs(),
            retention_days: usage.retention_days(),
        },
    }
}

/// RSS from `/proc/self/status` (`VmRSS`, in kB). Read there rather than from `statm`
/// because `statm` counts pages and the page size needs `sysconf`, i.e. unsafe FFI.
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
