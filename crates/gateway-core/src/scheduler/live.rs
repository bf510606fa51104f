//! Live per-account state beside the snapshot: in-flight and binding counters as atomics, the
//! policy state (health, cooldowns, quota view) under a short lock, and a derived view (tier,
//! dispatch score, cooldown end, flags) published as atomics so a pick reads no lock. The
//! view is recomputed on every outcome and when it goes stale (decays, cooldown ends).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::policy::clock::SECOND;
use super::policy::concurrency;
use super::policy::cooldown::CooldownBook;
use super::policy::dispatch::{self, DispatchScore};
use super::policy::forecast::{self, QuotaView};
use super::policy::health::{HealthScore, HealthState, Tier, TierFlags};
use super::settings::SchedulerSettings;
use crate::service::credentials::Credentials;
use crate::store::Account;

/// Decays move slowly; a view this old is recomputed at the next pick.
const VIEW_MAX_AGE: i64 = 5 * SECOND;

#[derive(Debug, Default)]
pub struct PolicyState {
    pub health: HealthState,
    pub cooldowns: CooldownBook,
    pub quota: QuotaView,
}

/// Everything derived for the board and the trace.
#[derive(Debug, Clone, Copy)]
pub struct Derived {
    pub health: HealthScore,
    pub tier: Tier,
    pub dispatch: DispatchScore,
    pub quota_paused: bool,
    pub reserve_band: bool,
    pub probation: bool,
}

/// `repr(C)` keeps the atomics a pick reads together at the front, in one cache line.
#[derive(Default)]
#[repr(C)]
pub struct Live {
    pub in_flight: AtomicU32,
    /// Live affinity bindings on this account (this process's view).
    pub bound: AtomicU32,
    tier: AtomicU8,
    dispatch: AtomicU64,
    cooling_until: AtomicI64,
    model_cooling: AtomicBool,
    quota_paused: AtomicBool,
    /// Concurrency capped at 1 (reserve band or probation).
    capped: AtomicBool,
    /// Marked dead locally (e.g. access-token-only account after a 401) before the store
    /// reload catches up.
    pub reauth: AtomicBool,
    view_until: AtomicI64,
    state: Mutex<PolicyState>,
    /// `(credential generation, access expiry ms, tokens)`.
    pub credentials: Mutex<Option<(i64, Option<i64>, Credentials)>>,
}

impl Live {
    pub fn lock(&self) -> MutexGuard<'_, PolicyState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn tier(&self) -> Tier {
        Tier::from_u8(self.tier.load(Ordering::Relaxed))
    }

    pub fn dispatch(&self) -> f64 {
        f64::from_bits(self.dispatch.load(Ordering::Relaxed))
    }

    pub fn cooling_until(&self) -> i64 {
        self.cooling_until.load(Ordering::Relaxed)
    }

    pub fn has_model_cooldowns(&self) -> bool {
        self.model_cooling.load(Ordering::Relaxed)
    }

    pub fn quota_paused(&self) -> bool {
        self.quota_paused.load(Ordering::Relaxed)
    }

    pub fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Acquire)
    }

    /// The dynamic limit (§4) for a base concurrency.
    pub fn limit(&self, base: u32) -> u32 {
        concurrency::limit(
            base,
            self.tier(),
            self.capped.load(Ordering::Relaxed),
            false,
        )
    }

    pub fn is_stale(&self, now: i64) -> bool {
        now >= self.view_until.load(Ordering::Relaxed)
    }

    /// Takes a slot unless at `limit`.
    pub fn try_occupy(&self, limit: u32) -> bool {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .is_ok()
    }

    /// Recomputes the view from the policy state and publishes it.
    pub fn refresh(&self, account: &Account, cfg: &SchedulerSettings, now: i64) -> Derived {
        let mut state = self.lock();
        state.cooldowns.expire(now);
        let derived = derive(&state, account, cfg, now);
        let cooldown_end = state.cooldowns.active(now).map_or(0, |c| c.until);
        let model_end = state.cooldowns.models.iter().map(|(_, c)| c.until).min();
        self.tier.store(derived.tier as u8, Ordering::Relaxed);
        self.dispatch
            .store(derived.dispatch.total.to_bits(), Ordering::Relaxed);
        self.cooling_until.store(cooldown_end, Ordering::Relaxed);
        self.model_cooling
            .store(!state.cooldowns.models.is_empty(), Ordering::Relaxed);
        self.quota_paused
            .store(derived.quota_paused, Ordering::Relaxed);
        self.capped
            .store(derived.reserve_band || derived.probation, Ordering::Relaxed);
        // Spread by account so the views of a large pool do not all go stale in one pick.
        let mut until = now + VIEW_MAX_AGE + (account.id.rem_euclid(64) * VIEW_MAX_AGE / 64);
        for end in [Some(cooldown_end).filter(|e| *e > now), model_end]
            .into_iter()
            .flatten()
        {
            until = until.min(end);
        }
        self.view_until.store(until, Ordering::Relaxed);
        derived
    }

    /// The derived values without publishing them (board).
    pub fn derived(&self, account: &Account, cfg: &SchedulerSettings, now: i64) -> Derived {
        derive(&self.lock(), account, cfg, now)
    }
}

fn derive(state: &PolicyState, account: &Account, cfg: &SchedulerSettings, now: i64) -> Derived {
    let health = state.health.score(now);
    let flags = TierFlags {
        unauthorized_cooldown: state
            .cooldowns
            .active(now)
            .is_some_and(|c| c.reason == super::policy::cooldown::Reason::Unauthorized),
        skip_warm_tier: cfg.skip_warm_tier,
    };
    let tier = state.health.tier(health.total, flags, now);
    let mut quota = state.quota;
    quota.reserve_5h = cfg.quota_reserve_5h_percent;
    quota.reserve_7d = cfg.quota_reserve_7d_percent;
    let terms = if state.cooldowns.windows_stale {
        forecast::ForecastTerms::default()
    } else {
        forecast::terms(&quota, now)
    };
    let weight = dispatch::plan_weight(account.plan_type.as_deref(), None, tier);
    Derived {
        health,
        tier,
        dispatch: dispatch::score(health.total, weight, terms),
        quota_paused: terms.quota_paused,
        reserve_band: terms.reserve_band,
        probation: state.cooldowns.probation,
    }
}
