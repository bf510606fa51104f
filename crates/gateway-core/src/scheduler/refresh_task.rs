//! The background refresher: every sweep, accounts whose access token expires within five
//! minutes are refreshed (cooling and exhausted ones included, so they come back with a
//! working token), with bounded parallelism and a backoff for transient failures.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;

use super::refresh::{RefreshCause, RefreshFailure};
use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{Account, CredentialKind, CredentialState};

const SWEEP_EVERY: Duration = Duration::from_secs(30);
const AHEAD_MS: i64 = 5 * 60 * 1000;
const PARALLELISM: usize = 4;
/// Waits after consecutive transient failures (scheduling.md §10.4).
const BACKOFF_MS: [i64; 4] = [60_000, 120_000, 300_000, 600_000];

/// Registers the refresher in the state's task set.
pub fn spawn(state: &AppState) {
    let task_state = state.clone();
    let cancel = state.tasks().cancellation();
    state.tasks().spawn("token-refresher", async move {
        let mut failures: HashMap<i64, (usize, i64)> = HashMap::new();
        loop {
            tokio::select! {
                () = cancel.cancelled() => return,
                () = tokio::time::sleep(SWEEP_EVERY) => {}
            }
            sweep(&task_state, &mut failures).await;
        }
    });
}

/// One pass over the pool; returns how many refreshes were attempted.
pub async fn sweep(state: &AppState, failures: &mut HashMap<i64, (usize, i64)>) -> usize {
    let now = now_ms();
    let accounts = state.pool().snapshot_accounts();
    let due: Vec<i64> = accounts
        .iter()
        .filter(|a| due(a, now))
        .filter(|a| failures.get(&a.id).is_none_or(|(_, next)| *next <= now))
        .map(|a| a.id)
        .collect();
    let attempted = due.len();
    let results: Vec<(i64, Result<(), RefreshFailure>)> = futures_util::stream::iter(due)
        .map(|id| async move {
            let cause = RefreshCause::Expiring {
                min_validity_ms: AHEAD_MS,
            };
            (
                id,
                state
                    .pool()
                    .refresher()
                    .refresh(state, id, cause)
                    .await
                    .map(|_| ()),
            )
        })
        .buffer_unordered(PARALLELISM)
        .collect()
        .await;
    let mut changed = false;
    for (id, result) in results {
        match result {
            Ok(()) => {
                failures.remove(&id);
                state.pool().refresh_succeeded(id);
                changed = true;
            }
            Err(RefreshFailure::ReauthRequired { .. }) => {
                failures.remove(&id);
                changed = true;
            }
            Err(err) => {
                let entry = failures.entry(id).or_insert((0, 0));
                let wait = BACKOFF_MS[entry.0.min(BACKOFF_MS.len() - 1)];
                *entry = (entry.0 + 1, now + wait);
                tracing::warn!(account_id = id, error = %err, retry_in_ms = wait, "background refresh failed");
                // Once the access token runs out before the next try, the account cannot
                // serve: `cooling:refresh_failing` until then (§10.4), not terminal.
                let expires = accounts
                    .iter()
                    .find(|a| a.id == id)
                    .and_then(|a| a.access_expires_at);
                if expires.is_none_or(|exp| exp <= now + wait) {
                    state.pool().refresh_failed(id, now + wait);
                }
            }
        }
    }
    if changed {
        if let Err(e) = state.pool().reload(state).await {
            tracing::warn!(error = %e, "cannot reload the pool after refreshes");
        }
    }
    attempted
}

fn due(a: &Account, now: i64) -> bool {
    a.kind == CredentialKind::RefreshToken
        && a.enabled
        && a.deleted_at.is_none()
        && a.state == CredentialState::Active
        && a.access_expires_at.is_none_or(|exp| exp <= now + AHEAD_MS)
}
