//! The account pool at request time (scheduling.md): an in-memory snapshot of the accounts
//! (rebuilt when they change, so a pick never waits on the database), live per-account state
//! beside it (in-flight counters, health, cooldowns, quota view), the pick with session
//! affinity and pins, feedback from every attempt, and token freshness through the refresher.
//! The policy itself is pure and lives in [`policy`].

mod acquire;
mod band;
#[cfg(test)]
mod band_tests;
mod bindings;
pub mod board;
mod direct;
mod feedback;
mod grant;
mod live;
mod persist;
mod pick;
pub mod policy;
pub mod refresh;
pub mod refresh_task;
pub mod settings;
pub mod shared;
mod signals;
#[cfg(test)]
mod signals_tests;
mod snapshot;
pub mod tasks;
#[cfg(test)]
mod test_support;
pub mod trace;

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use tokio::sync::Notify;

use bindings::Bindings;
pub use grant::{AttemptOutcome, Grant, PickRequest, PoolError, Slot};
use policy::clock::{Clock, SystemClock};
use refresh::{RefreshCause, RefreshFailure, Refresher};
use settings::SchedulerSettings;
use shared::{CooldownEvent, Keeper};
use snapshot::{Runtime, Snapshot};
pub use trace::RoutingTrace;
use trace::TraceRing;

use crate::state::AppState;
use crate::store::Account;

/// An account's base concurrency (§4): its override, else the global `max_concurrency`.
pub fn base_concurrency(account: &Account, global: u32) -> u32 {
    snapshot::base_override(account).unwrap_or(global)
}

pub struct Pool {
    snapshot: RwLock<Arc<Snapshot>>,
    runtime: Arc<Runtime>,
    refresher: Refresher,
    clock: Arc<dyn Clock>,
    bindings: RwLock<Arc<Bindings>>,
    /// The settings of the last acquisition, for feedback outside a request's settings.
    settings: RwLock<Arc<SchedulerSettings>>,
    notify: Arc<Notify>,
    keeper: OnceLock<Arc<Keeper>>,
    events: tokio::sync::mpsc::UnboundedSender<CooldownEvent>,
    events_rx: std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedReceiver<CooldownEvent>>>,
    /// Identifies this process in broadcast events.
    origin: String,
    traces: TraceRing,
    /// Accounts the policy wants probed (scheduling.md §11); drained by the probe task.
    probe_requests: ProbeRequests,
}

/// A small set of account ids waiting for a usage probe.
#[derive(Default)]
pub struct ProbeRequests(std::sync::Mutex<std::collections::BTreeSet<i64>>);

impl ProbeRequests {
    pub fn insert(&self, account_id: i64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account_id);
    }

    pub fn drain(&self) -> Vec<i64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
            .into_iter()
            .collect()
    }
}

impl Pool {
    pub fn new(refresher: Refresher) -> Self {
        Pool::with_clock(refresher, Arc::new(SystemClock))
    }

    /// A pool reading `clock` (tests inject a manual one).
    pub fn with_clock(refresher: Refresher, clock: Arc<dyn Clock>) -> Self {
        let runtime = Arc::new(Runtime::default());
        let cfg = SchedulerSettings::default();
        let ttl = Duration::from_secs(cfg.affinity_ttl_seconds);
        let (events, rx) = tokio::sync::mpsc::unbounded_channel();
        Pool {
            snapshot: Default::default(),
            bindings: RwLock::new(Arc::new(Bindings::new(Arc::clone(&runtime), ttl))),
            runtime,
            refresher,
            clock,
            settings: RwLock::new(Arc::new(cfg)),
            notify: Arc::new(Notify::new()),
            keeper: OnceLock::new(),
            events,
            events_rx: std::sync::Mutex::new(Some(rx)),
            origin: uuid::Uuid::now_v7().simple().to_string(),
            traces: TraceRing::default(),
            probe_requests: ProbeRequests::default(),
        }
    }

    pub fn refresher(&self) -> &Refresher {
        &self.refresher
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Rebuilds the snapshot from the store; call after any account change.
    pub async fn reload(&self, state: &AppState) -> Result<(), PoolError> {
        let accounts = state
            .store()
            .all_accounts()
            .await
            .map_err(|e| PoolError::Store(e.to_string()))?;
        self.load_accounts(accounts);
        Ok(())
    }

    /// Installs a snapshot of these accounts (benchmarks and tests call this directly).
    pub fn load_accounts(&self, accounts: Vec<Account>) {
        self.runtime.retain(&accounts);
        let previous = self.current();
        let next = Arc::new(Snapshot::new(accounts, &self.runtime));
        // An edited account (plan, overrides, state) gets its derived view recomputed at the
        // next pick instead of when it would next go stale.
        for (account, live) in next.accounts.iter().zip(&next.lives) {
            if previous
                .get(account.id)
                .is_none_or(|(old, _)| old != account)
            {
                live.invalidate();
            }
        }
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = next;
    }

    pub fn snapshot_accounts(&self) -> Vec<Account> {
        self.current().accounts.to_vec()
    }

    /// In-flight requests of one account in this process.
    pub fn in_flight(&self, account_id: i64) -> u32 {
        self.runtime.find(account_id).map_or(0, |l| l.in_flight())
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn cfg(&self) -> Arc<SchedulerSettings> {
        self.settings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The lease keeper (per-key concurrency slots use it too).
    pub fn leases(&self, state: &AppState) -> &Arc<Keeper> {
        self.keeper(state)
    }

    fn keeper(&self, state: &AppState) -> &Arc<Keeper> {
        self.keeper
            .get_or_init(|| Keeper::new(Arc::clone(state.cache())))
    }

    /// The synchronous core of a pick (filter, pin, selection, slot) without affinity,
    /// shared-cache leases, queueing or tokens: what the pick benchmark measures.
    pub fn try_pick(
        &self,
        req: &PickRequest<'_>,
        cfg: &SchedulerSettings,
        trace: &mut trace::PickTrace,
        rng: &mut dyn FnMut(usize) -> usize,
    ) -> Option<Slot> {
        let snap = self.current();
        let input = pick::PickInput {
            req,
            cfg,
            now: self.clock.now_ms(),
            binding: None,
            refused: &[],
        };
        match pick::pick(&snap, &input, trace, rng) {
            pick::PickOutcome::Got { index, .. } => Some(Slot::taken(
                Arc::clone(&snap.lives[index]),
                Arc::clone(&self.notify),
            )),
            _ => None,
        }
    }

    /// Drops the cached selection bands, so the next pick scans the pool (the pick benchmark
    /// measures both paths with this).
    pub fn forget_bands(&self) {
        self.current()
            .bands
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The recent routing traces, newest first (dashboard).
    pub fn recent_traces(&self, limit: usize) -> Vec<RoutingTrace> {
        self.traces.recent(limit)
    }

    /// Tells other replicas (through the shared cache) that settings or accounts changed here.
    pub fn announce_change(&self, settings_changed: bool, accounts_changed: bool) {
        let _ = self.events.send(CooldownEvent {
            origin: self.origin.clone(),
            account_id: 0,
            account: None,
            model: None,
            cleared: false,
            settings_changed,
            accounts_changed,
        });
    }

    /// Accounts the cooldown policy asked to probe since the last drain.
    pub fn probe_requests(&self) -> &ProbeRequests {
        &self.probe_requests
    }

    /// Keeps a finished request's trace in the in-memory ring.
    pub fn record_trace(&self, trace: RoutingTrace) {
        self.traces.push(trace);
    }

    /// Scheduler feedback for one attempt: health terms, cooldowns, early clearing.
    pub fn report(&self, grant: &Grant, outcome: &AttemptOutcome) {
        let snap = self.current();
        let Some((account, live)) = snap.get(grant.account_id) else {
            return;
        };
        let now = self.clock.now_ms();
        let ttfc = matches!(outcome, AttemptOutcome::Success).then(|| grant.elapsed_ms());
        let effect = {
            let mut state = live.lock();
            let (signal, health) = feedback::classify(
                outcome,
                &grant.model,
                grant.refreshed,
                ttfc,
                &state.quota,
                now,
            );
            if let Some(event) = health {
                state.health.record(event, now);
            }
            signal.map(|s| state.cooldowns.apply(&s, now))
        };
        if let Some(effect) = &effect {
            self.publish_effect(account.id, effect);
        }
        live.refresh(account, &self.cfg(), now);
        let cooled = effect.is_some_and(|e| e.account.is_some());
        if matches!(outcome, AttemptOutcome::WorkspaceOff) && cooled {
            self.spread_workspace_off(&snap, account, now);
        }
    }

    /// `(window minutes, used percent, reset at unix ms)` per observed window.
    pub fn observe_windows(&self, account_id: i64, windows: &[(i64, f64, Option<i64>)]) {
        if windows.is_empty() {
            return;
        }
        let now = self.clock.now_ms();
        let snap = self.current();
        let Some((account, live)) = snap.get(account_id) else {
            return;
        };
        feedback::observe(&mut live.lock().quota, windows, now);
        live.refresh(account, &self.cfg(), now);
    }

    /// Applies a cooldown change another replica broadcast.
    fn apply_remote(&self, event: &CooldownEvent) {
        let snap = self.current();
        let Some((account, live)) = snap.get(event.account_id) else {
            return;
        };
        let now = self.clock.now_ms();
        {
            let mut state = live.lock();
            if event.cleared {
                state.cooldowns.account = None;
            }
            if let Some(c) = event.account {
                state.cooldowns.account = Some(c);
            }
            if let Some((model, c)) = &event.model {
                state.cooldowns.models.retain(|(m, _)| m != model);
                state.cooldowns.models.push((model.clone(), *c));
            }
        }
        self.runtime.counters.bump();
        live.refresh(account, &self.cfg(), now);
    }

    /// After an upstream 401: refresh the same account once and hand out a new grant.
    pub async fn after_unauthorized(
        &self,
        state: &AppState,
        grant: Grant,
    ) -> Result<Grant, PoolError> {
        let failed = grant.access_token.expose().to_owned();
        let account_id = grant.account_id;
        let model = grant.model.clone();
        let cause = RefreshCause::Unauthorized {
            failed_access_token: failed,
        };
        match self.refresher.refresh(state, account_id, cause).await {
            Ok(fresh) => {
                let a = &fresh.account;
                self.runtime.cache_credentials(
                    a.id,
                    a.credential_generation,
                    a.access_expires_at,
                    fresh.credentials.clone(),
                );
                let mut next = Grant::new(a, fresh.credentials, grant.into_slot(), &model)?;
                next.refreshed = true;
                Ok(next)
            }
            Err(err) => {
                if matches!(err, RefreshFailure::ReauthRequired { .. }) {
                    self.reload(state).await?;
                } else {
                    // The refresh failed: the 401 counts as account-side (§7).
                    let mut probe = grant;
                    probe.refreshed = true;
                    self.report(&probe, &AttemptOutcome::Unauthorized);
                }
                Err(PoolError::Unauthorized(err.to_string()))
            }
        }
    }
}
