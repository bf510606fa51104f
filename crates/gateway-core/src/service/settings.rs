//! Runtime business settings: stored in the `settings` table, defaults written on first
//! start, edited from the dashboard without a restart. Names follow codex2api's
//! `/api/admin/settings` keys where the feature exists.

use crate::store::{SettingsRepo, StoreResult};

pub mod schema;

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
    ("usage_log_mode", "\"full\""),
    ("usage_log_batch_size", "200"),
    ("usage_log_flush_interval_seconds", "5"),
    ("usage_log_retention_days", "30"),
    ("proxy_url", "\"\""),
    ("max_account_switches", "3"),
    ("skip_warm_tier", "false"),
    ("pinned_account_id", "null"),
    ("queue_timeout_seconds", "30"),
    ("quota_reserve_5h_percent", "null"),
    ("quota_reserve_7d_percent", "null"),
    ("slow_start_commit_ms", "20000"),
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

/// The runtime settings the hot path reads, parsed once per change rather than per request.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeSettings {
    /// Per-account in-flight limit; 0 = unlimited.
    pub max_concurrency: u32,
    /// Extra accounts tried after the first failure before the first byte.
    pub max_retries: u32,
    pub global_rpm: u32,
    pub test_model: String,
    pub test_content: String,
    /// Ordered `(pattern, target)` pairs from `model_mapping`.
    pub model_mapping: Vec<(String, String)>,
    /// Usage rows per database write.
    /// `full` writes a row per request; `off` keeps only metrics (codex2api's name).
    pub usage_log_enabled: bool,
    pub usage_log_batch_size: u32,
    /// Longest a usage row waits before being written.
    pub usage_log_flush_interval_seconds: u32,
    /// Raw usage rows older than this are purged (rollups are kept); 0 = keep forever.
    pub usage_log_retention_days: u32,
    /// An idle account's quota snapshot older than this is refreshed by a probe.
    pub usage_probe_max_age_minutes: u32,
    /// A stream with no content this long after it was sent upstream commits early and
    /// sends keep-alives every half of it (translation.md §10 rule 4); 0 = never.
    pub slow_start_commit_ms: u32,
    pub scheduler: crate::scheduler::settings::SchedulerSettings,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        RuntimeSettings::from_pairs(&[])
    }
}

impl RuntimeSettings {
    /// Reads the stored `(key, JSON value)` pairs; missing or malformed values fall back to
    /// the defaults, so one bad value cannot stop the gateway.
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |key: &str| -> serde_json::Value {
            let stored = pairs
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str());
            let default = DEFAULTS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
            stored
                .and_then(|v| serde_json::from_str(v).ok())
                .or_else(|| default.and_then(|v| serde_json::from_str(v).ok()))
                .unwrap_or(serde_json::Value::Null)
        };
        let num = |key: &str| {
            get(key)
                .as_u64()
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
                .unwrap_or(0)
        };
        let text = |key: &str| get(key).as_str().unwrap_or_default().to_owned();
        let model_mapping = match get("model_mapping") {
            serde_json::Value::Object(map) => map
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_owned())))
                .collect(),
            _ => Vec::new(),
        };
        RuntimeSettings {
            max_concurrency: num("max_concurrency"),
            max_retries: num("max_retries"),
            global_rpm: num("global_rpm"),
            test_model: text("test_model"),
            test_content: text("test_content"),
            model_mapping,
            usage_log_enabled: text("usage_log_mode") != "off",
            usage_log_batch_size: num("usage_log_batch_size"),
            usage_log_flush_interval_seconds: num("usage_log_flush_interval_seconds"),
            usage_log_retention_days: num("usage_log_retention_days"),
            usage_probe_max_age_minutes: num("usage_probe_max_age_minutes"),
            slow_start_commit_ms: num("slow_start_commit_ms"),
            scheduler: crate::scheduler::settings::SchedulerSettings::read(&get),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_stored_values_win() {
        let d = RuntimeSettings::default();
        assert_eq!(d.max_concurrency, 2);
        assert_eq!(d.max_retries, 2);
        assert_eq!(d.test_model, "gpt-5.4-mini");
        let stored = vec![
            ("max_concurrency".to_owned(), "7".to_owned()),
            ("max_retries".to_owned(), "not json".to_owned()),
            (
                "model_mapping".to_owned(),
                r#"{"claude-*":"gpt-5.5"}"#.to_owned(),
            ),
        ];
        let s = RuntimeSettings::from_pairs(&stored);
        assert_eq!(s.max_concurrency, 7);
        assert_eq!(
            s.max_retries, 2,
            "a malformed value falls back to the default"
        );
        assert_eq!(
            s.model_mapping,
            vec![("claude-*".to_owned(), "gpt-5.5".to_owned())]
        );
    }
}
