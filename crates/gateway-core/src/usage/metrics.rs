//! The one recording module for request metrics. Every instrumentation point in the gateway
//! calls a method here (request finished, in-flight up/down, refresh failed), so an
//! OpenTelemetry exporter later is one more sink inside these methods rather than a hunt
//! through the code. [`super::exposition`] renders the state as Prometheus text.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

use crate::scheduler::refresh::RefreshFailure;
use crate::store::{usage_model_key, NewUsageLog};

/// Histogram bucket upper bounds, in seconds: from a fast first token to a long agent turn.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Distinct `(route, status, model)` label sets kept before new models are folded into
/// `model="other"`: the model name comes from the client and must not grow the series
/// without bound.
const MAX_REQUEST_SERIES: usize = 2_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Histogram {
    /// Per-bucket counts (not cumulative), one more than the bounds for `+Inf`.
    pub counts: [u64; LATENCY_BUCKETS.len() + 1],
    pub sum_seconds: f64,
    pub count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        let slot = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        self.counts[slot] += 1;
        self.sum_seconds += seconds;
        self.count += 1;
    }
}

/// Token counters by kind, in the order input, cached, output, reasoning.
pub const TOKEN_KINDS: [&str; 4] = ["input", "cached", "output", "reasoning"];

#[derive(Debug, Clone, Default)]
pub struct RequestSeries {
    /// `(route, status, model) -> count`.
    pub requests: BTreeMap<(String, i64, String), u64>,
    pub duration: BTreeMap<String, Histogram>,
    pub first_token: BTreeMap<String, Histogram>,
    pub tokens: [u64; 4],
}

/// Requests and tokens per second over the last minute, for RPM/TPM.
#[derive(Debug)]
struct MinuteWindow {
    /// `(unix second, requests, tokens, errors)` per slot, indexed by second % 60.
    slots: [(i64, u64, u64, u64); 60],
}

impl Default for MinuteWindow {
    fn default() -> Self {
        MinuteWindow {
            slots: [(i64::MIN, 0, 0, 0); 60],
        }
    }
}

/// Traffic of the last 60 seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinuteTraffic {
    pub requests: u64,
    pub tokens: u64,
    pub errors: u64,
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<RequestSeries>,
    window: Mutex<MinuteWindow>,
    in_flight: AtomicI64,
    total_requests: AtomicU64,
    refresh_failures: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// One finished request (recorded once, by the usage recorder).
    pub fn request_finished(&self, row: &NewUsageLog, now_ms: i64) {
        self.total_requests.fetch_add(1, Ordering::Relaxed);
        let tokens = [
            row.input_tokens,
            row.cached_tokens,
            row.output_tokens,
            row.reasoning_tokens,
        ]
        .map(|t| u64::try_from(t).unwrap_or(0));
        {
            let mut s = self.series.lock().unwrap_or_else(|e| e.into_inner());
            let mut key = (
                row.endpoint.clone(),
                row.status_code,
                usage_model_key(row).to_owned(),
            );
            if !s.requests.contains_key(&key) && s.requests.len() >= MAX_REQUEST_SERIES {
                key.2 = "other".to_owned();
            }
            *s.requests.entry(key).or_default() += 1;
            let seconds = row.duration_ms.max(0) as f64 / 1000.0;
            s.duration
                .entry(row.endpoint.clone())
                .or_default()
                .observe(seconds);
            if let Some(ft) = row.first_token_ms {
                let seconds = ft.max(0) as f64 / 1000.0;
                s.first_token
                    .entry(row.endpoint.clone())
                    .or_default()
                    .observe(seconds);
            }
            for (sum, add) in s.tokens.iter_mut().zip(tokens) {
                *sum += add;
            }
        }
        let second = now_ms.div_euclid(1000);
        let slot_index = usize::try_from(second.rem_euclid(60)).unwrap_or(0);
        let mut w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        let slot = &mut w.slots[slot_index];
        if slot.0 != second {
            *slot = (second, 0, 0, 0);
        }
        slot.1 += 1;
        slot.2 += tokens[0] + tokens[2];
        slot.3 += u64::from(row.status_code >= 400);
    }

    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    pub fn request_ended(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// A token refresh that ended in failure (the refresher's hook).
    pub fn refresh_failure(&self, failure: &RefreshFailure) {
        let reason = match failure {
            RefreshFailure::NotFound => "not_found",
            RefreshFailure::NotRefreshable(_) => "not_refreshable",
            RefreshFailure::ReauthRequired { .. } => "reauth_required",
            RefreshFailure::Upstream(_) => "upstream",
            RefreshFailure::Lease(_) => "lease",
            RefreshFailure::Store(_) => "store",
            RefreshFailure::Secret(_) => "secret",
        };
        self.refresh_failed(reason);
    }

    /// A token refresh that ended in failure; `reason` is a short stable word.
    pub fn refresh_failed(&self, reason: &'static str) {
        let mut f = self
            .refresh_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *f.entry(reason).or_default() += 1;
    }

    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Ordering::Relaxed)
    }

    /// Requests finished since the process started.
    pub fn total_requests(&self) -> u64 {
        self.total_requests.load(Ordering::Relaxed)
    }

    /// Traffic in the 60 seconds up to `now_ms` (the current second included).
    pub fn last_minute(&self, now_ms: i64) -> MinuteTraffic {
        let now = now_ms.div_euclid(1000);
        let w = self.window.lock().unwrap_or_else(|e| e.into_inner());
        w.slots
            .iter()
            .filter(|s| s.0 > now - 60 && s.0 <= now)
            .fold(MinuteTraffic::default(), |acc, s| MinuteTraffic {
                requests: acc.requests + s.1,
                tokens: acc.tokens + s.2,
                errors: acc.errors + s.3,
            })
    }

    pub fn series(&self) -> RequestSeries {
        self.series
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn refresh_failures(&self) -> BTreeMap<&'static str, u64> {
        self.refresh_failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minute_window_forgets_old_seconds() {
        let m = Metrics::default();
        let row = NewUsageLog {
            endpoint: "/v1/responses".to_owned(),
            status_code: 200,
            input_tokens: 10,
            output_tokens: 5,
            ..NewUsageLog::default()
        };
        m.request_finished(&row, 1_000_000);
        m.request_finished(&row, 1_030_000);
        assert_eq!(m.last_minute(1_030_000).requests, 2);
        assert_eq!(m.last_minute(1_030_000).tokens, 30);
        assert_eq!(m.last_minute(1_065_000).requests, 1);
        assert_eq!(m.last_minute(1_200_000).requests, 0);
        assert_eq!(m.total_requests(), 2);
    }

    #[test]
    fn histogram_buckets_are_upper_inclusive() {
        let mut h = Histogram::default();
        h.observe(0.05);
        h.observe(0.051);
        h.observe(1_000.0);
        assert_eq!(h.counts[0], 1);
        assert_eq!(h.counts[1], 1);
        assert_eq!(h.counts[LATENCY_BUCKETS.len()], 1);
        assert_eq!(h.count, 3);
    }
}
