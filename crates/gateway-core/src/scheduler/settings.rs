//! The scheduler's runtime settings (stored in the `settings` table, defaults in
//! `service::settings::DEFAULTS`), parsed once per settings change.

use super::policy::affinity::Mode;

#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerSettings {
    /// Per-account base concurrency; 0 = unlimited (scheduling.md §4).
    pub max_concurrency: u32,
    pub affinity_mode: Mode,
    pub affinity_ttl_seconds: u64,
    /// Switches per request that use the budget; quota 429s are free (§8).
    pub max_account_switches: u32,
    pub skip_warm_tier: bool,
    /// Every request goes to this account while it is usable (§1).
    pub pinned_account_id: Option<i64>,
    /// How long a request waits for a slot when every candidate is busy (§5 step 8).
    pub queue_timeout_seconds: u64,
    pub quota_reserve_5h_percent: Option<f64>,
    pub quota_reserve_7d_percent: Option<f64>,
}

impl Default for SchedulerSettings {
    fn default() -> Self {
        crate::service::settings::RuntimeSettings::default().scheduler
    }
}

impl SchedulerSettings {
    /// `get` returns a setting's JSON value (stored, else default, else null).
    pub fn read(get: &dyn Fn(&str) -> serde_json::Value) -> Self {
        let num = |key: &str| get(key).as_u64().unwrap_or(0);
        SchedulerSettings {
            max_concurrency: u32::try_from(num("max_concurrency")).unwrap_or(u32::MAX),
            affinity_mode: Mode::parse(get("affinity_mode").as_str().unwrap_or_default()),
            affinity_ttl_seconds: num("affinity_ttl_seconds").max(1),
            max_account_switches: u32::try_from(num("max_account_switches")).unwrap_or(3),
            skip_warm_tier: get("skip_warm_tier").as_bool().unwrap_or(false),
            pinned_account_id: get("pinned_account_id").as_i64().filter(|id| *id > 0),
            queue_timeout_seconds: num("queue_timeout_seconds"),
            quota_reserve_5h_percent: get("quota_reserve_5h_percent").as_f64(),
            quota_reserve_7d_percent: get("quota_reserve_7d_percent").as_f64(),
        }
    }
}
