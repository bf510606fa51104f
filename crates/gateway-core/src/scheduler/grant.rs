//! What a pick hands out and what comes back: the grant with its in-flight slot, the pick
//! request, the attempt outcome fed back to the scheduler, and why no account was available.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

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
    UsageLimit { resets_at: Option<i64> },
    RateLimited { retry_after: Option<u64> },
    Unauthorized,
    Forbidden,
    ModelUnsupported,
    Overloaded,
    ServerError,
    Transport,
    BadRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    #[error("no account is configured")]
    NoAccounts,
    #[error("every account is out of quota")]
    Exhausted { retry_after_secs: Option<u64> },
    #[error("every account is busy or unavailable")]
    Busy,
    #[error("the account needs re-authentication: {0}")]
    Unauthorized(String),
    #[error("store error: {0}")]
    Store(String),
}

/// An in-flight slot on one account; released on drop, whatever happens to the request.
#[derive(Debug)]
pub struct Slot(pub(super) Arc<AtomicU32>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
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
    slot: Slot,
}

impl Grant {
    pub(super) fn new(
        account: &Account,
        creds: Credentials,
        slot: Slot,
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
            slot,
        })
    }

    pub(super) fn into_slot(self) -> Slot {
        self.slot
    }
}
