//! The account pool at request time: an in-memory snapshot of the accounts (rebuilt when they
//! change, so a pick never waits on the database), live in-flight counters beside it, the
//! pick itself, and token freshness through the refresher.

mod grant;
pub mod refresh;
pub mod refresh_task;
mod snapshot;

use std::sync::Arc;

pub use grant::{AttemptOutcome, Grant, PickRequest, PoolError};
use refresh::{RefreshCause, RefreshFailure, Refresher};
use snapshot::{Runtime, Snapshot};

use crate::service::credentials::{self, Credentials};
use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{Account, CredentialKind};

/// An access token this close to expiry is refreshed before it is used (scheduling.md §10.1).
const DISPATCH_MIN_VALIDITY_MS: i64 = 60_000;

pub struct Pool {
    snapshot: std::sync::RwLock<Arc<Snapshot>>,
    runtime: Runtime,
    refresher: Refresher,
}

impl Pool {
    pub fn new(refresher: Refresher) -> Self {
        Pool {
            snapshot: Default::default(),
            runtime: Runtime::default(),
            refresher,
        }
    }

    pub fn refresher(&self) -> &Refresher {
        &self.refresher
    }

    /// Rebuilds the snapshot from the store; call after any account change.
    pub async fn reload(&self, state: &AppState) -> Result<(), PoolError> {
        let accounts = state
            .store()
            .all_accounts()
            .await
            .map_err(|e| PoolError::Store(e.to_string()))?;
        self.runtime.retain(&accounts);
        let next = Arc::new(Snapshot::new(accounts));
        *self.snapshot.write().unwrap_or_else(|e| e.into_inner()) = next;
        Ok(())
    }

    pub fn snapshot_accounts(&self) -> Vec<Account> {
        self.current().accounts().to_vec()
    }

    /// In-flight requests of one account in this process.
    pub fn in_flight(&self, account_id: i64) -> u32 {
        self.runtime.in_flight(account_id)
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Picks a schedulable account and hands out its (fresh) access token with an in-flight
    /// slot that is freed when the grant is dropped.
    pub async fn acquire(
        &self,
        state: &AppState,
        req: &PickRequest<'_>,
    ) -> Result<Grant, PoolError> {
        let snapshot = self.current();
        let limit = state.runtime_settings().max_concurrency;
        let mut skipped: Vec<i64> = req.exclude.to_vec();
        loop {
            let (account, slot) = snapshot
                .pick(&self.runtime, &skipped, limit)
                .ok_or_else(|| snapshot.unavailable())?;
            match self.credentials_for(state, account).await {
                Ok(creds) => return Grant::new(account, creds, slot),
                Err(err) => {
                    tracing::warn!(account_id = account.id, error = %err, "skipping account: no usable token");
                    skipped.push(account.id);
                    if matches!(err, RefreshFailure::ReauthRequired { .. }) {
                        self.reload(state).await?;
                    }
                }
            }
        }
    }

    /// After an upstream 401: refresh the same account once and hand out a new grant.
    pub async fn after_unauthorized(
        &self,
        state: &AppState,
        grant: Grant,
    ) -> Result<Grant, PoolError> {
        let failed = grant.access_token.expose().to_owned();
        let account_id = grant.account_id;
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
                Grant::new(a, fresh.credentials, grant.into_slot())
            }
            Err(err) => {
                if matches!(err, RefreshFailure::ReauthRequired { .. }) {
                    self.reload(state).await?;
                }
                Err(PoolError::Unauthorized(err.to_string()))
            }
        }
    }

    /// Scheduler feedback for one attempt. Health scores and cooldowns build on this.
    pub fn report(&self, grant: &Grant, outcome: &AttemptOutcome) {
        self.runtime.record(grant.account_id, outcome);
    }

    /// Opens the account's tokens (cached in memory per credential generation) and refreshes
    /// them first when the access token is about to expire.
    async fn credentials_for(
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
        let fresh_enough = expires_at.is_some_and(|exp| exp > now_ms() + DISPATCH_MIN_VALIDITY_MS);
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
