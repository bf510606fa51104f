//! Selection among usable accounts (scheduling.md §5 steps 4–7): free slots, then the highest
//! admin priority, then the best tier, then a band of 5 points under the best dispatch score,
//! then power of two choices on load. Allocation-free so a pick over 10,000 accounts stays in
//! microseconds: a few linear passes over a slice of plain values.

use serde::Serialize;

use super::concurrency::load;
use super::health::Tier;

/// Dispatch scores within this many points of the best are treated as equal.
pub const BAND: f64 = 5.0;

/// One usable account (it passed the filter of §5 step 1) as selection sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    pub id: i64,
    pub priority: i64,
    pub tier: Tier,
    pub dispatch: f64,
    pub in_flight: u32,
    pub limit: u32,
    /// Live affinity bindings on this account.
    pub bound: u32,
}

impl Candidate {
    pub fn has_slot(&self) -> bool {
        self.in_flight < self.limit
    }

    pub fn load(&self) -> f64 {
        load(self.in_flight, self.limit)
    }

    pub fn rank(&self) -> (i64, Tier) {
        (self.priority, self.tier)
    }
}

/// Why a usable account was not chosen, for the routing trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Skip {
    AtLimit,
    LowerPriority,
    LowerTier,
    OutsideBand,
    OverCap,
    LostP2c,
}

impl Skip {
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::AtLimit => "at_limit",
            Skip::LowerPriority => "lower_priority",
            Skip::LowerTier => "lower_tier",
            Skip::OutsideBand => "outside_band",
            Skip::OverCap => "over_cap",
            Skip::LostP2c => "lost_p2c",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub index: usize,
    /// The two drawn band members (the same one twice when the band has one).
    pub drawn: [usize; 2],
    pub band_size: usize,
    pub best_rank: (i64, Tier),
    pub best_dispatch: f64,
    /// The bounded-load cap applied to the band, when creating a binding.
    pub cap: Option<u32>,
}

impl Choice {
    /// Why `c` lost to this choice.
    pub fn skip_of(&self, c: &Candidate) -> Skip {
        if !c.has_slot() {
            Skip::AtLimit
        } else if c.priority < self.best_rank.0 {
            Skip::LowerPriority
        } else if c.rank() < self.best_rank {
            Skip::LowerTier
        } else if c.dispatch < self.best_dispatch - BAND {
            Skip::OutsideBand
        } else if self.cap.is_some_and(|cap| c.bound >= cap) {
            Skip::OverCap
        } else {
            Skip::LostP2c
        }
    }
}

/// Picks one candidate, or `None` when every candidate is at its limit. `cap`: when this
/// pick creates an affinity binding, band members already carrying `cap` bindings are left
/// out unless that empties the band (§5 step 6). `rng(n)` returns a value in `0..n`.
pub fn choose(
    cands: &[Candidate],
    cap: Option<u32>,
    rng: &mut dyn FnMut(usize) -> usize,
) -> Option<Choice> {
    // Three passes at most (best, band size, the two draws), the last one stopping early:
    // this runs on every request over up to 10,000 candidates.
    let mut best: Option<((i64, Tier), f64)> = None;
    for c in cands
        .iter()
        .filter(|c| c.has_slot() && c.tier != Tier::Banned)
    {
        let rank = c.rank();
        best = match best {
            Some((r, d)) if r > rank || (r == rank && d >= c.dispatch) => Some((r, d)),
            _ => Some((rank, c.dispatch)),
        };
    }
    let (best_rank, best_dispatch) = best?;
    let in_band =
        |c: &Candidate| c.has_slot() && c.rank() == best_rank && c.dispatch >= best_dispatch - BAND;
    let (mut band_size, mut under) = (0, 0);
    for c in cands.iter().filter(|c| in_band(c)) {
        band_size += 1;
        if cap.is_some_and(|cap| c.bound < cap) {
            under += 1;
        }
    }
    let applied_cap = cap.filter(|_| under > 0);
    if applied_cap.is_some() {
        band_size = under;
    }
    let member = |c: &Candidate| in_band(c) && applied_cap.is_none_or(|cap| c.bound < cap);
    let first = rng(band_size);
    let second = if band_size > 1 {
        let r = rng(band_size - 1);
        if r >= first {
            r + 1
        } else {
            r
        }
    } else {
        first
    };
    let (mut a, mut b) = (usize::MAX, usize::MAX);
    let last = first.max(second);
    for (seen, (i, _)) in cands
        .iter()
        .enumerate()
        .filter(|(_, c)| member(c))
        .enumerate()
    {
        if seen == first {
            a = i;
        }
        if seen == second {
            b = i;
        }
        if seen == last {
            break;
        }
    }
    let index = if better(&cands[a], &cands[b], rng) {
        a
    } else {
        b
    };
    Some(Choice {
        index,
        drawn: [a, b],
        band_size,
        best_rank,
        best_dispatch,
        cap: applied_cap,
    })
}

/// Whether `x` beats `y`: lower load, then fewer in flight, then the higher score, then a coin.
pub fn better(x: &Candidate, y: &Candidate, rng: &mut dyn FnMut(usize) -> usize) -> bool {
    if x.id == y.id {
        return true;
    }
    let (lx, ly) = (x.load(), y.load());
    if lx != ly {
        return lx < ly;
    }
    if x.in_flight != y.in_flight {
        return x.in_flight < y.in_flight;
    }
    if x.dispatch != y.dispatch {
        return x.dispatch > y.dispatch;
    }
    rng(2) == 0
}
