//! `Pool::acquire`: run the pick, take the shared slot on the server, keep the affinity
//! binding, queue while every candidate is busy (scheduling.md §5 step 8) and open the
//! account's fresh token; or say why the pool cannot serve (§9).

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng as _;

use super::grant::{Grant, PickRequest, PoolError, Slot};
use super::pick::{self, BindingOutcome, PickInput, PickOutcome, Unavailable};
use super::policy::affinity::{Binding, Mode};
use super::refresh::{self, RefreshCause, RefreshFailure};
use super::settings::SchedulerSettings;
use super::shared;
use super::trace::{PickTrace, RoutingTrace};
use super::Pool;
use crate::service::credentials::{self, Credentials};
use crate::state::AppState;
use crate::store::{Account, CredentialKind};

/// An access token this close to expiry is refreshed before it is used (scheduling.md §10.1).
const DISPATCH_MIN_VALIDITY_MS: i64 = 60_000;
/// After a transient refresh failure on the request path, the account rests this long (the
/// first step of the background refresher's backoff, scheduling.md §10.4).
const REFRESH_FAILING_REST_MS: i64 = 60_000;
/// Queued requests also look again this often: releases on other replicas do not wake us.
const QUEUE_POLL: Duration = Duration::from_millis(250);

impl Pool {
    /// Picks a schedulable account and hands out its (fresh) access token with an in-flight
    /// slot that is freed when the grant is dropped.
    pub async fn acquire(
        &self,
        state: &AppState,
        req: &PickRequest<'_>,
    ) -> Result<Grant, PoolError> {
        self.acquire_traced(state, req, &mut RoutingTrace::default())
            .await
    }

    /// [`Pool::acquire`], recording the pick in `trace`.
    pub async fn acquire_traced(
        &self,
        state: &AppState,
        req: &PickRequest<'_>,
        trace: &mut RoutingTrace,
    ) -> Result<Grant, PoolError> {
        let cfg = Arc::new(state.runtime_settings().scheduler.clone());
        self.adopt_settings(&cfg);
        let deadline = Instant::now() + Duration::from_secs(cfg.queue_timeout_seconds);
        let mut refused: Vec<i64> = Vec::new();
        loop {
            let binding = self.lookup_binding(state, req, &cfg).await;
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let snap = self.current();
            let now = self.clock.now_ms();
            let input = PickInput {
                req,
                cfg: &cfg,
                now,
                binding,
                refused: &refused,
            };
            let mut pick_trace = PickTrace::default();
            let outcome = {
                let mut rng = rand::rng();
                pick::pick(&snap, &input, &mut pick_trace, &mut |n| {
                    rng.random_range(0..n.max(1))
                })
            };
            match outcome {
                PickOutcome::Got {
                    index,
                    binding: outcome,
                    pinned_unavailable,
                } => {
                    note_pin(trace, pinned_unavailable);
                    let account = &snap.accounts[index];
                    let slot =
                        Slot::taken(Arc::clone(&snap.lives[index]), Arc::clone(&self.notify));
                    let limit = snap.lives[index]
                        .limit(super::base_concurrency(account, cfg.max_concurrency));
                    let Some(slot) = self.shared_slot(state, account.id, limit, slot).await else {
                        pick_trace.skip(account.id, "at_limit");
                        trace.picks.push(pick_trace);
                        refused.push(account.id);
                        continue;
                    };
                    trace.picks.push(pick_trace);
                    trace.affinity.outcome = outcome.label();
                    self.keep_binding(state, req, &cfg, account.id, binding, outcome, now)
                        .await;
                    match self.credentials_for(state, account).await {
                        Ok(creds) => return Grant::new(account, creds, slot, req.model),
                        Err(err) => {
                            tracing::warn!(account_id = account.id, error = %err, "skipping account: no usable token");
                            refused.push(account.id);
                            if err.is_transient() {
                                // Later requests skip it instead of each waiting on the
                                // token endpoint; the background refresher keeps trying.
                                self.refresh_failed(account.id, now + REFRESH_FAILING_REST_MS);
                            }
                            if matches!(err, RefreshFailure::ReauthRequired { .. }) {
                                self.reload(state).await?;
                            }
                        }
                    }
                }
                PickOutcome::Busy { pinned_unavailable } => {
                    note_pin(trace, pinned_unavailable);
                    trace.picks.push(pick_trace);
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(PoolError::Busy);
                    }
                    let _ = tokio::time::timeout(left.min(QUEUE_POLL), notified).await;
                }
                PickOutcome::Empty(un) => {
                    trace.picks.push(pick_trace);
                    return Err(unavailable(&snap.accounts, un, now));
                }
            }
        }
    }

    fn adopt_settings(&self, cfg: &Arc<SchedulerSettings>) {
        if *self.cfg() != **cfg {
            *self.settings.write().unwrap_or_else(|e| e.into_inner()) = Arc::clone(cfg);
        }
        let ttl = Duration::from_secs(cfg.affinity_ttl_seconds);
        let current = self
            .bindings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .ttl();
        if current != ttl {
            let fresh = super::bindings::Bindings::new(Arc::clone(&self.runtime), ttl);
            *self.bindings.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        }
    }

    /// On the server, the account's slot must also be free across replicas (one round trip).
    async fn shared_slot(
        &self,
        state: &AppState,
        account_id: i64,
        limit: u32,
        slot: Slot,
    ) -> Option<Slot> {
        if state.cache().driver() != "redis" || limit == u32::MAX {
            return Some(slot);
        }
        match self
            .keeper(state)
            .acquire(&format!("slots:acct:{account_id}"), limit)
            .await
        {
            Ok(Some(lease)) => Some(slot.with_lease(Some(lease))),
            Ok(None) => None,
            Err(()) => Some(slot),
        }
    }

    async fn lookup_binding(
        &self,
        state: &AppState,
        req: &PickRequest<'_>,
        cfg: &SchedulerSettings,
    ) -> Option<Binding> {
        let key = req
            .affinity_key
            .filter(|_| cfg.affinity_mode != Mode::Off)?;
        if state.cache().driver() == "redis" {
            return shared::load_binding(state.cache().as_ref(), key).await;
        }
        self.bindings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
    }

    /// Creates, keeps or moves the binding per §6.2 and refreshes its idle TTL.
    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; the values are unrelated"
    )]
    async fn keep_binding(
        &self,
        state: &AppState,
        req: &PickRequest<'_>,
        cfg: &SchedulerSettings,
        account_id: i64,
        old: Option<Binding>,
        outcome: BindingOutcome,
        now: i64,
    ) {
        let Some(key) = req.affinity_key.filter(|_| cfg.affinity_mode != Mode::Off) else {
            return;
        };
        let next = match (outcome, old) {
            (BindingOutcome::Kept, Some(b)) => Binding {
                last_used: now,
                spills: 0,
                ..b
            },
            (BindingOutcome::Spilled, Some(b)) => Binding {
                last_used: now,
                spills: b.spills + 1,
                ..b
            },
            (BindingOutcome::None, _) => return,
            _ => Binding {
                account_id,
                bound_at: now,
                last_used: now,
                spills: 0,
            },
        };
        let changed =
            old.is_none_or(|b| b.account_id != next.account_id || b.spills != next.spills);
        if changed {
            let bindings = self
                .bindings
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            bindings.put(&self.runtime, key, next);
        }
        if state.cache().driver() == "redis" {
            shared::store_binding(
                state.cache().as_ref(),
                key,
                &next,
                Duration::from_secs(cfg.affinity_ttl_seconds),
            )
            .await;
        }
    }

    /// Opens the account's tokens (cached in memory per credential generation) and refreshes
    /// them first when the access token is about to expire.
    pub(super) async fn credentials_for(
        &self,
        state: &AppState,
        account: &Account,
    ) -> Result<Credentials, RefreshFailure> {
        let (creds, expires_at) = match self.runtime.cached_credentials(account) {
            Some(cached) => cached,
            None => {
                let opened = credentials::open(state.secrets().as_ref(), account)
                    .await
                    .map_err(|e| RefreshFailure::Secret(e.to_string()))?;
                self.runtime.cache_credentials(
                    account.id,
                    account.credential_generation,
                    account.access_expires_at,
                    opened.clone(),
                );
                (opened, account.access_expires_at)
            }
        };
        let has_token = creds.access_token.is_some();
        let fresh_enough =
            expires_at.is_some_and(|exp| exp > crate::service::now_ms() + DISPATCH_MIN_VALIDITY_MS);
        match account.kind {
            _ if has_token && fresh_enough => Ok(creds),
            // Opaque access tokens carry no expiry: valid until the upstream says 401.
            CredentialKind::AccessToken if has_token && expires_at.is_none() => Ok(creds),
            CredentialKind::AccessToken => {
                Err(refresh::mark_reauth(state, account.id, "at_expired").await)
            }
            CredentialKind::RefreshToken => {
                let cause = RefreshCause::Expiring {
                    min_validity_ms: DISPATCH_MIN_VALIDITY_MS,
                };
                let fresh = self.refresher.refresh(state, account.id, cause).await?;
                let a = &fresh.account;
                self.runtime.cache_credentials(
                    a.id,
                    a.credential_generation,
                    a.access_expires_at,
                    fresh.credentials.clone(),
                );
                Ok(fresh.credentials)
            }
        }
    }
}

fn note_pin(trace: &mut RoutingTrace, pinned_unavailable: bool) {
    if pinned_unavailable {
        trace.pin = Some("pinned account unavailable".into());
    }
}

/// §9 when no attempt was possible: quota beats burst cooldowns, which beat account-side
/// problems.
fn unavailable(accounts: &[Account], un: Unavailable, now: i64) -> PoolError {
    let secs = |at: i64| u64::try_from((at - now + 999) / 1000).unwrap_or(0).max(1);
    if accounts.is_empty() {
        PoolError::NoAccounts
    } else if let Some(at) = un.earliest_quota {
        PoolError::Exhausted {
            retry_after_secs: Some(secs(at)),
        }
    } else if let Some(at) = un.earliest_burst {
        PoolError::RateLimited {
            retry_after_secs: secs(at),
        }
    } else {
        PoolError::Unauthorized("no account is usable".into())
    }
}
