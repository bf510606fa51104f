//! What a pick hands out and what comes back: the grant with its in-flight slot, the pick
//! request, the attempt outcome fed back to the scheduler, and why no account was available.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Notify;

use super::live::Live;
use super::shared::LeaseGuard;

use crate::secrets::SecretString;
use crate::service::credentials::Credentials;
use crate::store::Account;

/// What the relay asks for.
#[derive(Debug, Clone, Copy)]
pub struct PickRequest<'a> {
    pub model: &'a str,
    /// Accounts already tried for this request.
    pub exclude: &'a [i64],
    pub affinity_key: Option<&'a str>,
}

/// The outcome of one upstream attempt, for health scores and cooldowns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Success,
    UsageLimit {
        resets_at: Option<i64>,
    },
    RateLimited {
        retry_after: Option<u64>,
    },
    Unauthorized,
    /// 402 `deactivated_workspace`.
    WorkspaceOff,
    PaymentRequired,
    /// 403 `unsupported_country_region_territory`.
    EgressBlocked,
    Forbidden,
    ModelUnsupported,
    Overloaded,
    ServerError,
    /// An upstream 408 or a timeout of ours (header, first content, silence).
    Timeout,
    Transport,
    BadRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("no account is configured")]
    NoAccounts,
    #[error("every account is out of quota")]
    Exhausted { retry_after_secs: Option<u64> },
    /// Every candidate has a burst cooldown (scheduling.md §9 row 2); the earliest end.
    #[error("every account is rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("every account is busy or unavailable")]
    Busy,
    #[error("the account needs re-authentication: {0}")]
    Unauthorized(String),
    #[error("store error: {0}")]
    Store(String),
}

/// An in-flight slot on one account (and its shared lease on the server); released on drop,
/// whatever happens to the request, waking requests queued for a slot.
pub struct Slot {
    live: Arc<Live>,
    notify: Arc<Notify>,
    lease: Option<LeaseGuard>,
}

impl Slot {
    /// Wraps a slot already taken with `Live::try_occupy`.
    pub(super) fn taken(live: Arc<Live>, notify: Arc<Notify>) -> Slot {
        Slot {
            live,
            notify,
            lease: None,
        }
    }

    pub(super) fn with_lease(mut self, lease: Option<LeaseGuard>) -> Slot {
        self.lease = lease;
        self
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slot")
            .field("shared", &self.lease.is_some())
            .finish()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.lease.take();
        self.live.in_flight.fetch_sub(1, Ordering::AcqRel);
        self.notify.notify_waiters();
    }
}

/// One account lent to one request attempt.
#[derive(Debug)]
pub struct Grant {
    pub account_id: i64,
    pub account_name: String,
    pub chatgpt_account_id: Option<String>,
    pub access_token: SecretString,
    pub proxy_url: Option<String>,
    pub plan_type: Option<String>,
    /// The resolved model this grant was picked for (model-scope cooldowns).
    pub model: String,
    /// The token was refreshed after a 401 in this request: another 401 is account-side.
    pub refreshed: bool,
    acquired_at: Instant,
    slot: Slot,
}

impl Grant {
    pub(super) fn new(
        account: &Account,
        creds: Credentials,
        slot: Slot,
        model: &str,
    ) -> Result<Grant, PoolError> {
        let token = creds
            .access_token
            .ok_or_else(|| PoolError::Unauthorized("no access token".into()))?;
        Ok(Grant {
            account_id: account.id,
            account_name: account.name.clone(),
            chatgpt_account_id: account.chatgpt_account_id.clone(),
            access_token: SecretString::new(token),
            proxy_url: account.proxy_url.clone(),
            plan_type: account.plan_type.clone(),
            model: model.to_owned(),
            refreshed: false,
            acquired_at: Instant::now(),
            slot,
        })
    }

    /// Milliseconds since the grant was handed out: at a success report this is the time to
    /// first content (the relay reports success when the first content event arrives).
    pub fn elapsed_ms(&self) -> i64 {
        i64::try_from(self.acquired_at.elapsed().as_millis()).unwrap_or(i64::MAX)
    }

    pub(super) fn into_slot(self) -> Slot {
        self.slot
    }
}
