//! Failure kinds and cooldowns (scheduling.md §7) and their early clearing (§7.1). A
//! [`CooldownBook`] holds one account's beliefs; [`CooldownBook::apply`] turns one observed
//! signal into a cooldown, a re-auth verdict or a clear.

use serde::{Deserialize, Serialize};

use super::clock::{HOUR, MINUTE, SECOND};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum Reason {
    UsageLimit,
    RateLimited,
    RateLimitedModel,
    ModelUnsupported,
    Unauthorized,
    PaymentRequired,
    Forbidden,
    EgressBlocked,
    WorkspaceCheck,
    RefreshFailing,
    Transport,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::UsageLimit => "usage_limit",
            Reason::RateLimited => "rate_limited",
            Reason::RateLimitedModel => "rate_limited_model",
            Reason::ModelUnsupported => "model_unsupported",
            Reason::Unauthorized => "unauthorized",
            Reason::PaymentRequired => "payment_required",
            Reason::Forbidden => "forbidden",
            Reason::EgressBlocked => "egress_blocked",
            Reason::WorkspaceCheck => "workspace_check",
            Reason::RefreshFailing => "refresh_failing",
            Reason::Transport => "transport",
        }
    }

    /// The reason with this code (see [`Reason::as_str`]).
    pub fn parse(code: &str) -> Option<Reason> {
        ALL_REASONS.into_iter().find(|r| r.as_str() == code)
    }

    /// A success from the account contradicts these (§7.1).
    fn cleared_by_success(self) -> bool {
        matches!(
            self,
            Reason::UsageLimit
                | Reason::RateLimited
                | Reason::PaymentRequired
                | Reason::Forbidden
                | Reason::WorkspaceCheck
                | Reason::EgressBlocked
        )
    }

    /// The pool is "out of quota" rather than "unavailable" for these (§9 row 1).
    pub fn is_quota(self) -> bool {
        self == Reason::UsageLimit
    }

    /// Burst cooldowns (§9 row 2).
    pub fn is_burst(self) -> bool {
        matches!(self, Reason::RateLimited | Reason::RateLimitedModel)
    }
}

/// Every reason, for parsing stored codes.
pub const ALL_REASONS: [Reason; 11] = [
    Reason::UsageLimit,
    Reason::RateLimited,
    Reason::RateLimitedModel,
    Reason::ModelUnsupported,
    Reason::Unauthorized,
    Reason::PaymentRequired,
    Reason::Forbidden,
    Reason::EgressBlocked,
    Reason::WorkspaceCheck,
    Reason::RefreshFailing,
    Reason::Transport,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct Cooldown {
    pub reason: Reason,
    /// Unix ms.
    pub until: i64,
    pub since: i64,
    /// Set from the 30-min fallback; a probe's reset replaces it.
    pub provisional: bool,
}

/// One observed fact about an account, already classified by the caller. Quota resets are
/// resolved with [`quota_signal`] so the body-over-headers precedence lives in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    QuotaUntil {
        reset_at: i64,
    },
    QuotaUnknown,
    Burst {
        model: Option<String>,
    },
    CapacityShed,
    TokenExpired,
    AccessTokenDead,
    AccountUnauthorized,
    RequestUnauthorized,
    WorkspaceOff,
    /// Another account of the same workspace got `deactivated_workspace` (§7 row "workspace
    /// off"): check this one too, without counting it towards its own re-auth verdict.
    WorkspaceSibling,
    /// Token refreshes keep failing transiently (§10.4); retried at `retry_at`.
    RefreshFailing {
        retry_at: i64,
    },
    /// A refresh succeeded: a `refresh_failing` cooldown is over.
    Refreshed,
    PaymentRequired,
    Forbidden,
    EgressBlocked,
    ModelUnsupported {
        model: String,
    },
    BadReplay,
    Timeout,
    Transport,
    ServerError,
    Success {
        model: Option<String>,
    },
}

/// What [`CooldownBook::apply`] decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effect {
    /// The account-scope cooldown set, if any.
    pub account: Option<Cooldown>,
    /// A model-scope cooldown set, if any.
    pub model: Option<(String, Cooldown)>,
    /// Terminal: `reauth_required` with this reason.
    pub reauth: Option<&'static str>,
    /// A usage probe should run now.
    pub probe: bool,
    /// Something was cleared early.
    pub cleared: bool,
}

/// Body first, then an exhausted window's reset from the headers, else unknown (upstream.md
/// §5.2): `resets_in_seconds: 2` in the body beats a header reset an hour away.
pub fn quota_signal(body_reset_at: Option<i64>, header_reset_at: Option<i64>) -> Signal {
    match body_reset_at.or(header_reset_at) {
        Some(reset_at) => Signal::QuotaUntil { reset_at },
        None => Signal::QuotaUnknown,
    }
}

pub const PROVISIONAL_QUOTA: i64 = 30 * MINUTE;
const BURST_BASE: i64 = 300 * SECOND;
const BURST_MAX: i64 = 30 * MINUTE;
const BURST_MEMORY: i64 = HOUR;
const BURST_NO_MODEL: i64 = 5 * MINUTE;
const UNAUTHORIZED_FIRST: i64 = 6 * HOUR;
const UNAUTHORIZED_REPEAT: i64 = 24 * HOUR;
const THIRTY_MIN: i64 = 30 * MINUTE;
const TRANSPORT_STREAK: u32 = 3;
const TRANSPORT_COOLDOWN: i64 = 60 * SECOND;
const PROBE_GUARD: i64 = 10 * MINUTE;

/// One account's cooldown beliefs and the streaks that size them.
#[derive(Debug, Clone, Default)]
pub struct CooldownBook {
    pub account: Option<Cooldown>,
    pub models: Vec<(String, Cooldown)>,
    /// Per model: consecutive burst hits and the time of the last one.
    bursts: Vec<(String, u32, i64)>,
    last_unauthorized: Option<i64>,
    transport_streak: u32,
    workspace_offs: Vec<i64>,
    last_probe_clear: Option<i64>,
    probe_clears_ignored_until: Option<i64>,
    /// From the end of a cooldown until the first success: concurrency 1 (§4).
    pub probation: bool,
    /// Quota windows that caused a cooldown that has ended: no longer trusted (§7).
    pub windows_stale: bool,
}

impl CooldownBook {
    /// The active account cooldown at `now`.
    pub fn active(&self, now: i64) -> Option<&Cooldown> {
        self.account.as_ref().filter(|c| c.until > now)
    }

    pub fn model_active(&self, model: &str, now: i64) -> Option<&Cooldown> {
        self.models
            .iter()
            .find(|(m, c)| m == model && c.until > now)
            .map(|(_, c)| c)
    }

    pub fn apply(&mut self, signal: &Signal, now: i64) -> Effect {
        if !matches!(signal, Signal::Transport) {
            self.transport_streak = 0;
        }
        match signal {
            Signal::QuotaUntil { reset_at } => self.quota(*reset_at, false, now),
            Signal::QuotaUnknown => self.quota(now + PROVISIONAL_QUOTA, true, now),
            Signal::Burst { model: Some(model) } => self.burst(model, now),
            Signal::Burst { model: None } => {
                self.set(Reason::RateLimited, now + BURST_NO_MODEL, now)
            }
            Signal::AccessTokenDead => Effect {
                reauth: Some("at_expired"),
                ..Effect::default()
            },
            Signal::AccountUnauthorized => self.unauthorized(now),
            Signal::WorkspaceOff => self.workspace_off(now),
            Signal::WorkspaceSibling => {
                let mut effect = self.set(Reason::WorkspaceCheck, now + THIRTY_MIN, now);
                effect.probe = true;
                effect
            }
            Signal::RefreshFailing { retry_at } => {
                self.set(Reason::RefreshFailing, (*retry_at).max(now), now)
            }
            Signal::Refreshed => self.clear_if(Reason::RefreshFailing, now),
            Signal::PaymentRequired => self.set(Reason::PaymentRequired, now + THIRTY_MIN, now),
            Signal::Forbidden => self.set(Reason::Forbidden, now + THIRTY_MIN, now),
            Signal::EgressBlocked => self.set(Reason::EgressBlocked, now + THIRTY_MIN, now),
            Signal::ModelUnsupported { model } => {
                self.set_model(model, Reason::ModelUnsupported, now + THIRTY_MIN, now)
            }
            Signal::Transport => {
                self.transport_streak += 1;
                if self.transport_streak >= TRANSPORT_STREAK {
                    self.transport_streak = 0;
                    return self.set(Reason::Transport, now + TRANSPORT_COOLDOWN, now);
                }
                Effect::default()
            }
            Signal::Success { model } => self.success(model.as_deref(), now),
            Signal::CapacityShed
            | Signal::TokenExpired
            | Signal::RequestUnauthorized
            | Signal::BadReplay
            | Signal::Timeout
            | Signal::ServerError => Effect::default(),
        }
    }

    fn quota(&mut self, reset_at: i64, provisional: bool, now: i64) -> Effect {
        // Guard (§7.1): a refusal soon after a probe-based clear means the probe was wrong.
        if self
            .last_probe_clear
            .is_some_and(|at| now - at <= PROBE_GUARD)
        {
            self.probe_clears_ignored_until = Some(reset_at);
            self.last_probe_clear = None;
        }
        let mut effect = self.set(Reason::UsageLimit, reset_at.max(now), now);
        if let Some(c) = self.account.as_mut() {
            c.provisional = provisional;
            effect.account = Some(*c);
        }
        effect.probe = true;
        effect
    }

    fn burst(&mut self, model: &str, now: i64) -> Effect {
        let hits = match self.bursts.iter_mut().find(|(m, _, _)| m == model) {
            Some(entry) => {
                entry.1 = if now - entry.2 > BURST_MEMORY {
                    1
                } else {
                    entry.1 + 1
                };
                entry.2 = now;
                entry.1
            }
            None => {
                self.bursts.push((model.to_owned(), 1, now));
                1
            }
        };
        let length = BURST_BASE
            .saturating_mul(1_i64 << (hits - 1).min(10))
            .min(BURST_MAX);
        self.set_model(model, Reason::RateLimitedModel, now + length, now)
    }

    fn unauthorized(&mut self, now: i64) -> Effect {
        let repeat = self
            .last_unauthorized
            .is_some_and(|at| now - at < 24 * HOUR);
        self.last_unauthorized = Some(now);
        let length = if repeat {
            UNAUTHORIZED_REPEAT
        } else {
            UNAUTHORIZED_FIRST
        };
        // The newest cause replaces a quota state, so the dashboard shows the 401 (§7.1).
        self.account = None;
        self.set(Reason::Unauthorized, now + length, now)
    }

    fn workspace_off(&mut self, now: i64) -> Effect {
        self.workspace_offs.retain(|at| now - at < 24 * HOUR);
        self.workspace_offs.push(now);
        if self.workspace_offs.len() >= 3 {
            return Effect {
                reauth: Some("workspace_deactivated"),
                ..Effect::default()
            };
        }
        let mut effect = self.set(Reason::WorkspaceCheck, now + THIRTY_MIN, now);
        effect.probe = true;
        effect
    }

    /// Sets the account cooldown. The newest reason is shown; a short transient cooldown
    /// never shortens a longer one already running, but a quota reset or a 401 is the
    /// authority and replaces it.
    fn set(&mut self, reason: Reason, until: i64, now: i64) -> Effect {
        let authoritative = matches!(reason, Reason::UsageLimit | Reason::Unauthorized);
        let until = match self.active(now) {
            Some(old) if !authoritative => old.until.max(until),
            _ => until,
        };
        let cooldown = Cooldown {
            reason,
            until,
            since: now,
            provisional: false,
        };
        self.account = Some(cooldown);
        self.probation = false;
        Effect {
            account: Some(cooldown),
            ..Effect::default()
        }
    }

    fn set_model(&mut self, model: &str, reason: Reason, until: i64, now: i64) -> Effect {
        let cooldown = Cooldown {
            reason,
            until,
            since: now,
            provisional: false,
        };
        self.models.retain(|(m, c)| m != model && c.until > now);
        self.models.push((model.to_owned(), cooldown));
        Effect {
            model: Some((model.to_owned(), cooldown)),
            ..Effect::default()
        }
    }

    fn clear_if(&mut self, reason: Reason, now: i64) -> Effect {
        let cleared = self.active(now).is_some_and(|c| c.reason == reason);
        if cleared {
            self.account = None;
        }
        Effect {
            cleared,
            ..Effect::default()
        }
    }

    fn success(&mut self, model: Option<&str>, now: i64) -> Effect {
        let mut cleared = false;
        if self
            .active(now)
            .is_some_and(|c| c.reason.cleared_by_success())
        {
            self.account = None;
            cleared = true;
        }
        if let Some(model) = model {
            let before = self.models.len();
            self.models.retain(|(m, _)| m != model);
            cleared |= self.models.len() != before;
            self.bursts.retain(|(m, _, _)| m != model);
        }
        self.probation = false;
        self.windows_stale = false;
        Effect {
            cleared,
            ..Effect::default()
        }
    }

    /// A usage probe (§7.1): with authoritative windows all below 100 %, `limit_reached`
    /// false and a known plan, it clears `usage_limit` and `rate_limited`, unless the guard
    /// says probes lied recently. `reset_at` replaces a provisional quota cooldown.
    pub fn apply_probe(&mut self, probe: &ProbeView, now: i64) -> Effect {
        if probe.exhausted_reset_at.is_some() {
            if let Some(c) = self.account.as_mut().filter(|c| c.provisional) {
                c.until = probe.exhausted_reset_at.unwrap_or(c.until);
                c.provisional = false;
                return Effect {
                    account: Some(*c),
                    ..Effect::default()
                };
            }
            return Effect::default();
        }
        let trusted = probe.authoritative && !probe.limit_reached && probe.plan_known;
        let ignored = self.probe_clears_ignored_until.is_some_and(|t| now < t);
        let clears = self
            .active(now)
            .is_some_and(|c| matches!(c.reason, Reason::UsageLimit | Reason::RateLimited));
        if trusted && !ignored && clears {
            self.account = None;
            self.last_probe_clear = Some(now);
            self.probation = true;
            return Effect {
                cleared: true,
                ..Effect::default()
            };
        }
        Effect::default()
    }

    /// Recovery (§11): a successful refresh then a successful probe clears `unauthorized`.
    pub fn recover_unauthorized(&mut self, now: i64) -> bool {
        if self
            .active(now)
            .is_some_and(|c| c.reason == Reason::Unauthorized)
        {
            self.account = None;
            self.last_unauthorized = None;
            self.probation = true;
            return true;
        }
        false
    }

    /// Drops ended cooldowns. An ended account cooldown starts probation; an ended quota
    /// cooldown also marks its windows stale and asks for a probe (§7). Returns the reason
    /// of the account cooldown that ended.
    pub fn expire(&mut self, now: i64) -> Option<Reason> {
        self.models.retain(|(_, c)| c.until > now);
        let ended = self.account.filter(|c| c.until <= now)?;
        self.account = None;
        self.probation = true;
        if ended.reason.is_quota() {
            self.windows_stale = true;
        }
        Some(ended.reason)
    }
}

/// What a usage probe said, reduced to what clearing needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProbeView {
    pub authoritative: bool,
    pub limit_reached: bool,
    pub plan_known: bool,
    /// Some when a 5h or 7d window is at 100 %: its reset.
    pub exhausted_reset_at: Option<i64>,
}
