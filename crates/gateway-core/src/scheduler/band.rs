//! The selection band, cached (scheduling.md §5 steps 4–7 without the scan). Filtering every
//! account and ranking them is what makes a pick linear in the pool, yet the result (who is
//! usable, the best priority and tier, who is within 5 points of the best score) changes only
//! when an account's view changes. So an exact pick remembers its band per model, and later
//! picks draw their two choices from it, checking only the drawn accounts, while:
//! - the pool's epoch is unchanged (bumped by tier, cooldown, flag and re-auth changes and by
//!   a dispatch score moving a point or more; a new snapshot starts with no bands),
//! - the band is under a second old (decays and ended cooldowns show up within that), and
//! - the settings are the ones it was built with.
//!
//! Anything the cache cannot answer exactly falls back to the exact pick: a pin, failover
//! (accounts excluded), drawn accounts that are busy, cooling or over the bounded-load cap.

use std::sync::Arc;

use super::pick::{candidate, filter, BindingOutcome, PickInput, PickOutcome, Unavailable};
use super::policy::affinity::{self, BoundView, Mode, Verdict};
use super::policy::health::Tier;
use super::policy::select::{self, Candidate, Skip, BAND};
use super::settings::SchedulerSettings;
use super::snapshot::Snapshot;
use super::trace::{PickTrace, Skipped, MAX_SKIPPED};

/// A band older than this is rebuilt by an exact pick.
const MAX_AGE_MS: i64 = 1_000;
/// Draws before giving up on finding two free band members.
const DRAWS: usize = 16;
/// Bands kept per snapshot (one per model in use).
const MODELS: usize = 16;

pub struct Band {
    model: Box<str>,
    epoch: u64,
    built_at: i64,
    cfg: SchedulerSettings,
    /// Snapshot indices of the band's members.
    members: Vec<u32>,
    /// Usable `healthy` / `warm` accounts: the N of the bounded-load cap.
    healthy: u32,
    /// The first reasons of the exact pick that built it, for the routing trace.
    skipped: Vec<Skipped>,
}

/// Remembers the band of an exact pick over `cands` (every usable account, `map` giving their
/// snapshot indices). `epoch` was read before the scan, so a change during it discards the
/// band at its first use. `filtered` holds the filter's reasons of that pick.
pub(super) fn remember(
    snap: &Snapshot,
    input: &PickInput<'_>,
    epoch: u64,
    cands: &[Candidate],
    map: &[usize],
    filtered: &PickTrace,
) {
    if !input.req.exclude.is_empty() || !input.refused.is_empty() {
        return;
    }
    let mut best: Option<((i64, Tier), f64)> = None;
    for c in cands.iter().filter(|c| c.tier != Tier::Banned) {
        best = match best {
            Some((r, d)) if r > c.rank() || (r == c.rank() && d >= c.dispatch) => Some((r, d)),
            _ => Some((c.rank(), c.dispatch)),
        };
    }
    let Some((rank, dispatch)) = best else {
        return;
    };
    let mut members = Vec::with_capacity(cands.len());
    let mut skipped = filtered.skipped.clone();
    for (k, c) in cands.iter().enumerate() {
        if c.tier != Tier::Banned && c.rank() == rank && c.dispatch >= dispatch - BAND {
            members.push(u32::try_from(map[k]).unwrap_or(u32::MAX));
        } else if skipped.len() < MAX_SKIPPED {
            let reason = if c.priority < rank.0 {
                Skip::LowerPriority
            } else if c.rank() < rank {
                Skip::LowerTier
            } else {
                Skip::OutsideBand
            };
            skipped.push(Skipped {
                account_id: c.id,
                reason: reason.as_str().into(),
            });
        }
    }
    let healthy = cands
        .iter()
        .filter(|c| matches!(c.tier, Tier::Healthy | Tier::Warm))
        .count();
    let band = Arc::new(Band {
        model: input.req.model.into(),
        epoch,
        built_at: input.now,
        cfg: input.cfg.clone(),
        members,
        healthy: u32::try_from(healthy).unwrap_or(u32::MAX),
        skipped,
    });
    let mut bands = snap.bands.write().unwrap_or_else(|e| e.into_inner());
    bands.retain(|b| *b.model != *input.req.model);
    if bands.len() >= MODELS {
        bands.remove(0);
    }
    bands.push(band);
}

/// The band for this pick, if one is still valid.
fn cached(snap: &Snapshot, input: &PickInput<'_>) -> Option<Arc<Band>> {
    let bands = snap.bands.read().unwrap_or_else(|e| e.into_inner());
    let band = bands.iter().find(|b| *b.model == *input.req.model)?;
    let fresh = (band.built_at..band.built_at + MAX_AGE_MS).contains(&input.now);
    let valid = fresh
        && band.epoch == snap.counters.epoch()
        && !band.members.is_empty()
        && band.cfg == *input.cfg;
    valid.then(|| Arc::clone(band))
}

/// The account at snapshot index `i` as selection sees it, if it passes the filter.
fn usable(snap: &Snapshot, i: usize, input: &PickInput<'_>) -> Option<Candidate> {
    let (st, live) = (&snap.statics[i], &snap.lives[i]);
    filter(st, live, input, &mut Unavailable::default()).ok()?;
    Some(candidate(st, live, input.cfg))
}

/// A pick from the cached band; `None` sends the caller to the exact pick.
pub(super) fn pick(
    snap: &Snapshot,
    input: &PickInput<'_>,
    trace: &mut PickTrace,
    rng: &mut dyn FnMut(usize) -> usize,
) -> Option<PickOutcome> {
    if input.cfg.pinned_account_id.is_some() || !input.req.exclude.is_empty() {
        return None;
    }
    let band = cached(snap, input)?;
    let bound_total = snap
        .counters
        .bound_total
        .load(std::sync::atomic::Ordering::Acquire);
    let mode = input.cfg.affinity_mode;
    let mut outcome = BindingOutcome::None;
    if let (Some(binding), true) = (input.binding, mode != Mode::Off) {
        let bound = snap
            .index
            .get(&binding.account_id)
            .and_then(|&i| Some((i, usable(snap, i, input)?)));
        let view = bound.map(|(_, c)| BoundView {
            tier: c.tier,
            has_slot: c.has_slot(),
            bound: c.bound,
        });
        match affinity::judge(
            mode,
            &binding,
            view,
            affinity::cap(bound_total, band.healthy),
        ) {
            Verdict::Use => {
                let (i, c) = bound?;
                if snap.lives[i].try_occupy(c.limit) {
                    trace.via = "affinity";
                    trace.chosen = Some(c.id);
                    trace.band_cached = true;
                    return Some(PickOutcome::Got {
                        index: i,
                        binding: BindingOutcome::Kept,
                        pinned_unavailable: false,
                    });
                }
                outcome = BindingOutcome::Spilled;
            }
            Verdict::Spill => outcome = BindingOutcome::Spilled,
            Verdict::Wait => return None,
            Verdict::Yield(reason) => outcome = BindingOutcome::Yielded(reason),
        }
    } else if input.binding.is_none() && mode != Mode::Off && input.req.affinity_key.is_some() {
        outcome = BindingOutcome::New;
    }
    let creating = matches!(outcome, BindingOutcome::New | BindingOutcome::Yielded(_))
        && mode == Mode::Bounded;
    let cap = creating.then(|| affinity::cap(bound_total + 1, band.healthy));
    let (index, chosen, other) = draw_two(snap, input, &band, cap, rng)?;
    if !snap.lives[index].try_occupy(chosen.limit) {
        return None;
    }
    trace.via = "select";
    trace.band_cached = true;
    trace.chosen = Some(chosen.id);
    trace.drawn.push((chosen.id, chosen.load()));
    trace.band.push((chosen.id, chosen.dispatch));
    trace.skipped.clone_from(&band.skipped);
    if let Some(o) = other {
        trace.drawn.push((o.id, o.load()));
        trace.band.push((o.id, o.dispatch));
        if trace.skipped.len() < MAX_SKIPPED {
            trace.skipped.push(Skipped {
                account_id: o.id,
                reason: Skip::LostP2c.as_str().into(),
            });
        }
    }
    trace.skipped_total = snap.statics.len().saturating_sub(1);
    Some(PickOutcome::Got {
        index,
        binding: outcome,
        pinned_unavailable: false,
    })
}

/// Power of two choices among free band members under the cap: the winner's snapshot index,
/// the winner, and the loser if a second member was found.
fn draw_two(
    snap: &Snapshot,
    input: &PickInput<'_>,
    band: &Band,
    cap: Option<u32>,
    rng: &mut dyn FnMut(usize) -> usize,
) -> Option<(usize, Candidate, Option<Candidate>)> {
    let n = band.members.len();
    let mut found: Vec<(usize, Candidate)> = Vec::with_capacity(2);
    for _ in 0..DRAWS {
        if found.len() == 2 || found.len() == n {
            break;
        }
        let i = band.members[rng(n)] as usize;
        if found.iter().any(|(j, _)| *j == i) {
            continue;
        }
        let Some(c) = usable(snap, i, input) else {
            continue;
        };
        if c.has_slot() && c.tier != Tier::Banned && cap.is_none_or(|cap| c.bound < cap) {
            found.push((i, c));
        }
    }
    match found.as_slice() {
        [] => None,
        [(i, c)] => Some((*i, *c, None)),
        [(i, a), (j, b), ..] => Some(if select::better(a, b, rng) {
            (*i, *a, Some(*b))
        } else {
            (*j, *b, Some(*a))
        }),
    }
}
