//! The cached selection band: later picks draw from it and spread over it, and anything that
//! moves it (a cooldown, a pin, age, busy members) sends the pick back to the exact scan.

use std::collections::HashMap;

use super::grant::{AttemptOutcome, PickRequest, Slot};
use super::settings::SchedulerSettings;
use super::test_support::{account, grant, pool, pool_with_clock};
use super::trace::PickTrace;
use super::Pool;

/// One pick for `gpt-5.5`: the chosen account, whether the cached band served it, the slot.
fn pick(pool: &Pool, cfg: &SchedulerSettings, seed: &mut u64) -> (Option<i64>, bool, Option<Slot>) {
    let req = PickRequest {
        model: "gpt-5.5",
        exclude: &[],
        affinity_key: None,
    };
    let mut trace = PickTrace::default();
    let mut rng = |n: usize| {
        *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((*seed >> 33) as usize) % n.max(1)
    };
    let slot = pool.try_pick(&req, cfg, &mut trace, &mut rng);
    (trace.chosen, trace.band_cached, slot)
}

fn pool_of_four_and_two_outsiders() -> Pool {
    let mut accounts: Vec<_> = (1..=6).map(|id| account(id, "ws")).collect();
    accounts[4].scheduler_priority = -1;
    accounts[5].paused = true;
    pool(accounts)
}

#[test]
fn later_picks_draw_from_the_band_and_spread_over_it() {
    let pool = pool_of_four_and_two_outsiders();
    let cfg = SchedulerSettings::default();
    let mut seed = 7;
    let (first, cached, _) = pick(&pool, &cfg, &mut seed);
    assert!(first.is_some() && !cached, "the first pick scans");
    let mut chosen: HashMap<i64, u32> = HashMap::new();
    for _ in 0..400 {
        let (id, cached, _) = pick(&pool, &cfg, &mut seed);
        assert!(cached, "nothing moved the band");
        *chosen.entry(id.unwrap()).or_default() += 1;
    }
    let mut ids: Vec<i64> = chosen.keys().copied().collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 2, 3, 4], "only band members: {chosen:?}");
    assert!(chosen.values().all(|n| *n >= 50), "spread: {chosen:?}");
}

#[test]
fn a_cooldown_a_pin_or_age_sends_the_pick_back_to_the_scan() {
    let (pool, clock) = pool_with_clock((1..=3).map(|id| account(id, "ws")).collect());
    let cfg = SchedulerSettings::default();
    let mut seed = 11;
    pick(&pool, &cfg, &mut seed);
    assert!(pick(&pool, &cfg, &mut seed).1);

    pool.report(
        &grant(&pool, 1),
        &AttemptOutcome::UsageLimit {
            resets_at: Some(super::test_support::T0 / 1000 + 3600),
        },
    );
    let (id, cached, _) = pick(&pool, &cfg, &mut seed);
    assert!(!cached, "the cooldown moved the band");
    assert_ne!(id, Some(1));
    for _ in 0..100 {
        assert_ne!(
            pick(&pool, &cfg, &mut seed).0,
            Some(1),
            "never the cooling account"
        );
    }

    let pinned = SchedulerSettings {
        pinned_account_id: Some(2),
        ..SchedulerSettings::default()
    };
    let (id_pinned, cached, _) = pick(&pool, &pinned, &mut seed);
    assert_eq!(
        (id_pinned, cached),
        (Some(2), false),
        "a pin is always exact"
    );

    assert!(!pick(&pool, &cfg, &mut seed).1, "other settings: rebuilt");
    assert!(pick(&pool, &cfg, &mut seed).1);
    clock.advance(1_500);
    assert!(
        !pick(&pool, &cfg, &mut seed).1,
        "a band over a second old is rebuilt"
    );
    assert!(pick(&pool, &cfg, &mut seed).1);
}

#[test]
fn busy_band_members_fall_back_to_the_exact_pick() {
    let mut accounts: Vec<_> = (1..=3).map(|id| account(id, "ws")).collect();
    accounts[2].scheduler_priority = -1;
    let pool = pool(accounts);
    let cfg = SchedulerSettings {
        max_concurrency: 1,
        ..SchedulerSettings::default()
    };
    let mut seed = 3;
    let (a, _, held_a) = pick(&pool, &cfg, &mut seed);
    let (b, _, held_b) = pick(&pool, &cfg, &mut seed);
    let mut both = vec![a.unwrap(), b.unwrap()];
    both.sort_unstable();
    assert_eq!(both, vec![1, 2], "the band first");
    let (c, cached, _) = pick(&pool, &cfg, &mut seed);
    assert_eq!(
        (c, cached),
        (Some(3), false),
        "the exact pick finds the lower priority"
    );
    drop((held_a, held_b));
}
