//! Usage probes (`wham/usage`, upstream.md §5.5; scheduling.md §11): they cost no quota and
//! tell the real windows and resets. Run on demand from the admin API, when the cooldown
//! policy asks (after a 429, a quota cooldown without a reset, a cooldown ending), and for
//! idle accounts whose quota snapshot went stale.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;

use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{CredentialState, QuotaWindowKind};
use crate::upstream::endpoints::UpstreamEndpoints;
use crate::usage::probe;
use crate::usage::quota::QuotaObservation;

const SWEEP_EVERY: Duration = Duration::from_secs(30);
const PARALLELISM: usize = 4;

/// Probes one account now and applies what it learned.
pub async fn probe_account(state: &AppState, account_id: i64) -> Result<QuotaObservation, String> {
    let endpoints =
        UpstreamEndpoints::new(&state.config().upstream_base_url).map_err(|e| e.to_string())?;
    let grant = state
        .pool()
        .grant_for(state, account_id, "wham/usage")
        .await
        .map_err(|e| e.to_string())?;
    let http = state.pool().refresher().oauth().http().clone();
    let obs = probe::fetch(
        &http,
        endpoints.wham_usage(),
        grant.access_token.expose(),
        grant.chatgpt_account_id.as_deref(),
    )
    .await
    .map_err(|e| e.to_string())?;
    state.observe_quota(account_id, &obs);
    state.pool().apply_probe(account_id, &obs);
    Ok(obs)
}

/// Registers the probe task: policy requests first, then stale idle accounts.
pub fn spawn(state: &AppState) {
    let task_state = state.clone();
    let cancel = state.tasks().cancellation();
    state.tasks().spawn("usage-probe", async move {
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            sweep(&task_state).await;
        }
    });
}

/// One pass; returns how many accounts were probed.
pub async fn sweep(state: &AppState) -> usize {
    let max_age_ms = i64::from(state.runtime_settings().usage_probe_max_age_minutes) * 60_000;
    let now = now_ms();
    let mut due: Vec<i64> = state.pool().probe_requests().drain();
    let requested: HashSet<i64> = due.iter().copied().collect();
    for account in state.pool().snapshot_accounts() {
        let usable = account.enabled
            && account.deleted_at.is_none()
            && account.state == CredentialState::Active;
        if !usable || requested.contains(&account.id) || state.pool().in_flight(account.id) > 0 {
            continue;
        }
        let newest = state
            .usage()
            .quota()
            .windows(account.id)
            .iter()
            .filter(|w| matches!(w.kind, QuotaWindowKind::FiveHour | QuotaWindowKind::Weekly))
            .map(|w| w.observed_at)
            .max();
        if newest.is_none_or(|at| now - at > max_age_ms) {
            due.push(account.id);
        }
    }
    let probed = due.len();
    futures_util::stream::iter(due)
        .for_each_concurrent(PARALLELISM, |id| async move {
            if let Err(e) = probe_account(state, id).await {
                tracing::debug!(account_id = id, error = %e, "usage probe failed");
            }
        })
        .await;
    probed
}
