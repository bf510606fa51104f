//! Public configuration and data types shared by the Rust API and the control API.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the mock is set up at start. `Default` gives the behaviour documented in the README.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Lifetime of issued access tokens (`exp - iat`). Default 3600 s.
    pub access_token_ttl: Duration,
    /// Pause between streamed delta events, for every account without its own setting.
    /// Default zero: the whole stream goes out as fast as the socket takes it.
    pub delta_delay: Duration,
    /// Plan given to seeded accounts when the seed request names none. Default `plus`.
    pub default_plan: String,
    /// What the token endpoint answers for a refresh token it never issued.
    pub unknown_refresh_reply: UnknownRefreshReply,
    /// Refuse `/responses` when `chatgpt-account-id` is missing or names another account.
    /// Off by default: the real backend's behaviour is unverified (clients.md §5).
    pub require_account_header: bool,
    /// Entries kept in the request log (oldest dropped first); 0 disables logging.
    pub log_capacity: usize,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3600),
            delta_delay: Duration::ZERO,
            default_plan: "plus".to_owned(),
            unknown_refresh_reply: UnknownRefreshReply::Invalidated,
            require_account_header: false,
            log_capacity: 10_000,
        }
    }
}

/// Answer to an unknown refresh token. Both shapes exist in the wild (upstream.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownRefreshReply {
    /// 401 `{"error":{"code":"refresh_token_invalidated",…}}` (final for the Codex CLI).
    #[default]
    Invalidated,
    /// 400 `{"error":"invalid_grant","error_description":…}` (OAuth style, transient to the CLI).
    InvalidGrant,
}

/// What seeding an account returns: everything a gateway needs to import it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeededAccount {
    pub account_id: String,
    pub user_id: String,
    pub email: String,
    pub plan: String,
    pub refresh_token: String,
    /// A live access token, handy for calling the mock directly.
    pub access_token: String,
    pub id_token: String,
}

/// Tokens returned by a refresh or a code exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSet {
    pub access_token: String,
    pub id_token: String,
    pub refresh_token: String,
}

/// One account's rate-limit state, sent as `x-codex-*` headers and by `wham/usage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimitState {
    pub plan_type: String,
    pub primary_used_percent: f64,
    pub primary_window_minutes: u64,
    /// Unix seconds.
    pub primary_reset_at: i64,
    pub secondary_used_percent: f64,
    pub secondary_window_minutes: u64,
    /// Unix seconds.
    pub secondary_reset_at: i64,
    pub credits_has_credits: bool,
    pub credits_unlimited: bool,
    pub credits_balance: String,
}

impl RateLimitState {
    pub(crate) fn fresh(plan: &str, now: i64) -> Self {
        Self {
            plan_type: plan.to_owned(),
            primary_used_percent: 0.0,
            primary_window_minutes: 300,
            primary_reset_at: now + 300 * 60,
            secondary_used_percent: 0.0,
            secondary_window_minutes: 10_080,
            secondary_reset_at: now + 10_080 * 60,
            credits_has_credits: false,
            credits_unlimited: false,
            credits_balance: "0".to_owned(),
        }
    }

    pub(crate) fn apply(&mut self, u: &RateLimitUpdate) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = &u.$f { self.$f = v.clone(); } )* };
        }
        set!(
            plan_type,
            primary_used_percent,
            primary_window_minutes,
            primary_reset_at,
            secondary_used_percent,
            secondary_window_minutes,
            secondary_reset_at,
            credits_has_credits,
            credits_unlimited,
            credits_balance
        );
    }
}

/// A partial change to [`RateLimitState`]; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitUpdate {
    pub plan_type: Option<String>,
    pub primary_used_percent: Option<f64>,
    pub primary_window_minutes: Option<u64>,
    pub primary_reset_at: Option<i64>,
    pub secondary_used_percent: Option<f64>,
    pub secondary_window_minutes: Option<u64>,
    pub secondary_reset_at: Option<i64>,
    pub credits_has_credits: Option<bool>,
    pub credits_unlimited: Option<bool>,
    pub credits_balance: Option<String>,
}

/// A snapshot of one account's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCounters {
    /// `/responses` requests that passed authentication.
    pub responses_requests: u64,
    /// `/responses/compact` requests that passed authentication.
    pub compact_requests: u64,
    /// `/responses` requests currently open (headers not yet sent or body still streaming).
    pub in_flight: u64,
    /// The highest `in_flight` seen since start (or the last counter reset).
    pub max_in_flight: u64,
    /// Successful refreshes.
    pub refresh_count: u64,
    /// Refused replays of an already rotated refresh token.
    pub refresh_reuse_count: u64,
}
