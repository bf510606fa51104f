//! Cooldown signals that do not come from one attempt's outcome: a workspace switched off
//! reaching the other accounts of that workspace, token refreshes failing and recovering
//! (scheduling.md §10.4), and usage probes confirming or contradicting a cooldown (§7.1, §11).
//! Every change is published like an attempt's, so other replicas and the store see it.

use super::policy::cooldown::{Effect, ProbeView, Signal};
use super::shared::CooldownEvent;
use super::snapshot::Snapshot;
use super::Pool;
use crate::store::{Account, QuotaWindowKind};
use crate::usage::quota::QuotaObservation;

impl Pool {
    /// Acts on what the cooldown policy decided: a probe request, a re-auth verdict, and the
    /// broadcast of any cooldown change.
    pub(super) fn publish_effect(&self, account_id: i64, effect: &Effect) {
        if effect.probe {
            self.probe_requests.insert(account_id);
        }
        if let Some(reason) = effect.reauth {
            tracing::warn!(account_id, reason, "account needs re-authentication");
            if let Some(live) = self.runtime.find(account_id) {
                live.mark_reauth();
            }
        }
        if effect.account.is_some() || effect.model.is_some() || effect.cleared {
            // A model cooldown does not show in the account's flags: cached bands must go.
            self.runtime.counters.bump();
            let _ = self.events.send(CooldownEvent {
                origin: self.origin.clone(),
                account_id,
                account: effect.account,
                model: effect.model.clone(),
                cleared: effect.cleared,
                settings_changed: false,
                accounts_changed: false,
            });
        }
    }

    /// Applies one signal to one account and republishes its view.
    fn signal(&self, account_id: i64, signal: &Signal) -> Option<Effect> {
        let snap = self.current();
        let (account, live) = snap.get(account_id)?;
        let now = self.clock.now_ms();
        let effect = live.lock().cooldowns.apply(signal, now);
        self.publish_effect(account_id, &effect);
        live.refresh(account, &self.cfg(), now);
        Some(effect)
    }

    /// `deactivated_workspace` on one account: every other account of that ChatGPT workspace
    /// gets the 30-minute check and a probe (§7), since the upstream switched off the
    /// workspace, not the member.
    pub(super) fn spread_workspace_off(&self, snap: &Snapshot, origin: &Account, now: i64) {
        let Some(workspace) = origin
            .chatgpt_account_id
            .as_deref()
            .filter(|w| !w.is_empty())
        else {
            return;
        };
        let siblings = snap.accounts.iter().zip(&snap.lives).filter(|(a, _)| {
            a.id != origin.id && a.chatgpt_account_id.as_deref() == Some(workspace)
        });
        for (account, live) in siblings {
            let effect = live.lock().cooldowns.apply(&Signal::WorkspaceSibling, now);
            self.publish_effect(account.id, &effect);
            live.refresh(account, &self.cfg(), now);
        }
    }

    /// A refresh failed transiently and the next try is at `retry_at` (unix ms): the account
    /// rests until then rather than making every request wait on the token endpoint.
    pub fn refresh_failed(&self, account_id: i64, retry_at: i64) {
        self.signal(account_id, &Signal::RefreshFailing { retry_at });
    }

    /// A refresh succeeded: a `refresh_failing` cooldown ends.
    pub fn refresh_succeeded(&self, account_id: i64) {
        self.signal(account_id, &Signal::Refreshed);
    }

    /// A successful usage probe: it may clear a quota or burst cooldown, replace a provisional
    /// reset with the real one (§7.1), and, for an account cooled for a 401, prove it works
    /// again (§11 recovery: clear `unauthorized`, forgive the term, start on probation).
    pub fn apply_probe(&self, account_id: i64, obs: &QuotaObservation) {
        let snap = self.current();
        let Some((account, live)) = snap.get(account_id) else {
            return;
        };
        let now = self.clock.now_ms();
        let view = probe_view(obs, now);
        let effect = {
            let mut state = live.lock();
            let mut effect = state.cooldowns.apply_probe(&view, now);
            if view.exhausted_reset_at.is_none() && state.cooldowns.recover_unauthorized(now) {
                state.health.forgive_unauthorized();
                effect.cleared = true;
            }
            effect
        };
        self.publish_effect(account_id, &effect);
        live.refresh(account, &self.cfg(), now);
    }
}

/// What a probe says, in the terms of the clearing rules.
fn probe_view(obs: &QuotaObservation, now: i64) -> ProbeView {
    let quota_windows = || {
        obs.windows
            .iter()
            .filter(|w| matches!(w.kind, QuotaWindowKind::FiveHour | QuotaWindowKind::Weekly))
    };
    ProbeView {
        authoritative: obs.is_authoritative(),
        limit_reached: obs.limit_reached || obs.limit_reached_type.is_some(),
        plan_known: obs.plan_type.is_some(),
        exhausted_reset_at: quota_windows()
            .filter(|w| w.used_percent >= 100.0)
            .filter_map(|w| w.reset_at)
            .filter(|r| *r > now)
            .max(),
    }
}
