//! Live per-account state beside the snapshot: in-flight and binding counters as atomics, the
//! policy state (health, cooldowns, quota view) under a short lock, and a derived view (tier,
//! dispatch score, cooldown end, flags) published as atomics so a pick reads no lock. The
//! view is recomputed on every outcome and when it goes stale (decays, cooldown ends).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::policy::clock::SECOND;
use super::policy::concurrency;
use super::policy::cooldown::CooldownBook;
use super::policy::dispatch::{self, DispatchScore};
use super::policy::forecast::{self, QuotaView};
use super::policy::health::{HealthScore, HealthState, Tier, TierFlags};
use super::settings::SchedulerSettings;
use super::snapshot::PoolCounters;
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

/// `repr(C)` keeps the atomics a pick reads together at the front, and the 64-byte alignment
/// puts them in one cache line (the `Arc` counts would otherwise push them across two).
#[derive(Default)]
#[repr(C, align(64))]
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
    /// reload catches up; set through [`Live::mark_reauth`].
    reauth: AtomicBool,
    view_until: AtomicI64,
    counters: Arc<PoolCounters>,
    state: Mutex<PolicyState>,
    /// `(credential generation, access expiry ms, tokens)`.
    pub credentials: Mutex<Option<(i64, Option<i64>, Credentials)>>,
}

/// A dispatch score moving by less than this does not invalidate cached selection bands: the
/// band is 5 points wide and a cached band lives one second at most.
const DISPATCH_EPSILON: f64 = 1.0;

impl Live {
    pub fn new(counters: Arc<PoolCounters>) -> Self {
        Live {
            counters,
            ..Live::default()
        }
    }

    pub fn is_reauth(&self) -> bool {
        self.reauth.load(Ordering::Relaxed)
    }

    pub fn mark_reauth(&self) {
        self.reauth.store(true, Ordering::Relaxed);
        self.counters.bump();
    }

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

    /// Makes the next pick recompute the view.
    pub fn invalidate(&self) {
        self.view_until.store(i64::MIN, Ordering::Relaxed);
        self.counters.bump();
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
        self.publish(account, cfg, now, true)
    }

    /// [`Live::refresh`] from inside an exact pick's scan: that pick builds its band from the
    /// refreshed view and replaces the cached one, so the change needs no announcement (which
    /// would discard the band being built).
    pub fn refresh_in_scan(&self, account: &Account, cfg: &SchedulerSettings, now: i64) {
        self.publish(account, cfg, now, false);
    }

    fn publish(
        &self,
        account: &Account,
        cfg: &SchedulerSettings,
        now: i64,
        announce: bool,
    ) -> Derived {
        let mut state = self.lock();
        state.cooldowns.expire(now);
        let derived = derive(&state, account, cfg, now);
        let cooldown_end = state.cooldowns.active(now).map_or(0, |c| c.until);
        let model_end = state.cooldowns.models.iter().map(|(_, c)| c.until).min();
        let old_tier = self.tier.swap(derived.tier as u8, Ordering::Relaxed);
        let old_dispatch = f64::from_bits(
            self.dispatch
                .swap(derived.dispatch.total.to_bits(), Ordering::Relaxed),
        );
        let old_cooling = self.cooling_until.swap(cooldown_end, Ordering::Relaxed);
        let model_cooling = !state.cooldowns.models.is_empty();
        let old_model = self.model_cooling.swap(model_cooling, Ordering::Relaxed);
        let old_paused = self
            .quota_paused
            .swap(derived.quota_paused, Ordering::Relaxed);
        let old_capped = self
            .capped
            .swap(derived.reserve_band || derived.probation, Ordering::Relaxed);
        let moved = old_tier != derived.tier as u8
            || (old_dispatch - derived.dispatch.total).abs() >= DISPATCH_EPSILON
            || old_cooling != cooldown_end
            || old_model != model_cooling
            || old_paused != derived.quota_paused
            || old_capped != (derived.reserve_band || derived.probation);
        if moved && announce {
            self.counters.bump();
        }
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
    let bias = account.score_bias_override.map(|b| b as f64);
    let weight = dispatch::plan_weight(account.plan_type.as_deref(), bias, tier);
    Derived {
        health,
        tier,
        dispatch: dispatch::score(health.total, weight, terms),
        quota_paused: terms.quota_paused,
        reserve_band: terms.reserve_band,
        probation: state.cooldowns.probation,
    }
}
