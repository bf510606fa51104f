//! The quota forecast (scheduling.md §3.2–§3.4): burn rate per window from successive
//! observations, and the reset, expiry, headroom, runway and reserve terms derived from it.

use serde::Serialize;

use super::clock::{clamp01, HOUR, SECOND};

const BURN_ALPHA: f64 = 0.3;
const MIN_SLOPE_GAP: i64 = 60 * SECOND;
const SAME_PERIOD: i64 = 60 * SECOND;
const DAY: i64 = 24 * HOUR;

/// One quota window (5h or 7d) as the forecast sees it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct WindowState {
    pub used: f64,
    /// Unix ms.
    pub reset_at: Option<i64>,
    pub observed_at: i64,
    /// Points per hour; 0 = unknown.
    pub burn: f64,
    #[serde(skip)]
    anchor: Option<(i64, f64)>,
}

impl WindowState {
    /// Folds in one observation; a new period (reset moved, or usage fell) resets the burn.
    pub fn observe(&mut self, used: f64, reset_at: Option<i64>, now: i64) {
        let same_period = match (self.reset_at, reset_at) {
            (Some(a), Some(b)) => (a - b).abs() <= SAME_PERIOD,
            (None, None) => true,
            _ => false,
        } && used >= self.used;
        if !same_period || self.anchor.is_none() {
            *self = WindowState {
                used,
                reset_at,
                observed_at: now,
                burn: 0.0,
                anchor: Some((now, used)),
            };
            return;
        }
        if let Some((at, prev)) = self.anchor {
            if now - at >= MIN_SLOPE_GAP {
                let slope = (used - prev) / ((now - at) as f64 / HOUR as f64);
                self.burn = if self.burn == 0.0 {
                    slope
                } else {
                    self.burn + BURN_ALPHA * (slope - self.burn)
                };
                self.anchor = Some((now, used));
            }
        }
        self.used = used;
        self.reset_at = reset_at;
        self.observed_at = now;
    }

    /// (h, T hours, R, L); `None` once the window has reset.
    fn projection(&self, now: i64) -> Option<(f64, f64, f64, f64)> {
        let reset = self.reset_at?;
        if reset <= now {
            return None;
        }
        let h = (100.0 - self.used).max(0.0);
        let t = (reset - now) as f64 / HOUR as f64;
        let b = self.burn.max(0.0);
        let r = if b == 0.0 { f64::INFINITY } else { h / b };
        Some((h, t, r, h - b * t))
    }
}

/// The quota inputs of one account.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct QuotaView {
    pub five_hour: Option<WindowState>,
    pub weekly: Option<WindowState>,
    pub subscription_ends_at: Option<i64>,
    /// Reserve thresholds in used percent (§3.4); `None` = off.
    pub reserve_5h: Option<f64>,
    pub reserve_7d: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ForecastTerms {
    pub reset_bonus_5h: f64,
    pub reset_bonus_7d: f64,
    pub expiry_bonus: f64,
    pub headroom_penalty: f64,
    pub runway_penalty: f64,
    pub reserve_penalty: f64,
    /// At or over a reserve threshold: not schedulable until reset.
    pub quota_paused: bool,
    /// Within 5 points below a threshold: concurrency capped at 1.
    pub reserve_band: bool,
}

impl ForecastTerms {
    pub fn net(&self) -> f64 {
        self.reset_bonus_5h + self.reset_bonus_7d + self.expiry_bonus
            - self.headroom_penalty
            - self.runway_penalty
            - self.reserve_penalty
    }
}

fn leftover_factor(l: f64) -> f64 {
    clamp01((l - 5.0) / 45.0)
}

pub fn terms(view: &QuotaView, now: i64) -> ForecastTerms {
    let mut out = ForecastTerms::default();
    let five = view.five_hour.as_ref().and_then(|w| w.projection(now));
    let week = view.weekly.as_ref().and_then(|w| w.projection(now));
    if let Some((_, t, _, l)) = five {
        out.reset_bonus_5h = 25.0 * clamp01(1.0 - t / 4.0) * leftover_factor(l);
    }
    if let Some((_, t, _, l)) = week {
        out.reset_bonus_7d = 80.0 * clamp01(1.0 - t / 72.0) * leftover_factor(l);
    }
    if let Some(ends) = view.subscription_ends_at.filter(|e| *e > now) {
        let base = if ends - now <= 3 * DAY {
            60.0
        } else if ends - now <= 7 * DAY {
            25.0
        } else {
            0.0
        };
        out.expiry_bonus = base * week.map_or(1.0, |(_, _, _, l)| leftover_factor(l));
    }
    let windows = [
        (view.five_hour, five, view.reserve_5h),
        (view.weekly, week, view.reserve_7d),
    ];
    let mut highest: f64 = 0.0;
    let mut runway: f64 = 0.0;
    for (state, projection, reserve) in windows {
        let (Some(state), Some((_, t, r, _))) = (state, projection) else {
            continue;
        };
        highest = highest.max(state.used);
        if t > 0.0 {
            runway = runway.max(clamp01(1.0 - r / t));
        }
        if let Some(threshold) = reserve {
            if state.used >= threshold {
                out.quota_paused = true;
            } else if state.used >= threshold - 5.0 {
                out.reserve_band = true;
                let depth = (state.used - (threshold - 5.0)) / 5.0;
                out.reserve_penalty = out.reserve_penalty.max(50.0 * clamp01(depth));
            }
        }
    }
    out.headroom_penalty = if highest >= 95.0 {
        30.0
    } else if highest >= 85.0 {
        18.0
    } else if highest >= 70.0 {
        8.0
    } else {
        0.0
    };
    out.runway_penalty = 30.0 * runway;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(used: f64, reset_in_h: f64, burn: f64, now: i64) -> WindowState {
        WindowState {
            used,
            reset_at: Some(now + (reset_in_h * HOUR as f64) as i64),
            observed_at: now,
            burn,
            anchor: Some((now, used)),
        }
    }

    #[test]
    fn use_it_before_it_resets() {
        let now = 1_000 * DAY;
        let a = QuotaView {
            weekly: Some(window(40.0, 10.0, 2.0, now)),
            ..QuotaView::default()
        };
        let b = QuotaView {
            weekly: Some(window(40.0, 120.0, 2.0, now)),
            ..QuotaView::default()
        };
        let ta = terms(&a, now);
        assert!(
            (ta.reset_bonus_7d - 53.6).abs() < 0.5,
            "{}",
            ta.reset_bonus_7d
        );
        assert_eq!(terms(&b, now).reset_bonus_7d, 0.0);
        // Burning fast enough to use the quota removes the pull.
        let fast = QuotaView {
            weekly: Some(window(40.0, 10.0, 5.5, now)),
            ..QuotaView::default()
        };
        assert!(terms(&fast, now).reset_bonus_7d < 5.0);
    }

    #[test]
    fn burn_rate_is_an_ewma_of_slopes_and_resets_per_period() {
        let now = 1_000 * DAY;
        let reset = Some(now + 5 * HOUR);
        let mut w = WindowState::default();
        w.observe(10.0, reset, now);
        w.observe(11.0, reset, now + 30 * SECOND);
        assert_eq!(w.burn, 0.0, "observations closer than 60 s give no slope");
        w.observe(12.0, reset, now + HOUR);
        assert!((w.burn - 2.0).abs() < 1e-9);
        w.observe(16.0, reset, now + 2 * HOUR);
        assert!((w.burn - (2.0 + 0.3 * (4.0 - 2.0))).abs() < 1e-9);
        w.observe(1.0, Some(now + 10 * HOUR), now + 3 * HOUR);
        assert_eq!(w.burn, 0.0, "a new period starts over");
    }

    #[test]
    fn headroom_runway_expiry_and_reserve() {
        let now = 1_000 * DAY;
        let view = QuotaView {
            five_hour: Some(window(90.0, 4.0, 5.0, now)),
            weekly: Some(window(72.0, 100.0, 0.0, now)),
            subscription_ends_at: Some(now + 2 * DAY),
            reserve_5h: Some(93.0),
            reserve_7d: None,
        };
        let t = terms(&view, now);
        assert_eq!(t.headroom_penalty, 18.0);
        // R = 10/5 = 2 h, T = 4 h → 30 × 0.5.
        assert!((t.runway_penalty - 15.0).abs() < 1e-9);
        assert!(t.reserve_band && !t.quota_paused);
        assert!((t.reserve_penalty - 20.0).abs() < 1e-9);
        assert!(t.expiry_bonus > 0.0);
        let over = QuotaView {
            reserve_5h: Some(90.0),
            ..view
        };
        assert!(terms(&over, now).quota_paused);
    }
}
