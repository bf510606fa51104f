//! Injected faults: what can go wrong, for whom, how many times, and the error bodies.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::watch;

use crate::util::{lock, now_unix};

/// Identifies an injected rule, for listing.
pub type FaultId = u64;

fn default_resets_in() -> u64 {
    3600
}
fn default_after_deltas() -> u32 {
    2
}
fn default_failed_code() -> String {
    "server_error".to_owned()
}
fn default_incomplete_reason() -> String {
    "max_output_tokens".to_owned()
}

/// One kind of failure. JSON form: `{"kind":"<snake_case name>", …fields}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 `usage_limit_reached` with `plan_type`, `resets_at` and `resets_in_seconds`.
    UsageLimitReached {
        #[serde(default = "default_resets_in")]
        resets_in_seconds: u64,
    },
    /// 429 `rate_limit_exceeded` (a burst limit, not the quota).
    RateLimited,
    /// 401 `token_invalidated`.
    Unauthorized,
    /// 403 `unsupported_country_region_territory`.
    Forbidden,
    /// 402 `{"detail":{"code":"deactivated_workspace"}}`: the workspace was switched off.
    DeactivatedWorkspace,
    /// 500 `server_error`.
    InternalError,
    /// 502 with an HTML body, like a CDN in front of a dead origin.
    BadGateway,
    /// 503 with `error.code = "server_is_overloaded"`.
    Overloaded,
    /// 200 stream cut after `after_deltas` text deltas: no terminal event, connection aborted.
    DropMidStream {
        #[serde(default = "default_after_deltas")]
        after_deltas: u32,
    },
    /// Waits `delay_ms` before sending headers, then answers normally.
    SlowFirstByte { delay_ms: u64 },
    /// Sends nothing until faults are cleared (or the client goes away), then answers normally.
    Hang,
    /// 200 stream ending in `response.failed` with `response.error.code`.
    ResponseFailed {
        #[serde(default = "default_failed_code")]
        code: String,
        #[serde(default)]
        message: Option<String>,
    },
    /// 200 stream ending in `response.incomplete` with `incomplete_details.reason`.
    ResponseIncomplete {
        #[serde(default = "default_incomplete_reason")]
        reason: String,
    },
    /// Token endpoint: 500 `{"error":"temporary-failure"}`.
    RefreshServerError,
    /// Token endpoint: 429.
    RefreshRateLimited,
    /// Token endpoint: 400 `{"error":"invalid_grant",…}`.
    RefreshInvalidGrant,
}

impl FaultKind {
    fn is_refresh(&self) -> bool {
        matches!(
            self,
            Self::RefreshServerError | Self::RefreshRateLimited | Self::RefreshInvalidGrant
        )
    }

    fn is_stream(&self) -> bool {
        matches!(
            self,
            Self::DropMidStream { .. }
                | Self::ResponseFailed { .. }
                | Self::ResponseIncomplete { .. }
        )
    }

    /// Status and JSON body of faults that replace the whole answer; `None` for the rest.
    pub(crate) fn error_reply(&self, plan: &str) -> Option<(StatusCode, String)> {
        let err = |status, ty: &str, code: &str, msg: &str| {
            let body = json!({"error": {"message": msg, "type": ty, "code": code, "param": null}});
            Some((status, body.to_string()))
        };
        match self {
            Self::UsageLimitReached { resets_in_seconds } => {
                let secs = i64::try_from(*resets_in_seconds).unwrap_or(i64::MAX / 2);
                let body = json!({"error": {
                    "type": "usage_limit_reached",
                    "message": "The usage limit has been reached",
                    "plan_type": plan,
                    "resets_at": now_unix() + secs,
                    "resets_in_seconds": resets_in_seconds,
                }});
                Some((StatusCode::TOO_MANY_REQUESTS, body.to_string()))
            }
            Self::RateLimited => err(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "rate_limit_exceeded",
                "Rate limit reached. Please try again in 20s.",
            ),
            Self::Unauthorized => err(
                StatusCode::UNAUTHORIZED,
                "invalid_request_error",
                "token_invalidated",
                "Your authentication token has been invalidated. Please try signing in again.",
            ),
            Self::Forbidden => err(
                StatusCode::FORBIDDEN,
                "invalid_request_error",
                "unsupported_country_region_territory",
                "Country, region, or territory not supported",
            ),
            Self::DeactivatedWorkspace => Some((
                StatusCode::PAYMENT_REQUIRED,
                json!({"detail": {"code": "deactivated_workspace"}}).to_string(),
            )),
            Self::InternalError => err(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "server_error",
                "An error occurred while processing your request.",
            ),
            Self::BadGateway => Some((
                StatusCode::BAD_GATEWAY,
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>".to_owned(),
            )),
            Self::Overloaded => err(
                StatusCode::SERVICE_UNAVAILABLE,
                "server_error",
                "server_is_overloaded",
                "Our servers are currently overloaded. Please try again later.",
            ),
            Self::RefreshServerError => Some((
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "temporary-failure"}).to_string(),
            )),
            Self::RefreshRateLimited => err(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                "rate_limit_exceeded",
                "Too many token requests.",
            ),
            Self::RefreshInvalidGrant => Some((
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "Invalid refresh token"})
                    .to_string(),
            )),
            _ => None,
        }
    }
}

/// A fault plus its scope: one account or all, a number of requests or until cleared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    pub fault: FaultKind,
    /// Only requests of this account; `None` = every account.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Fire for this many matching requests, then disappear; `None` = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

impl FaultRule {
    /// A rule for every account, until cleared.
    pub fn always(fault: FaultKind) -> Self {
        Self {
            fault,
            account_id: None,
            times: None,
        }
    }

    /// Restricts the rule to one account.
    #[must_use]
    pub fn for_account(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Makes the rule fire `n` times only.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }
}

/// Which endpoint asks for a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Responses,
    /// Compaction takes the whole-answer faults (statuses, delays, hang), not stream ones.
    Compact,
    Refresh,
}

pub(crate) struct Faults {
    any: AtomicBool,
    rules: Mutex<Vec<(FaultId, FaultRule)>>,
    next: AtomicU64,
    cleared: watch::Sender<u64>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            any: AtomicBool::new(false),
            rules: Mutex::new(Vec::new()),
            next: AtomicU64::new(1),
            cleared: watch::Sender::new(0),
        }
    }
}

impl Faults {
    pub fn add(&self, rule: FaultRule) -> FaultId {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let mut rules = lock(&self.rules);
        rules.push((id, rule));
        self.any.store(true, Ordering::Release);
        id
    }

    pub fn list(&self) -> Vec<(FaultId, FaultRule)> {
        lock(&self.rules).clone()
    }

    /// Removes the rules of one account (`Some`) or all rules (`None`); wakes hung requests.
    pub fn clear(&self, account_id: Option<&str>) {
        let mut rules = lock(&self.rules);
        match account_id {
            Some(id) => rules.retain(|(_, r)| r.account_id.as_deref() != Some(id)),
            None => rules.clear(),
        }
        self.any.store(!rules.is_empty(), Ordering::Release);
        drop(rules);
        self.cleared.send_modify(|g| *g += 1);
    }

    /// Takes the newest rule matching this request, consuming one of its `times`. The receiver,
    /// subscribed under the lock, lets a hung request notice a clear that races with it.
    pub fn take(&self, account_id: &str, scope: Scope) -> Option<(FaultKind, ClearSignal)> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        let mut rules = lock(&self.rules);
        let idx = rules.iter().rposition(|(_, r)| {
            let scoped = match scope {
                Scope::Refresh => r.fault.is_refresh(),
                Scope::Responses => !r.fault.is_refresh(),
                Scope::Compact => !r.fault.is_refresh() && !r.fault.is_stream(),
            };
            scoped && r.account_id.as_deref().is_none_or(|id| id == account_id)
        })?;
        let fault = rules[idx].1.fault.clone();
        let signal = ClearSignal(self.cleared.subscribe());
        if let Some(t) = &mut rules[idx].1.times {
            *t = t.saturating_sub(1);
            if *t == 0 {
                rules.remove(idx);
            }
        }
        self.any.store(!rules.is_empty(), Ordering::Release);
        Some((fault, signal))
    }
}

/// Fires when faults are next cleared.
pub(crate) struct ClearSignal(watch::Receiver<u64>);

impl ClearSignal {
    /// Resolves once faults are cleared after the fault was taken; a hung request awaits this.
    pub async fn cleared(mut self) {
        let _ = self.0.changed().await;
    }
}
