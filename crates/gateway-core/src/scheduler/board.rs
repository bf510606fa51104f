//! The scheduler board for the admin API and the tray: per account its status, tier, score
//! breakdown, concurrency limit and in-flight, cooldowns with reasons, recent 401/429/timeout
//! counts and the quota forecast; plus pin changes (persisted in settings, broadcast).

use serde::Serialize;

use super::policy::clock::HOUR;
use super::policy::cooldown::Cooldown;
use super::policy::dispatch::DispatchScore;
use super::policy::forecast::QuotaView;
use super::policy::health::{HealthScore, RecentKind, Tier};
use super::shared::CooldownEvent;
use super::Pool;
use crate::state::AppState;
use crate::store::{Account, CredentialState};

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct BoardRow {
    pub account_id: i64,
    pub name: String,
    pub plan_type: Option<String>,
    /// §1 status: deleted, disabled, paused, reauth_required, cooling, quota_paused, busy, ready.
    pub status: String,
    pub tier: Tier,
    pub priority: i64,
    pub health: HealthScore,
    pub dispatch: DispatchScore,
    pub concurrency_limit: Option<u32>,
    pub in_flight: u32,
    pub bindings: u32,
    pub probation: bool,
    pub cooldown: Option<Cooldown>,
    pub model_cooldowns: Vec<(String, Cooldown)>,
    pub recent_unauthorized: usize,
    pub recent_rate_limited: usize,
    pub recent_timeouts: usize,
    pub forecast: QuotaView,
    pub pinned: bool,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct Board {
    pub pinned_account_id: Option<i64>,
    pub affinity_mode: super::policy::affinity::Mode,
    pub accounts: Vec<BoardRow>,
}

impl Pool {
    pub fn board(&self, state: &AppState) -> Board {
        let cfg = state.runtime_settings().scheduler.clone();
        let now = self.clock.now_ms();
        let snap = self.current();
        let accounts = snap
            .accounts
            .iter()
            .zip(&snap.lives)
            .filter(|(a, _)| a.deleted_at.is_none())
            .map(|(a, live)| {
                let derived = live.derived(a, &cfg, now);
                // From the fresh derivation, not the published view: an account no pick has
                // looked at yet has no published tier.
                let limit = super::policy::concurrency::limit(
                    super::base_concurrency(a, cfg.max_concurrency),
                    derived.tier,
                    derived.reserve_band,
                    derived.probation,
                );
                let in_flight = live.in_flight();
                let state = live.lock();
                let cooldown = state.cooldowns.active(now).copied();
                let status = status(
                    a,
                    live.is_reauth(),
                    cooldown.is_some(),
                    derived.quota_paused,
                    in_flight >= limit,
                );
                BoardRow {
                    account_id: a.id,
                    name: a.name.clone(),
                    plan_type: a.plan_type.clone(),
                    status: status.into(),
                    tier: derived.tier,
                    priority: a.scheduler_priority,
                    health: derived.health,
                    dispatch: derived.dispatch,
                    concurrency_limit: (limit != u32::MAX).then_some(limit),
                    in_flight,
                    bindings: live.bound.load(std::sync::atomic::Ordering::Relaxed),
                    probation: derived.probation,
                    cooldown,
                    model_cooldowns: state
                        .cooldowns
                        .models
                        .iter()
                        .filter(|(_, c)| c.until > now)
                        .cloned()
                        .collect(),
                    recent_unauthorized: state.health.recent_count(
                        RecentKind::Unauthorized,
                        HOUR,
                        now,
                    ),
                    recent_rate_limited: state.health.recent_count(
                        RecentKind::RateLimited,
                        HOUR,
                        now,
                    ),
                    recent_timeouts: state.health.recent_count(RecentKind::Timeout, HOUR, now),
                    forecast: state.quota,
                    pinned: cfg.pinned_account_id == Some(a.id),
                }
            })
            .collect();
        Board {
            pinned_account_id: cfg.pinned_account_id,
            affinity_mode: cfg.affinity_mode,
            accounts,
        }
    }

    /// Pins every request to `account_id` (or back to automatic with `None`); persisted in
    /// the `pinned_account_id` setting and broadcast so replicas reload their settings.
    pub async fn set_pin(
        &self,
        state: &AppState,
        account_id: Option<i64>,
    ) -> Result<(), crate::store::StoreError> {
        let value = account_id.map_or_else(|| "null".to_owned(), |id| id.to_string());
        state
            .store()
            .put_setting("pinned_account_id", &value)
            .await?;
        state.reload_settings().await?;
        let _ = self.events.send(CooldownEvent {
            origin: self.origin.clone(),
            account_id: account_id.unwrap_or_default(),
            account: None,
            model: None,
            cleared: false,
            settings_changed: true,
            accounts_changed: false,
        });
        Ok(())
    }
}

fn status(
    a: &Account,
    reauth: bool,
    cooling: bool,
    quota_paused: bool,
    busy: bool,
) -> &'static str {
    if a.deleted_at.is_some() {
        "deleted"
    } else if !a.enabled {
        "disabled"
    } else if a.paused {
        "paused"
    } else if reauth || a.state != CredentialState::Active {
        "reauth_required"
    } else if cooling {
        "cooling"
    } else if quota_paused {
        "quota_paused"
    } else if busy {
        "busy"
    } else {
        "ready"
    }
}
