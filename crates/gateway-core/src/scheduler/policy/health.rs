//! The health score (reliability only) and the tier derived from it (scheduling.md §2).

use std::collections::VecDeque;

use serde::Serialize;

use super::clock::{decayed, HOUR, MINUTE};

/// Ordered worst to best, so `max`/`min` and comparisons read naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum Tier {
    Banned = 0,
    Risky = 1,
    Warm = 2,
    Healthy = 3,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Banned => "banned",
            Tier::Risky => "risky",
            Tier::Warm => "warm",
            Tier::Healthy => "healthy",
        }
    }

    pub fn from_u8(v: u8) -> Tier {
        match v {
            3 => Tier::Healthy,
            2 => Tier::Warm,
            1 => Tier::Risky,
            _ => Tier::Banned,
        }
    }
}

/// What one attempt meant for the account's reliability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthEvent {
    /// Time to first content, when known.
    Success {
        ttfc_ms: Option<i64>,
    },
    /// An account-side 401 (not the first, refreshable one).
    AccountUnauthorized,
    /// Any 429: feeds only the rate-limit term.
    RateLimited,
    Timeout,
    /// 5xx or a stream break.
    Server,
    /// Connect, TLS, reset, EOF before a terminal event.
    Transport,
    /// Account-side 402/403: counts as a failure, no term of its own.
    AccountRejected,
}

/// Kinds kept in the recent-events ring for the scheduler board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecentKind {
    Unauthorized,
    RateLimited,
    Timeout,
}

const RECENT_WINDOW: usize = 20;
const RECENT_EVENTS: usize = 64;
const LATENCY_ALPHA: f64 = 0.2;

/// The inputs of the score for one account, updated on every outcome.
#[derive(Debug, Clone, Default)]
pub struct HealthState {
    pub last_unauthorized: Option<i64>,
    pub last_rate_limit: Option<i64>,
    pub last_timeout: Option<i64>,
    pub last_server: Option<i64>,
    pub failure_streak: u32,
    pub success_streak: u32,
    /// Last 20 availability results, newest last; true = success.
    results: VecDeque<bool>,
    pub latency_ewma_ms: Option<f64>,
    pub lifetime: u64,
    pub last_success: Option<i64>,
    pub last_failure: Option<i64>,
    last_failure_transport: bool,
    recent: VecDeque<(i64, RecentKind)>,
}

/// The score with its terms, for the board and the trace.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct HealthScore {
    pub total: f64,
    pub unauthorized: f64,
    pub rate_limit: f64,
    pub timeout: f64,
    pub server: f64,
    pub failure_streak: f64,
    pub success_rate: f64,
    pub latency: f64,
    pub success_streak: f64,
    pub proven: f64,
}

impl HealthState {
    pub fn record(&mut self, event: HealthEvent, now: i64) {
        match event {
            HealthEvent::Success { ttfc_ms } => {
                self.failure_streak = 0;
                self.success_streak = self.success_streak.saturating_add(1);
                self.push_result(true);
                self.last_success = Some(now);
                self.lifetime += 1;
                if let Some(ms) = ttfc_ms {
                    let ms = ms.max(0) as f64;
                    self.latency_ewma_ms = Some(match self.latency_ewma_ms {
                        Some(prev) => prev + LATENCY_ALPHA * (ms - prev),
                        None => ms,
                    });
                }
            }
            HealthEvent::RateLimited => {
                self.last_rate_limit = Some(now);
                self.note(now, RecentKind::RateLimited);
                self.lifetime += 1;
            }
            failure => self.record_failure(failure, now),
        }
    }

    fn record_failure(&mut self, event: HealthEvent, now: i64) {
        match event {
            HealthEvent::AccountUnauthorized => {
                self.last_unauthorized = Some(now);
                self.note(now, RecentKind::Unauthorized);
            }
            HealthEvent::Timeout => {
                self.last_timeout = Some(now);
                self.note(now, RecentKind::Timeout);
            }
            HealthEvent::Server | HealthEvent::Transport => self.last_server = Some(now),
            _ => {}
        }
        self.failure_streak = (self.failure_streak + 1).min(20);
        self.success_streak = 0;
        self.push_result(false);
        self.last_failure = Some(now);
        self.last_failure_transport = event == HealthEvent::Transport;
        self.lifetime += 1;
    }

    fn push_result(&mut self, ok: bool) {
        if self.results.len() == RECENT_WINDOW {
            self.results.pop_front();
        }
        self.results.push_back(ok);
    }

    fn note(&mut self, now: i64, kind: RecentKind) {
        if self.recent.len() == RECENT_EVENTS {
            self.recent.pop_front();
        }
        self.recent.push_back((now, kind));
    }

    /// Events of `kind` in the last `window_ms`, for the board.
    pub fn recent_count(&self, kind: RecentKind, window_ms: i64, now: i64) -> usize {
        self.recent
            .iter()
            .filter(|(at, k)| *k == kind && now - at <= window_ms)
            .count()
    }

    /// Wipes the unauthorized term: recovery after a successful refresh and probe (§11).
    pub fn forgive_unauthorized(&mut self) {
        self.last_unauthorized = None;
    }

    pub fn score(&self, now: i64) -> HealthScore {
        let mut s = HealthScore {
            unauthorized: -decayed(50.0, self.last_unauthorized, 24 * HOUR, now),
            rate_limit: -decayed(22.0, self.last_rate_limit, HOUR, now),
            timeout: -decayed(18.0, self.last_timeout, 15 * MINUTE, now),
            server: -decayed(12.0, self.last_server, 15 * MINUTE, now),
            failure_streak: -(6.0 * f64::from(self.failure_streak)).min(24.0),
            success_streak: (2.0 * f64::from(self.success_streak)).min(12.0),
            proven: if self.lifetime > 10 { 20.0 } else { 0.0 },
            ..HealthScore::default()
        };
        if self.results.len() >= 5 {
            let ok = self.results.iter().filter(|r| **r).count() as f64;
            let rate = ok / self.results.len() as f64;
            s.success_rate = if rate < 0.5 {
                -15.0
            } else if rate < 0.75 {
                -8.0
            } else {
                0.0
            };
        }
        s.latency = match self.latency_ewma_ms {
            Some(ms) if ms >= 20_000.0 => -15.0,
            Some(ms) if ms >= 10_000.0 => -8.0,
            Some(ms) if ms >= 5_000.0 => -4.0,
            _ => 0.0,
        };
        s.total = 100.0
            + s.unauthorized
            + s.rate_limit
            + s.timeout
            + s.server
            + s.failure_streak
            + s.success_rate
            + s.latency
            + s.success_streak
            + s.proven;
        s
    }

    /// The tier for `score` (§2): thresholds, then the four rules in order.
    pub fn tier(&self, score: f64, flags: TierFlags, now: i64) -> Tier {
        let mut tier = if score < 60.0 {
            Tier::Risky
        } else if score < 85.0 {
            Tier::Warm
        } else {
            Tier::Healthy
        };
        if flags.unauthorized_cooldown {
            return Tier::Banned;
        }
        let failed_last = match (self.last_failure, self.last_success) {
            (Some(f), Some(s)) => f > s,
            (Some(_), None) => true,
            _ => false,
        };
        let lone_transport = self.last_failure_transport && self.failure_streak < 3;
        if failed_last && !lone_transport {
            tier = tier.min(Tier::Warm);
        }
        if self
            .last_unauthorized
            .is_some_and(|at| now - at < 24 * HOUR)
        {
            tier = tier.min(Tier::Warm);
        }
        if flags.skip_warm_tier && tier == Tier::Warm {
            tier = Tier::Healthy;
        }
        tier
    }
}

/// Facts from outside the health state that the tier rules need.
#[derive(Debug, Clone, Copy, Default)]
pub struct TierFlags {
    pub unauthorized_cooldown: bool,
    pub skip_warm_tier: bool,
}
