//! [`MockControl`]: the in-process control surface, shared by Rust tests and `/__control`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use crate::config::{AccountCounters, RateLimitState, RateLimitUpdate, SeededAccount, TokenSet};
use crate::faults::{FaultId, FaultRule};
use crate::log::LoggedRequest;
use crate::state::State;
use crate::util::lock;

/// Cheap-to-clone handle on a running mock's state. Every method has an HTTP twin under
/// `/__control` (see the README).
#[derive(Clone)]
pub struct MockControl {
    pub(crate) state: Arc<State>,
}

impl std::fmt::Debug for MockControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockControl").finish_non_exhaustive()
    }
}

impl MockControl {
    /// Creates `n` accounts with the default plan.
    pub fn seed_accounts(&self, n: usize) -> Vec<SeededAccount> {
        (0..n).map(|_| self.state.seed(None)).collect()
    }

    /// Creates one account; `plan` defaults to the configured plan (`plus`).
    pub fn seed_account(&self, plan: Option<&str>) -> SeededAccount {
        self.state.seed(plan)
    }

    /// Ids of all accounts, in seeding order.
    pub fn account_ids(&self) -> Vec<String> {
        self.state.accounts().iter().map(|a| a.id.clone()).collect()
    }

    /// Issues a fresh token triple for an account, as a new login would (old tokens stay valid).
    pub fn issue_tokens(&self, account_id: &str) -> Option<TokenSet> {
        self.state.account(account_id).map(|a| self.state.issue(&a))
    }

    /// Expires every access token of one account (`Some`) or of all; returns how many.
    pub fn expire_access_tokens(&self, account_id: Option<&str>) -> usize {
        self.state.expire_access(account_id)
    }

    /// Changes the rate-limit state of one account or all; returns how many were changed.
    pub fn set_rate_limits(&self, account_id: Option<&str>, update: &RateLimitUpdate) -> usize {
        let targets = self.state.targets(account_id);
        for a in &targets {
            lock(&a.mutable).rate.apply(update);
        }
        targets.len()
    }

    /// The current rate-limit state of an account.
    pub fn rate_limits(&self, account_id: &str) -> Option<RateLimitState> {
        self.state
            .account(account_id)
            .map(|a| lock(&a.mutable).rate.clone())
    }

    /// Sets the pause between deltas for every account without its own setting.
    pub fn set_default_delta_delay(&self, delay: Duration) {
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        self.state.default_delay_us.store(us, Ordering::Relaxed);
    }

    /// Sets (`Some`) or removes (`None`) one account's own pause between deltas.
    pub fn set_account_delta_delay(&self, account_id: &str, delay: Option<Duration>) -> bool {
        self.state
            .account(account_id)
            .map(|a| lock(&a.mutable).delta_delay = delay)
            .is_some()
    }

    /// Adds a fault rule; the newest matching rule wins.
    pub fn inject_fault(&self, rule: FaultRule) -> FaultId {
        self.state.faults.add(rule)
    }

    /// Rules still active, oldest first.
    pub fn faults(&self) -> Vec<(FaultId, FaultRule)> {
        self.state.faults.list()
    }

    /// Removes the rules of one account (`Some`) or all rules, and releases hung requests.
    pub fn clear_faults(&self, account_id: Option<&str>) {
        self.state.faults.clear(account_id);
    }

    /// Mints a one-time authorization code bound to a PKCE S256 `code_challenge` (and to
    /// `redirect_uri`, when given). `None` if the account does not exist.
    pub fn mint_authorization_code(
        &self,
        account_id: &str,
        code_challenge: &str,
        redirect_uri: Option<&str>,
    ) -> Option<String> {
        self.state
            .mint_code(account_id, code_challenge, redirect_uri)
    }

    /// Everything logged so far, oldest first.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.state.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.state.log.clear();
    }

    /// One account's counters.
    pub fn counters(&self, account_id: &str) -> Option<AccountCounters> {
        self.state.counters(account_id)
    }

    /// Counters of every account, by account id.
    pub fn all_counters(&self) -> BTreeMap<String, AccountCounters> {
        self.state.all_counters().into_iter().collect()
    }

    /// Zeroes the counters (in-flight stays; max-in-flight restarts from it).
    pub fn reset_counters(&self) {
        self.state.reset_counters();
    }

    /// Successful refreshes of an account (0 if unknown).
    pub fn refresh_count(&self, account_id: &str) -> u64 {
        self.counters(account_id).map_or(0, |c| c.refresh_count)
    }

    /// Refused refresh-token replays of an account (0 if unknown).
    pub fn refresh_reuse_count(&self, account_id: &str) -> u64 {
        self.counters(account_id)
            .map_or(0, |c| c.refresh_reuse_count)
    }
}
