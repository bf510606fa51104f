//! The dispatch score (scheduling.md §3): health plus plan weight plus the forecast terms.

use serde::Serialize;

use super::forecast::ForecastTerms;
use super::health::Tier;

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct DispatchScore {
    pub total: f64,
    pub health: f64,
    pub plan_weight: f64,
    #[serde(flatten)]
    pub forecast: ForecastTerms,
}

/// +50 for paid plans (§3.1), only for `healthy` and `warm`; `bias_override` replaces it.
pub fn plan_weight(plan: Option<&str>, bias_override: Option<f64>, tier: Tier) -> f64 {
    if !matches!(tier, Tier::Healthy | Tier::Warm) {
        return 0.0;
    }
    if let Some(bias) = bias_override {
        return bias;
    }
    match plan.map(str::to_ascii_lowercase).as_deref() {
        Some("plus" | "pro" | "team" | "k12") => 50.0,
        _ => 0.0,
    }
}

pub fn score(health: f64, plan_weight: f64, forecast: ForecastTerms) -> DispatchScore {
    DispatchScore {
        total: health + plan_weight + forecast.net(),
        health,
        plan_weight,
        forecast,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_weight_applies_to_healthy_and_warm_only() {
        assert_eq!(plan_weight(Some("plus"), None, Tier::Healthy), 50.0);
        assert_eq!(plan_weight(Some("Team"), None, Tier::Warm), 50.0);
        assert_eq!(plan_weight(Some("free"), None, Tier::Healthy), 0.0);
        assert_eq!(plan_weight(Some("pro"), None, Tier::Risky), 0.0);
        assert_eq!(plan_weight(Some("free"), Some(12.0), Tier::Healthy), 12.0);
        let s = score(
            100.0,
            50.0,
            ForecastTerms {
                headroom_penalty: 8.0,
                ..Default::default()
            },
        );
        assert_eq!(s.total, 142.0);
    }
}
