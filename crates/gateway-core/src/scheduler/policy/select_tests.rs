//! Selection (scheduling.md §5 steps 4–7): slots, priority, tier, band, two random choices.

use super::health::Tier;
use super::select::*;

fn cand(
    id: i64,
    priority: i64,
    tier: Tier,
    dispatch: f64,
    in_flight: u32,
    limit: u32,
) -> Candidate {
    Candidate {
        id,
        priority,
        tier,
        dispatch,
        in_flight,
        limit,
        bound: 0,
    }
}

fn seq(values: &'static [usize]) -> impl FnMut(usize) -> usize {
    let mut i = 0;
    move |n| {
        let v = values[i % values.len()] % n.max(1);
        i += 1;
        v
    }
}

#[test]
fn filters_then_ranks() {
    let cands = [
        cand(1, 0, Tier::Healthy, 150.0, 2, 2),
        cand(2, 5, Tier::Warm, 60.0, 0, 2),
        cand(3, 5, Tier::Healthy, 40.0, 1, 2),
        cand(4, 0, Tier::Healthy, 200.0, 0, 2),
    ];
    let c = choose(&cands, None, &mut seq(&[0])).unwrap();
    assert_eq!(
        cands[c.index].id, 3,
        "priority beats tier beats score; full accounts are out"
    );
    assert_eq!(c.skip_of(&cands[0]), Skip::AtLimit);
    assert_eq!(c.skip_of(&cands[1]), Skip::LowerTier);
    assert_eq!(c.skip_of(&cands[3]), Skip::LowerPriority);
    let full = [
        cand(1, 0, Tier::Healthy, 1.0, 2, 2),
        cand(2, 0, Tier::Banned, 1.0, 0, 0),
    ];
    assert!(choose(&full, None, &mut seq(&[0])).is_none());
}

#[test]
fn band_and_two_choices() {
    let cands = [
        cand(1, 0, Tier::Healthy, 150.0, 1, 4),
        cand(2, 0, Tier::Healthy, 147.0, 0, 4),
        cand(3, 0, Tier::Healthy, 140.0, 0, 4),
    ];
    // Draws are positions within the band {1, 2}: the less loaded one wins whatever the order.
    for draws in [&[0usize, 0][..], &[1, 0][..]] {
        let draws: &'static [usize] = Box::leak(draws.to_vec().into_boxed_slice());
        let c = choose(&cands, None, &mut seq(draws)).unwrap();
        assert_eq!(c.band_size, 2);
        assert_eq!(cands[c.index].id, 2);
        assert_eq!(c.skip_of(&cands[2]), Skip::OutsideBand);
    }
}

#[test]
fn ties_go_to_fewer_in_flight_then_score() {
    let cands = [
        cand(1, 0, Tier::Healthy, 100.0, 2, 4),
        cand(2, 0, Tier::Healthy, 103.0, 1, 2),
    ];
    let c = choose(&cands, None, &mut seq(&[0, 0])).unwrap();
    assert_eq!(cands[c.index].id, 2, "equal load 0.5: fewer in flight wins");
    let cands = [
        cand(1, 0, Tier::Healthy, 100.0, 1, 2),
        cand(2, 0, Tier::Healthy, 103.0, 1, 2),
    ];
    let c = choose(&cands, None, &mut seq(&[0, 0])).unwrap();
    assert_eq!(cands[c.index].id, 2, "then the higher score");
}

#[test]
fn new_bindings_avoid_accounts_over_the_cap_unless_none_is_left() {
    let mut cands = [
        cand(1, 0, Tier::Healthy, 100.0, 0, 4),
        cand(2, 0, Tier::Healthy, 100.0, 1, 4),
    ];
    cands[0].bound = 5;
    let c = choose(&cands, Some(5), &mut seq(&[0])).unwrap();
    assert_eq!(cands[c.index].id, 2);
    assert_eq!(c.skip_of(&cands[0]), Skip::OverCap);
    cands[1].bound = 5;
    let c = choose(&cands, Some(5), &mut seq(&[0, 0])).unwrap();
    assert_eq!(cands[c.index].id, 1, "cap ignored when it empties the band");
}

#[test]
fn spreads_load_between_near_equals() {
    let mut cands: Vec<Candidate> = (0..5)
        .map(|i| cand(i, 0, Tier::Healthy, 100.0 + i as f64, 0, 1000))
        .collect();
    let mut state = 12345u64;
    let mut rng = move |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    for _ in 0..500 {
        let c = choose(&cands, None, &mut rng).unwrap();
        cands[c.index].in_flight += 1;
    }
    let max = cands.iter().map(|c| c.in_flight).max().unwrap();
    let min = cands.iter().map(|c| c.in_flight).min().unwrap();
    assert!(
        max - min <= 3,
        "{:?}",
        cands.iter().map(|c| c.in_flight).collect::<Vec<_>>()
    );
}
