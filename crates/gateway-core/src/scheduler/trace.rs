//! The routing trace of one request (scheduling.md §13): how the affinity key was found, what
//! each pick skipped and why, the band and the two drawn accounts, each attempt and the
//! result. The pool fills the picks; the relay fills the rest and stores
//! [`RoutingTrace::to_json`] in the usage log's `trace` column. The last 2,000 are kept in
//! memory for the dashboard.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

/// Skip entries kept per pick; the rest are only counted (a pool may have 10,000 accounts).
pub const MAX_SKIPPED: usize = 32;
const RING: usize = 2_000;

#[derive(Debug, Clone, Default, Serialize)]
pub struct RoutingTrace {
    pub request_id: Option<String>,
    pub api_key_id: Option<i64>,
    pub endpoint: Option<String>,
    pub requested_model: Option<String>,
    pub resolved_model: Option<String>,
    pub affinity: AffinityTrace,
    /// Set when a pin exists but its account could not serve (§1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    pub picks: Vec<PickTrace>,
    pub attempts: Vec<AttemptTrace>,
    pub result: Option<ResultTrace>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AffinityTrace {
    /// `header:session_id`, `body:prompt_cache_key`, `metadata.user_id`, `content_hash`, `none`.
    pub source: String,
    /// First 8 hex digits of the key.
    pub key: String,
    /// `new`, `kept`, `spilled`, `yielded:<reason>`, `off`.
    pub outcome: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PickTrace {
    pub chosen: Option<i64>,
    pub skipped: Vec<Skipped>,
    pub skipped_total: usize,
    /// `(account, dispatch score)` of the band.
    pub band: Vec<(i64, f64)>,
    /// `(account, load)` of the two drawn accounts.
    pub drawn: Vec<(i64, f64)>,
    pub via: &'static str,
    /// The band came from the cache (built by an earlier pick at most a second ago, nothing
    /// that moves it changed since): `skipped` then lists that pick's reasons.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub band_cached: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub account_id: i64,
    /// Borrowed for the fixed reason codes so a pick over many accounts allocates nothing.
    pub reason: Cow<'static, str>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AttemptTrace {
    pub account_id: i64,
    pub outcome: String,
    pub status: Option<u16>,
    /// `commit`, `retry_same`, `switch`, `answer`.
    pub decision: String,
    pub ttfc_ms: Option<i64>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ResultTrace {
    pub status: u16,
    pub committed: bool,
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub notes: Vec<String>,
}

impl RoutingTrace {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl PickTrace {
    pub(super) fn skip(&mut self, account_id: i64, reason: impl Into<Cow<'static, str>>) {
        self.skipped_total += 1;
        if self.skipped.len() < MAX_SKIPPED {
            self.skipped.push(Skipped {
                account_id,
                reason: reason.into(),
            });
        }
    }
}

/// The in-memory ring of recent traces.
#[derive(Default)]
pub struct TraceRing(Mutex<VecDeque<RoutingTrace>>);

impl TraceRing {
    pub fn push(&self, trace: RoutingTrace) {
        let mut ring = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if ring.len() == RING {
            ring.pop_front();
        }
        ring.push_back(trace);
    }

    /// Newest first.
    pub fn recent(&self, limit: usize) -> Vec<RoutingTrace> {
        let ring = self.0.lock().unwrap_or_else(|e| e.into_inner());
        ring.iter().rev().take(limit).cloned().collect()
    }
}
