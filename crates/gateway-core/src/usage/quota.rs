//! Quota observations: what the upstream says about an account's rate-limit windows, read
//! from the `x-codex-*` response headers (upstream.md §5.1) or a `wham/usage` body (§5.5).
//! Pure parsing; [`super::quota_book`] keeps the latest view and persists it.

use axum::http::HeaderMap;
use serde_json::Value;

use crate::store::QuotaWindowKind;
use crate::upstream::timestamp::parse_rfc3339;

/// One window as observed.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservedWindow {
    pub kind: QuotaWindowKind,
    pub used_percent: f64,
    pub window_minutes: i64,
    /// Unix ms: `reset-at`, else observed time + `reset-after-seconds`.
    pub reset_at: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credits {
    pub has_credits: Option<bool>,
    pub unlimited: Option<bool>,
    pub balance: Option<String>,
}

/// Everything one response or probe said about the account's quota.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaObservation {
    /// Unix ms.
    pub observed_at: i64,
    /// At most one window per kind: the most used one when the upstream sent two.
    pub windows: Vec<ObservedWindow>,
    pub plan_type: Option<String>,
    pub credits: Option<Credits>,
    /// `x-codex-rate-limit-reached-type` / `rate_limit_reached_type.type`.
    pub limit_reached_type: Option<String>,
    /// The probe's `rate_limit.limit_reached`; headers do not carry it.
    pub limit_reached: bool,
}

impl QuotaObservation {
    /// Only an observation with a 5h or 7d window describes the account's quota; one without
    /// a 5h window then means the account has none (upstream.md §5.1).
    pub fn is_authoritative(&self) -> bool {
        self.windows
            .iter()
            .any(|w| matches!(w.kind, QuotaWindowKind::FiveHour | QuotaWindowKind::Weekly))
    }

    pub fn window(&self, kind: QuotaWindowKind) -> Option<&ObservedWindow> {
        self.windows.iter().find(|w| w.kind == kind)
    }

    fn is_empty(&self) -> bool {
        self.windows.is_empty()
            && self.plan_type.is_none()
            && self.credits.is_none()
            && self.limit_reached_type.is_none()
    }

    /// Keeps one window per kind, the most used: two windows of the same class (which the
    /// backend does not send today) must not make the account look emptier than it is.
    fn push_window(&mut self, window: ObservedWindow) {
        match self.windows.iter_mut().find(|w| w.kind == window.kind) {
            Some(existing) if existing.used_percent >= window.used_percent => {}
            Some(existing) => *existing = window,
            None => self.windows.push(window),
        }
    }
}

/// Reads the codex family of rate-limit headers. `None` when the response carried none.
pub fn from_headers(headers: &HeaderMap, observed_at: i64) -> Option<QuotaObservation> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let mut obs = QuotaObservation {
        observed_at,
        windows: Vec::new(),
        plan_type: get("x-codex-plan-type").map(str::to_owned),
        credits: None,
        limit_reached_type: get("x-codex-rate-limit-reached-type").map(str::to_owned),
        limit_reached: false,
    };
    for slot in ["primary", "secondary"] {
        let used = get(&format!("x-codex-{slot}-used-percent")).and_then(|v| v.parse().ok());
        let minutes = get(&format!("x-codex-{slot}-window-minutes")).and_then(|v| v.parse().ok());
        let reset_at = get(&format!("x-codex-{slot}-reset-at")).and_then(|v| v.parse().ok());
        let reset_after =
            get(&format!("x-codex-{slot}-reset-after-seconds")).and_then(|v| v.parse::<f64>().ok());
        if let Some(w) = window(used, minutes, reset_at, reset_after, observed_at) {
            obs.push_window(w);
        }
    }
    let has = get("x-codex-credits-has-credits").and_then(parse_flag);
    let unlimited = get("x-codex-credits-unlimited").and_then(parse_flag);
    let balance = get("x-codex-credits-balance").map(str::to_owned);
    if has.is_some() || unlimited.is_some() || balance.is_some() {
        obs.credits = Some(Credits {
            has_credits: has,
            unlimited,
            balance,
        });
    }
    (!obs.is_empty()).then_some(obs)
}

/// Reads a `wham/usage` body (snake_case or camelCase). `None` when it holds nothing usable.
pub fn from_wham_usage(body: &Value, observed_at: i64) -> Option<QuotaObservation> {
    let mut obs = QuotaObservation {
        observed_at,
        windows: Vec::new(),
        plan_type: field(body, "plan_type")
            .and_then(Value::as_str)
            .map(str::to_owned),
        credits: None,
        limit_reached_type: field(body, "rate_limit_reached_type")
            .and_then(|t| field(t, "type").or(Some(t)))
            .and_then(Value::as_str)
            .map(str::to_owned),
        limit_reached: false,
    };
    if let Some(rate) = field(body, "rate_limit") {
        obs.limit_reached = field(rate, "limit_reached")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        for slot in ["primary_window", "secondary_window"] {
            let Some(w) = field(rate, slot) else { continue };
            let used = field(w, "used_percent").and_then(number);
            let seconds = field(w, "limit_window_seconds").and_then(number);
            // A window shorter than a minute still counts as a (short) window.
            let minutes = seconds.map(|s| (s / 60.0).ceil() as i64);
            let reset_at = field(w, "reset_at").and_then(unix_seconds);
            let reset_after = field(w, "reset_after_seconds").and_then(number);
            if let Some(w) = window(used, minutes, reset_at, reset_after, observed_at) {
                obs.push_window(w);
            }
        }
    }
    if let Some(c) = field(body, "credits") {
        obs.credits = Some(Credits {
            has_credits: field(c, "has_credits").and_then(Value::as_bool),
            unlimited: field(c, "unlimited").and_then(Value::as_bool),
            balance: field(c, "balance").and_then(|b| match b {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
        });
    }
    (!obs.is_empty()).then_some(obs)
}

/// A window counts only if used-percent and window-minutes both parse and the window is
/// longer than zero (upstream.md §5.1).
fn window(
    used: Option<f64>,
    minutes: Option<i64>,
    reset_at_secs: Option<i64>,
    reset_after_secs: Option<f64>,
    observed_at: i64,
) -> Option<ObservedWindow> {
    let used = used.filter(|u| u.is_finite())?;
    let minutes = minutes?;
    let kind = QuotaWindowKind::classify(minutes)?;
    let reset_at = reset_at_secs
        .filter(|s| *s > 0)
        .map(|s| s.saturating_mul(1000))
        .or_else(|| {
            reset_after_secs
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| observed_at + (s * 1000.0) as i64)
        });
    Some(ObservedWindow {
        kind,
        used_percent: used.max(0.0),
        window_minutes: minutes,
        reset_at,
    })
}

/// `true`/`false` in any case, or `1`/`0`.
fn parse_flag(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `snake_case` key, else its camelCase spelling.
fn field<'a>(v: &'a Value, snake: &str) -> Option<&'a Value> {
    if let Some(found) = v.get(snake).filter(|f| !f.is_null()) {
        return Some(found);
    }
    let mut camel = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            camel.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    v.get(camel).filter(|f| !f.is_null())
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Unix seconds as a number, a numeric string, or an RFC 3339 string.
fn unix_seconds(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse().ok().or_else(|| parse_rfc3339(s)),
        other => number(other).map(|n| n as i64),
    }
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
