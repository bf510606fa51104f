//! Dynamic concurrency per account (scheduling.md §4): the base limit scaled by tier, capped
//! inside the quota reserve band and on probation.

use super::health::Tier;

/// Marks "no limit" (a base of 0).
pub const UNLIMITED: u32 = u32::MAX;

/// The in-flight limit. `base` 0 means unlimited for healthy and warm accounts.
pub fn limit(base: u32, tier: Tier, in_reserve_band: bool, probation: bool) -> u32 {
    let base = if base == 0 { UNLIMITED } else { base };
    let by_tier = match tier {
        Tier::Healthy => base,
        Tier::Warm if base == UNLIMITED => UNLIMITED,
        Tier::Warm => (base / 2).max(1),
        Tier::Risky => 1,
        Tier::Banned => 0,
    };
    if in_reserve_band || probation {
        by_tier.min(1)
    } else {
        by_tier
    }
}

/// Load = in-flight / limit; an unlimited account is never full.
pub fn load(in_flight: u32, limit: u32) -> f64 {
    match limit {
        0 => f64::INFINITY,
        UNLIMITED => f64::from(in_flight) * 1e-6,
        l => f64::from(in_flight) / f64::from(l),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_by_tier_and_caps() {
        let rows = [
            (4, Tier::Healthy, false, false, 4),
            (4, Tier::Warm, false, false, 2),
            (3, Tier::Warm, false, false, 1),
            (1, Tier::Warm, false, false, 1),
            (4, Tier::Risky, false, false, 1),
            (4, Tier::Banned, false, false, 0),
            (4, Tier::Healthy, true, false, 1),
            (4, Tier::Healthy, false, true, 1),
            (0, Tier::Healthy, false, false, UNLIMITED),
            (0, Tier::Risky, false, false, 1),
        ];
        for (base, tier, band, probation, want) in rows {
            assert_eq!(
                limit(base, tier, band, probation),
                want,
                "{base} {tier:?} {band} {probation}"
            );
        }
        assert!(load(2, 2) >= 1.0);
        assert!(load(1000, UNLIMITED) < 1.0);
    }
}
