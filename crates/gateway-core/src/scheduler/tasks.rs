//! The scheduler's background tasks: the lease keeper (renew held slots, release dropped
//! ones) and, with a shared cache, the cooldown broadcast in both directions.

use std::sync::Arc;

use super::shared::{CooldownEvent, EVENTS};
use crate::state::AppState;

/// Starts the tasks on the state's task set; call once after the state is built.
pub fn spawn(state: &AppState) {
    let pool = state.pool();
    let keeper = Arc::clone(pool.keeper(state));
    let tasks = state.tasks();
    tasks.spawn("scheduler-leases", keeper.run(tasks.cancellation()));
    let Some(rx) = pool
        .events_rx
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    else {
        return;
    };
    let shared = state.cache().driver() == "redis";
    tasks.spawn("scheduler-events-out", publish(state.clone(), rx, shared));
    if shared {
        tasks.spawn("scheduler-events-in", subscribe(state.clone()));
    }
}

async fn publish(
    state: AppState,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<CooldownEvent>,
    shared: bool,
) {
    let cancel = state.tasks().cancellation();
    loop {
        let event = tokio::select! {
            _ = cancel.cancelled() => return,
            event = rx.recv() => match event { Some(e) => e, None => return },
        };
        let cooldown_change =
            event.account_id != 0 && !event.settings_changed && !event.accounts_changed;
        if cooldown_change {
            persist(&state, event.account_id).await;
        }
        if !shared {
            continue;
        }
        let Ok(json) = serde_json::to_string(&event) else {
            continue;
        };
        if let Err(err) = state.cache().publish(EVENTS, &json).await {
            tracing::warn!(error = %err, "cannot broadcast a cooldown change");
        }
    }
}

/// Writes the account's current cooldowns (not the event's delta: clears and expiries are
/// then stored too). A failure is logged; the in-memory state stays the authority.
async fn persist(state: &AppState, account_id: i64) {
    let Some(rows) = state.pool().stored_cooldowns(account_id) else {
        return;
    };
    if let Err(err) = state.store().replace_cooldowns(account_id, &rows).await {
        tracing::warn!(account_id, error = %err, "cannot store the account's cooldowns");
    }
}

async fn subscribe(state: AppState) {
    let cancel = state.tasks().cancellation();
    let mut rx = match state.cache().subscribe(EVENTS).await {
        Ok(rx) => rx,
        Err(err) => {
            tracing::warn!(error = %err, "cannot subscribe to cooldown changes; replicas may disagree");
            return;
        }
    };
    loop {
        let message = tokio::select! {
            _ = cancel.cancelled() => return,
            message = rx.recv() => message,
        };
        match message {
            Ok(text) => {
                let Ok(event) = serde_json::from_str::<CooldownEvent>(&text) else {
                    continue;
                };
                if event.origin == state.pool().origin {
                    continue;
                }
                if event.accounts_changed {
                    if let Err(err) = state.pool().reload(&state).await {
                        tracing::warn!(error = %err, "cannot reload accounts changed by another replica");
                    }
                }
                if event.settings_changed {
                    let _ = state.reload_settings().await;
                } else if !event.accounts_changed {
                    state.pool().apply_remote(&event);
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}
