//! The account as the admin API shows it: never a token, only a fingerprint of it, plus the
//! status derived from the stored state and the live pool.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::state::AppState;
use crate::store::{Account, AccountQuotaWindow, CredentialState};
use crate::upstream::timestamp::format_rfc3339_ms;

/// The first matching row of scheduling.md §1 wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum AccountStatus {
    Deleted,
    Disabled,
    Paused,
    ReauthRequired,
    Busy,
    Ready,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct AccountView {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub plan_type: Option<String>,
    pub chatgpt_account_id: Option<String>,
    /// `refresh_token` or `access_token`.
    pub credential_kind: &'static str,
    /// A short hash of the sealed credentials, to tell versions apart; not a token.
    pub credential_fingerprint: String,
    pub credential_generation: i64,
    pub status: AccountStatus,
    pub status_reason: Option<String>,
    pub enabled: bool,
    pub paused: bool,
    pub token_expires_at: Option<String>,
    pub last_refreshed_at: Option<String>,
    pub proxy_url: Option<String>,
    pub note: Option<String>,
    pub scheduler_priority: i64,
    /// Replaces the plan weight in the dispatch score; `null` = by plan.
    pub score_bias_override: Option<i64>,
    /// This account's base concurrency instead of the global one; `null` = global.
    pub base_concurrency_override: Option<i64>,
    pub in_flight: u32,
    /// The latest 5h / 7d (and short) quota windows from rate-limit headers and probes.
    pub quota: Vec<QuotaWindowView>,
    pub created_at: String,
    pub updated_at: String,
}

impl AccountView {
    pub fn build(state: &AppState, a: &Account) -> AccountView {
        let in_flight = state.pool().in_flight(a.id);
        let limit = crate::scheduler::base_concurrency(a, state.runtime_settings().max_concurrency);
        let (status, status_reason) = if a.deleted_at.is_some() {
            (AccountStatus::Deleted, None)
        } else if !a.enabled {
            (AccountStatus::Disabled, None)
        } else if a.paused {
            (AccountStatus::Paused, None)
        } else if a.state == CredentialState::ReauthRequired {
            (AccountStatus::ReauthRequired, a.state_reason.clone())
        } else if limit > 0 && in_flight >= limit {
            (AccountStatus::Busy, None)
        } else {
            (AccountStatus::Ready, None)
        };
        let digest = Sha256::digest(a.credentials_sealed.as_bytes());
        AccountView {
            id: a.id,
            name: a.name.clone(),
            email: a.email.clone(),
            plan_type: a.plan_type.clone(),
            chatgpt_account_id: a.chatgpt_account_id.clone(),
            credential_kind: a.kind.as_str(),
            credential_fingerprint: hex::encode(&digest[..6]),
            credential_generation: a.credential_generation,
            status,
            status_reason,
            enabled: a.enabled,
            paused: a.paused,
            token_expires_at: a.access_expires_at.map(format_rfc3339_ms),
            last_refreshed_at: a.last_refreshed_at.map(format_rfc3339_ms),
            proxy_url: a.proxy_url.as_deref().map(redact_proxy),
            note: a.note.clone(),
            scheduler_priority: a.scheduler_priority,
            score_bias_override: a.score_bias_override,
            base_concurrency_override: a.base_concurrency_override,
            in_flight,
            quota: state
                .usage()
                .quota()
                .windows(a.id)
                .iter()
                .map(QuotaWindowView::from)
                .collect(),
            created_at: format_rfc3339_ms(a.created_at),
            updated_at: format_rfc3339_ms(a.updated_at),
        }
    }
}

/// One quota window of an account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct QuotaWindowView {
    /// `5h`, `7d` or `short`.
    pub window: &'static str,
    pub used_percent: f64,
    pub window_minutes: i64,
    pub reset_at: Option<String>,
    pub observed_at: String,
}

impl From<&AccountQuotaWindow> for QuotaWindowView {
    fn from(w: &AccountQuotaWindow) -> Self {
        QuotaWindowView {
            window: w.kind.as_str(),
            used_percent: w.used_percent,
            window_minutes: w.window_minutes,
            reset_at: w.reset_at.map(format_rfc3339_ms),
            observed_at: format_rfc3339_ms(w.observed_at),
        }
    }
}

/// Proxy URLs may carry credentials; show the host only.
fn redact_proxy(raw: &str) -> String {
    crate::config::redact_url(raw)
}
