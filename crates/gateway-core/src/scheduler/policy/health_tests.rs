//! The health terms with their decays and the tier rules (scheduling.md §2).

use super::clock::{HOUR, MINUTE};
use super::health::*;

const T0: i64 = 1_700_000_000_000;

fn state_with(events: &[HealthEvent]) -> HealthState {
    let mut s = HealthState::default();
    for (i, e) in events.iter().enumerate() {
        s.record(*e, T0 + i as i64);
    }
    s
}

#[test]
fn terms_decay_linearly() {
    let rows = [
        (HealthEvent::AccountUnauthorized, 24 * HOUR, 50.0),
        (HealthEvent::RateLimited, HOUR, 22.0),
        (HealthEvent::Timeout, 15 * MINUTE, 18.0),
        (HealthEvent::Server, 15 * MINUTE, 12.0),
        (HealthEvent::Transport, 15 * MINUTE, 12.0),
    ];
    for (event, window, full) in rows {
        let mut s = HealthState::default();
        s.record(event, T0);
        let term = |now| {
            let sc = s.score(now);
            sc.unauthorized + sc.rate_limit + sc.timeout + sc.server
        };
        assert_eq!(term(T0), -full, "{event:?} at once");
        assert!(
            (term(T0 + window / 2) + full / 2.0).abs() < 1e-9,
            "{event:?} halfway"
        );
        assert_eq!(term(T0 + window), 0.0, "{event:?} after its window");
    }
}

#[test]
fn streaks_success_rate_latency_and_proven() {
    let fails = state_with(&[HealthEvent::Server; 25]);
    let s = fails.score(T0 + HOUR);
    assert_eq!(s.failure_streak, -24.0);
    assert_eq!(s.success_rate, -15.0);
    assert_eq!(s.proven, 20.0);
    let mut mixed = state_with(&[HealthEvent::Server, HealthEvent::Server]);
    for _ in 0..4 {
        mixed.record(
            HealthEvent::Success {
                ttfc_ms: Some(6_000),
            },
            T0 + HOUR,
        );
    }
    let s = mixed.score(T0 + HOUR);
    assert_eq!(
        (s.failure_streak, s.success_streak, s.success_rate, s.proven),
        (0.0, 8.0, -8.0, 0.0)
    );
    assert_eq!(s.latency, -4.0);
    let mut slow = HealthState::default();
    slow.record(
        HealthEvent::Success {
            ttfc_ms: Some(30_000),
        },
        T0,
    );
    assert_eq!(slow.score(T0).latency, -15.0);
    let ok = state_with(&[HealthEvent::Success { ttfc_ms: None }; 12]);
    let s = ok.score(T0 + HOUR);
    assert_eq!((s.success_streak, s.proven, s.total), (12.0, 20.0, 132.0));
    let rl = state_with(&[HealthEvent::RateLimited; 8]);
    assert_eq!(rl.failure_streak, 0, "a 429 is not an availability failure");
}

#[test]
fn tiers_and_rules() {
    let none = TierFlags::default();
    let fresh = HealthState::default();
    assert_eq!(fresh.tier(100.0, none, T0), Tier::Healthy);
    assert_eq!(fresh.tier(84.9, none, T0), Tier::Warm);
    assert_eq!(fresh.tier(59.9, none, T0), Tier::Risky);
    let banned = TierFlags {
        unauthorized_cooldown: true,
        ..none
    };
    assert_eq!(fresh.tier(130.0, banned, T0), Tier::Banned, "rule 1");
    let failed_last = state_with(&[HealthEvent::Success { ttfc_ms: None }, HealthEvent::Server]);
    assert_eq!(failed_last.tier(100.0, none, T0 + 10), Tier::Warm, "rule 2");
    let lone = state_with(&[
        HealthEvent::Success { ttfc_ms: None },
        HealthEvent::Transport,
    ]);
    assert_eq!(
        lone.tier(100.0, none, T0 + 10),
        Tier::Healthy,
        "rule 2 spares a lone transport failure"
    );
    let mut recovered = state_with(&[HealthEvent::AccountUnauthorized]);
    recovered.record(HealthEvent::Success { ttfc_ms: None }, T0 + HOUR);
    assert_eq!(recovered.tier(100.0, none, T0 + HOUR), Tier::Warm, "rule 3");
    assert_eq!(recovered.tier(100.0, none, T0 + 25 * HOUR), Tier::Healthy);
    let skip = TierFlags {
        skip_warm_tier: true,
        ..none
    };
    assert_eq!(
        recovered.tier(100.0, skip, T0 + HOUR),
        Tier::Healthy,
        "rule 4"
    );
    assert_eq!(recovered.tier(50.0, skip, T0 + HOUR), Tier::Risky);
    assert_eq!(
        recovered.recent_count(RecentKind::Unauthorized, HOUR, T0 + HOUR),
        1
    );
}
