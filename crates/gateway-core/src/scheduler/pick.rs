//! One pick over the snapshot, synchronous and lock-free on the common path (scheduling.md §5
//! steps 1–7): filter with reason codes, pin, affinity binding checks, then selection, and the
//! atomic slot acquisition with up to 16 retries after a lost race.

use std::borrow::Cow;
use std::cell::RefCell;

use super::grant::PickRequest;
use super::live::Live;
use super::policy::affinity::{self, Binding, BoundView, Mode, Verdict};
use super::policy::cooldown::Reason;
use super::policy::health::Tier;
use super::policy::select::{self, Candidate};
use super::settings::SchedulerSettings;
use super::snapshot::{Snapshot, Static};
use super::trace::PickTrace;

const MAX_RACES: usize = 16;

thread_local! {
    /// Reused per thread so a pick over 10,000 accounts allocates nothing.
    static BUFFER: RefCell<(Vec<Candidate>, Vec<usize>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// What happened to the request's affinity binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingOutcome {
    None,
    Kept,
    New,
    Spilled,
    Yielded(&'static str),
}

impl BindingOutcome {
    pub fn label(self) -> String {
        match self {
            BindingOutcome::None => "off".into(),
            BindingOutcome::Kept => "kept".into(),
            BindingOutcome::New => "new".into(),
            BindingOutcome::Spilled => "spilled".into(),
            BindingOutcome::Yielded(r) => format!("yielded:{r}"),
        }
    }
}

/// Why nothing was usable, for the §9 answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unavailable {
    pub earliest_quota: Option<i64>,
    pub earliest_burst: Option<i64>,
}

pub enum PickOutcome {
    /// Slot taken on `snapshot.accounts[index]`.
    Got {
        index: usize,
        binding: BindingOutcome,
        pinned_unavailable: bool,
    },
    /// Candidates exist but are all at their limit (`strict`: the bound one is).
    Busy {
        pinned_unavailable: bool,
    },
    Empty(Unavailable),
}

pub struct PickInput<'a> {
    pub req: &'a PickRequest<'a>,
    pub cfg: &'a SchedulerSettings,
    pub now: i64,
    /// The request's current binding, if any.
    pub binding: Option<Binding>,
    /// Accounts refused in this acquisition (shared slot full, no token).
    pub refused: &'a [i64],
}

/// The filter of §5 step 1; `Err` carries the reason code.
pub(super) fn filter(
    st: &Static,
    live: &Live,
    input: &PickInput<'_>,
    un: &mut Unavailable,
) -> Result<(), Cow<'static, str>> {
    if let Some(reason) = st.blocked {
        return Err(Cow::Borrowed(reason));
    }
    if live.is_reauth() {
        return Err(Cow::Borrowed("reauth_required"));
    }
    if input.req.exclude.contains(&st.id) || input.refused.contains(&st.id) {
        return Err(Cow::Borrowed("excluded"));
    }
    if live.cooling_until() > input.now || live.has_model_cooldowns() || live.quota_paused() {
        return slow_filter(live, input, un);
    }
    Ok(())
}

/// Cooling accounts need the lock for their reason; rare enough to keep off the fast path.
fn slow_filter(
    live: &Live,
    input: &PickInput<'_>,
    un: &mut Unavailable,
) -> Result<(), Cow<'static, str>> {
    let now = input.now;
    let state = live.lock();
    let note = |un: &mut Unavailable, reason: Reason, until: i64| {
        let slot = if reason.is_quota() {
            &mut un.earliest_quota
        } else if reason.is_burst() {
            &mut un.earliest_burst
        } else {
            return;
        };
        *slot = Some(slot.map_or(until, |t| t.min(until)));
    };
    if let Some(c) = state.cooldowns.active(now) {
        note(un, c.reason, c.until);
        return Err(Cow::Owned(format!("cooling:{}", c.reason.as_str())));
    }
    if let Some(c) = state.cooldowns.model_active(input.req.model, now) {
        note(un, c.reason, c.until);
        return Err(Cow::Owned(format!("model_cooling:{}", c.reason.as_str())));
    }
    if live.quota_paused() {
        let reset = [state.quota.five_hour, state.quota.weekly]
            .iter()
            .flatten()
            .filter_map(|w| w.reset_at)
            .filter(|r| *r > now)
            .min();
        if let Some(reset) = reset {
            note(un, Reason::UsageLimit, reset);
        }
        return Err(Cow::Borrowed("quota_paused"));
    }
    Ok(())
}

pub fn pick(
    snap: &Snapshot,
    input: &PickInput<'_>,
    trace: &mut PickTrace,
    rng: &mut dyn FnMut(usize) -> usize,
) -> PickOutcome {
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let (cands, map) = &mut *buffer;
        cands.clear();
        map.clear();
        if let Some(outcome) = super::band::pick(snap, input, trace, rng) {
            return outcome;
        }
        let epoch = snap.counters.epoch();
        let mut un = Unavailable::default();
        for (i, (st, live)) in snap.statics.iter().zip(&snap.lives).enumerate() {
            if let Err(reason) = filter(st, live, input, &mut un) {
                trace.skip(st.id, reason);
                continue;
            }
            if live.is_stale(input.now) {
                live.refresh_in_scan(&snap.accounts[i], input.cfg, input.now);
            }
            cands.push(candidate(st, live, input.cfg));
            map.push(i);
        }
        if cands.is_empty() {
            return PickOutcome::Empty(un);
        }
        super::band::remember(snap, input, epoch, cands, map, trace);
        choose_among(snap, input, cands, map, trace, rng)
    })
}

/// An account that passed the filter, as selection sees it.
pub(super) fn candidate(st: &Static, live: &Live, cfg: &SchedulerSettings) -> Candidate {
    Candidate {
        id: st.id,
        priority: st.priority,
        tier: live.tier(),
        dispatch: live.dispatch(),
        in_flight: live.in_flight(),
        limit: live.limit(st.base(cfg.max_concurrency)),
        bound: live.bound.load(std::sync::atomic::Ordering::Relaxed),
    }
}

fn choose_among(
    snap: &Snapshot,
    input: &PickInput<'_>,
    cands: &mut [Candidate],
    map: &[usize],
    trace: &mut PickTrace,
    rng: &mut dyn FnMut(usize) -> usize,
) -> PickOutcome {
    let mut pinned_unavailable = false;
    if let Some(pin) = input.cfg.pinned_account_id {
        match cands.iter().position(|c| c.id == pin) {
            Some(k) if cands[k].has_slot() && snap.lives[map[k]].try_occupy(cands[k].limit) => {
                trace.via = "pin";
                trace.chosen = Some(pin);
                return PickOutcome::Got {
                    index: map[k],
                    binding: BindingOutcome::None,
                    pinned_unavailable,
                };
            }
            _ => pinned_unavailable = true,
        }
    }
    let mode = input.cfg.affinity_mode;
    let mut outcome = BindingOutcome::None;
    // Only affinity needs these two sums: skip both passes for requests without a key.
    let load_share = || {
        let healthy = cands
            .iter()
            .filter(|c| matches!(c.tier, Tier::Healthy | Tier::Warm))
            .count() as u32;
        (healthy, cands.iter().map(|c| c.bound).sum::<u32>())
    };
    if let (Some(binding), true) = (input.binding, mode != Mode::Off) {
        let k = cands.iter().position(|c| c.id == binding.account_id);
        let view = k.map(|k| BoundView {
            tier: cands[k].tier,
            has_slot: cands[k].has_slot(),
            bound: cands[k].bound,
        });
        let (healthy, bindings) = load_share();
        match affinity::judge(mode, &binding, view, affinity::cap(bindings, healthy)) {
            Verdict::Use => {
                let k = k.unwrap_or_default();
                if snap.lives[map[k]].try_occupy(cands[k].limit) {
                    trace.via = "affinity";
                    trace.chosen = Some(binding.account_id);
                    return PickOutcome::Got {
                        index: map[k],
                        binding: BindingOutcome::Kept,
                        pinned_unavailable,
                    };
                }
                outcome = BindingOutcome::Spilled;
            }
            Verdict::Spill => outcome = BindingOutcome::Spilled,
            Verdict::Wait => return PickOutcome::Busy { pinned_unavailable },
            Verdict::Yield(reason) => outcome = BindingOutcome::Yielded(reason),
        }
    } else if input.binding.is_none() && mode != Mode::Off && input.req.affinity_key.is_some() {
        outcome = BindingOutcome::New;
    }
    let creating = matches!(outcome, BindingOutcome::New | BindingOutcome::Yielded(_))
        && mode == Mode::Bounded;
    let cap = creating.then(|| {
        let (healthy, bindings) = load_share();
        affinity::cap(bindings + 1, healthy)
    });
    for _ in 0..MAX_RACES {
        let Some(choice) = select::choose(cands, cap, rng) else {
            return PickOutcome::Busy { pinned_unavailable };
        };
        let k = choice.index;
        if snap.lives[map[k]].try_occupy(cands[k].limit) {
            fill_trace(trace, cands, &choice);
            return PickOutcome::Got {
                index: map[k],
                binding: outcome,
                pinned_unavailable,
            };
        }
        // Lost the race for its last slot: treat it as full and draw again.
        cands[k].in_flight = cands[k].limit;
    }
    PickOutcome::Busy { pinned_unavailable }
}

fn fill_trace(trace: &mut PickTrace, cands: &[Candidate], choice: &select::Choice) {
    let chosen = &cands[choice.index];
    trace.via = "select";
    trace.chosen = Some(chosen.id);
    trace.drawn = choice
        .drawn
        .iter()
        .map(|&i| (cands[i].id, cands[i].load()))
        .collect();
    trace.drawn.dedup();
    trace.band.push((chosen.id, chosen.dispatch));
    // Reasons for the first few only: explaining 10,000 skips would cost more than the pick.
    let others = cands.iter().filter(|c| c.id != chosen.id);
    for (explained, c) in others.enumerate() {
        if explained == super::trace::MAX_SKIPPED {
            trace.skipped_total += cands.len() - 1 - explained;
            break;
        }
        let skip = choice.skip_of(c);
        if matches!(skip, select::Skip::OverCap | select::Skip::LostP2c) {
            trace.band.push((c.id, c.dispatch));
        }
        trace.skip(c.id, skip.as_str());
    }
}
