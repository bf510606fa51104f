//! Attempt outcomes turned into policy inputs: the cooldown signal and the health event
//! (scheduling.md §2, §7), plus the rate-limit headers of upstream replies turned into the
//! quota windows the forecast and the header-reset rule read (upstream.md §5.1).

use super::grant::AttemptOutcome;
use super::policy::cooldown::{quota_signal, Signal};
use super::policy::forecast::QuotaView;
use super::policy::health::HealthEvent;

/// What the outcome means for cooldowns and health. `refreshed`: the grant's token was
/// refreshed after a 401 in this request, so another 401 is account-side.
pub fn classify(
    outcome: &AttemptOutcome,
    model: &str,
    refreshed: bool,
    ttfc_ms: Option<i64>,
    quota: &QuotaView,
    now: i64,
) -> (Option<Signal>, Option<HealthEvent>) {
    let model = (!model.is_empty()).then(|| model.to_owned());
    match outcome {
        AttemptOutcome::Success => (
            Some(Signal::Success { model }),
            Some(HealthEvent::Success { ttfc_ms }),
        ),
        AttemptOutcome::UsageLimit { resets_at } => {
            let body = resets_at.map(|s| s.saturating_mul(1000));
            (
                Some(quota_signal(body, exhausted_reset(quota, now))),
                Some(HealthEvent::RateLimited),
            )
        }
        AttemptOutcome::RateLimited { .. } => {
            let signal = match exhausted_reset(quota, now) {
                Some(reset_at) => Signal::QuotaUntil { reset_at },
                None => Signal::Burst { model },
            };
            (Some(signal), Some(HealthEvent::RateLimited))
        }
        AttemptOutcome::Unauthorized if refreshed => (
            Some(Signal::AccountUnauthorized),
            Some(HealthEvent::AccountUnauthorized),
        ),
        AttemptOutcome::Unauthorized => (Some(Signal::TokenExpired), None),
        AttemptOutcome::Forbidden => (Some(Signal::Forbidden), Some(HealthEvent::AccountRejected)),
        AttemptOutcome::WorkspaceOff => (
            Some(Signal::WorkspaceOff),
            Some(HealthEvent::AccountRejected),
        ),
        AttemptOutcome::PaymentRequired => (
            Some(Signal::PaymentRequired),
            Some(HealthEvent::AccountRejected),
        ),
        AttemptOutcome::EgressBlocked => (
            Some(Signal::EgressBlocked),
            Some(HealthEvent::AccountRejected),
        ),
        AttemptOutcome::ModelUnsupported => {
            (model.map(|model| Signal::ModelUnsupported { model }), None)
        }
        AttemptOutcome::Overloaded => (Some(Signal::CapacityShed), None),
        AttemptOutcome::ServerError => (Some(Signal::ServerError), Some(HealthEvent::Server)),
        AttemptOutcome::Timeout => (Some(Signal::Timeout), Some(HealthEvent::Timeout)),
        AttemptOutcome::Transport => (Some(Signal::Transport), Some(HealthEvent::Transport)),
        AttemptOutcome::BadRequest => (None, None),
    }
}

/// The reset of a 5h or 7d window at 100 % that has not reset yet.
fn exhausted_reset(quota: &QuotaView, now: i64) -> Option<i64> {
    [quota.five_hour, quota.weekly]
        .iter()
        .flatten()
        .filter(|w| w.used >= 100.0)
        .filter_map(|w| w.reset_at)
        .filter(|r| *r > now)
        .min()
}

/// Folds observed windows into the quota view (5h: ≥ 60 min, 7d: ≥ 1440 min).
pub fn observe(view: &mut QuotaView, windows: &[(i64, f64, Option<i64>)], now: i64) {
    for (minutes, used, reset_at) in windows {
        let slot = if *minutes >= 1440 {
            &mut view.weekly
        } else if *minutes >= 60 {
            &mut view.five_hour
        } else {
            continue;
        };
        slot.get_or_insert_with(Default::default)
            .observe(*used, *reset_at, now);
    }
}
