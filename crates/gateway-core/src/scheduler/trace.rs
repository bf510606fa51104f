//! The routing trace of one request (scheduling.md §13): how the affinity key was found, what
//! each pick skipped and why, the band and the two drawn accounts, each attempt and the
//! result. The pool fills the picks; the relay fills the rest. The last 2,000 are kept whole
//! in memory for the dashboard's scheduler board; the usage log's `trace` column keeps
//! [`RoutingTrace::summary`].

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

use serde::Serialize;

use super::policy::select::Skip;

/// Skip entries kept per pick; the rest are only counted (a pool may have 10,000 accounts).
pub const MAX_SKIPPED: usize = 32;
/// Skip entries a usage-log summary keeps per pick.
const SUMMARY_SKIPPED: usize = 8;
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
    /// Set in a [`RoutingTrace::summary`] that cut `band` down to the chosen and drawn
    /// accounts: how many the band listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band_size: Option<usize>,
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

    /// What the usage log keeps: everything but the long per-pick lists, cut to what explains
    /// the choice (the chosen and drawn band members, the skips other than losing the
    /// two-choice draw). Over a pool of 64 the whole trace is ~2.2 KB of JSON, most of it a
    /// band of equal scores and "lost_p2c" skips, and a row waiting in the usage queue held
    /// ~8 KB; the whole trace stays in the ring ([`TraceRing`]) for the scheduler board.
    pub fn summary(&self) -> RoutingTrace {
        RoutingTrace {
            request_id: self.request_id.clone(),
            api_key_id: self.api_key_id,
            endpoint: self.endpoint.clone(),
            requested_model: self.requested_model.clone(),
            resolved_model: self.resolved_model.clone(),
            affinity: self.affinity.clone(),
            pin: self.pin.clone(),
            picks: self.picks.iter().map(PickTrace::summary).collect(),
            attempts: self.attempts.clone(),
            result: self.result.clone(),
        }
    }
}

impl PickTrace {
    fn summary(&self) -> PickTrace {
        let kept = |id: i64| self.chosen == Some(id) || self.drawn.iter().any(|(d, _)| *d == id);
        let band: Vec<(i64, f64)> = self
            .band
            .iter()
            .filter(|(id, _)| kept(*id))
            .copied()
            .collect();
        let lost_draw = Skip::LostP2c.as_str();
        PickTrace {
            chosen: self.chosen,
            skipped: self
                .skipped
                .iter()
                .filter(|s| s.reason != lost_draw)
                .take(SUMMARY_SKIPPED)
                .cloned()
                .collect(),
            skipped_total: self.skipped_total,
            band_size: (band.len() < self.band.len()).then_some(self.band.len()),
            band,
            drawn: self.drawn.clone(),
            via: self.via,
            band_cached: self.band_cached,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn skip(account_id: i64, reason: &'static str) -> Skipped {
        Skipped {
            account_id,
            reason: Cow::Borrowed(reason),
        }
    }

    #[test]
    fn the_summary_keeps_what_explains_the_choice() {
        let mut skipped: Vec<Skipped> = (2..=31).map(|id| skip(id, "lost_p2c")).collect();
        skipped.insert(3, skip(40, "over_cap"));
        skipped.push(skip(41, "lower_tier"));
        let pick = PickTrace {
            chosen: Some(7),
            skipped,
            skipped_total: 63,
            band: (1..=33).map(|id| (id, 150.0)).collect(),
            drawn: vec![(7, 0.0), (9, 1.0)],
            via: "select",
            band_cached: false,
            band_size: None,
        };
        let trace = RoutingTrace {
            request_id: Some("r1".into()),
            picks: vec![pick],
            attempts: vec![AttemptTrace {
                account_id: 7,
                outcome: "success".into(),
                decision: "commit".into(),
                ..AttemptTrace::default()
            }],
            ..RoutingTrace::default()
        };
        let summary = trace.summary();
        let pick = &summary.picks[0];
        assert_eq!(pick.band, vec![(7, 150.0), (9, 150.0)]);
        assert_eq!(pick.band_size, Some(33));
        assert_eq!(pick.drawn, vec![(7, 0.0), (9, 1.0)]);
        let kept: Vec<_> = pick
            .skipped
            .iter()
            .map(|s| (s.account_id, &*s.reason))
            .collect();
        assert_eq!(kept, vec![(40, "over_cap"), (41, "lower_tier")]);
        assert_eq!((pick.skipped_total, pick.chosen), (63, Some(7)));
        assert_eq!(summary.request_id.as_deref(), Some("r1"));
        assert_eq!(summary.attempts.len(), 1);
        let (short, whole) = (summary.to_json().len(), trace.to_json().len());
        assert!(short * 3 < whole, "{short} of {whole} bytes");
    }

    #[test]
    fn a_short_band_is_kept_whole_and_says_nothing_of_its_size() {
        let pick = PickTrace {
            chosen: Some(3),
            band: vec![(3, 150.0), (4, 151.0)],
            drawn: vec![(3, 0.0), (4, 0.0)],
            ..PickTrace::default()
        };
        let summary = pick.summary();
        assert_eq!(summary.band, pick.band);
        assert_eq!(summary.band_size, None);
        assert!(!serde_json::to_string(&summary)
            .unwrap()
            .contains("band_size"));
    }
}
