//! Runtime business settings: stored in the `settings` table, defaults written on first
//! start, edited from the dashboard without a restart. Names follow codex2api's
//! `/api/admin/settings` keys where the feature exists.

use crate::store::{SettingsRepo, StoreResult};

/// `(key, default value as JSON text)`. Values are JSON so numbers, booleans and objects
/// keep their type through the admin API.
pub const DEFAULTS: &[(&str, &str)] = &[
    ("max_concurrency", "2"),
    ("global_rpm", "0"),
    ("max_retries", "2"),
    ("max_rate_limit_retries", "1"),
    ("affinity_mode", "\"bounded\""),
    ("affinity_ttl_seconds", "3600"),
    ("background_refresh_interval_minutes", "2"),
    ("usage_probe_max_age_minutes", "10"),
    ("test_model", "\"gpt-5.4-mini\""),
    ("test_content", "\"hi\""),
    ("model_mapping", "{}"),
    ("codex_model_mapping", "{}"),
    ("client_compat_mode", "\"preserve\""),
    ("usage_log_batch_size", "200"),
    ("usage_log_flush_interval_seconds", "5"),
    ("usage_log_retention_days", "30"),
    ("proxy_url", "\"\""),
];

/// Writes every default whose key is missing; existing values are never touched.
/// Returns how many keys were written.
pub async fn write_defaults(repo: &dyn SettingsRepo) -> StoreResult<usize> {
    let mut written = 0;
    for (key, value) in DEFAULTS {
        if repo.put_setting_if_absent(key, value).await? {
            written += 1;
        }
    }
    Ok(written)
}
