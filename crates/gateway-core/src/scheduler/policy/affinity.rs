//! Session affinity decisions (scheduling.md §6.2–§6.3): whether an existing binding is used,
//! spills one request, or yields and is rebound; and the bounded-load cap.

use serde::Serialize;

use super::health::Tier;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum Mode {
    Bounded,
    Strict,
    Off,
}

impl Mode {
    /// Unknown values fall back to the default, `bounded`.
    pub fn parse(raw: &str) -> Mode {
        match raw.trim().to_ascii_lowercase().as_str() {
            "strict" => Mode::Strict,
            "off" | "none" | "disabled" => Mode::Off,
            _ => Mode::Bounded,
        }
    }
}

/// `{key → account}` with its bookkeeping; stored as JSON in the shared cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Binding {
    pub account_id: i64,
    pub bound_at: i64,
    pub last_used: i64,
    /// Consecutive spills; the third rebinds.
    pub spills: u32,
}

/// The bound account as the binding checks see it; `None` when it is filtered out.
#[derive(Debug, Clone, Copy)]
pub struct BoundView {
    pub tier: Tier,
    pub has_slot: bool,
    /// Live bindings on the account.
    pub bound: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Use,
    /// Serve this request elsewhere and keep the binding.
    Spill,
    /// Wait for a slot on the bound account (strict mode at the limit).
    Wait,
    /// Select normally and rebind.
    Yield(&'static str),
}

pub const MAX_SPILLS: u32 = 3;

pub fn judge(mode: Mode, binding: &Binding, view: Option<BoundView>, cap: u32) -> Verdict {
    let Some(view) = view else {
        return Verdict::Yield("unusable");
    };
    match mode {
        Mode::Off => Verdict::Yield("off"),
        Mode::Strict if view.has_slot => Verdict::Use,
        Mode::Strict => Verdict::Wait,
        Mode::Bounded => {
            if matches!(view.tier, Tier::Risky | Tier::Banned) {
                Verdict::Yield("unhealthy")
            } else if view.bound > cap {
                Verdict::Yield("over_cap")
            } else if !view.has_slot && binding.spills + 1 >= MAX_SPILLS {
                Verdict::Yield("spilled")
            } else if !view.has_slot {
                Verdict::Spill
            } else {
                Verdict::Use
            }
        }
    }
}

/// Cap = max(1, ⌈1.25 × B / N⌉): B live bindings on schedulable accounts (the new one
/// included), N schedulable `healthy`/`warm` accounts.
pub fn cap(bindings: u32, accounts: u32) -> u32 {
    if accounts == 0 {
        return bindings.max(1);
    }
    let raw = (1.25 * f64::from(bindings) / f64::from(accounts)).ceil();
    (raw as u32).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn binding(spills: u32) -> Binding {
        Binding {
            account_id: 1,
            bound_at: 0,
            last_used: 0,
            spills,
        }
    }

    fn view(tier: Tier, has_slot: bool, bound: u32) -> Option<BoundView> {
        Some(BoundView {
            tier,
            has_slot,
            bound,
        })
    }

    #[test]
    fn binding_table() {
        use Verdict::*;
        let rows = [
            (Mode::Bounded, 0, view(Tier::Healthy, true, 3), Use),
            (Mode::Bounded, 0, view(Tier::Warm, true, 3), Use),
            (Mode::Bounded, 0, view(Tier::Healthy, false, 3), Spill),
            (
                Mode::Bounded,
                2,
                view(Tier::Healthy, false, 3),
                Yield("spilled"),
            ),
            (Mode::Bounded, 0, None, Yield("unusable")),
            (
                Mode::Bounded,
                0,
                view(Tier::Risky, true, 3),
                Yield("unhealthy"),
            ),
            (
                Mode::Bounded,
                0,
                view(Tier::Banned, true, 3),
                Yield("unhealthy"),
            ),
            (
                Mode::Bounded,
                0,
                view(Tier::Healthy, true, 6),
                Yield("over_cap"),
            ),
            (Mode::Strict, 0, view(Tier::Risky, true, 60), Use),
            (Mode::Strict, 5, view(Tier::Healthy, false, 60), Wait),
            (Mode::Strict, 0, None, Yield("unusable")),
        ];
        for (mode, spills, v, want) in rows {
            assert_eq!(
                judge(mode, &binding(spills), v, 5),
                want,
                "{mode:?} {spills} {v:?}"
            );
        }
    }

    #[test]
    fn cap_is_a_quarter_over_the_mean() {
        assert_eq!(cap(50, 5), 13);
        assert_eq!(cap(1, 5), 1);
        assert_eq!(cap(8, 4), 3);
        assert_eq!(cap(3, 0), 3);
        assert_eq!(Mode::parse("STRICT"), Mode::Strict);
        assert_eq!(Mode::parse("weird"), Mode::Bounded);
    }
}
