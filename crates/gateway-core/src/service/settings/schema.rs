//! The schema of the runtime settings for the admin API: the type, bounds and help text of
//! every key in [`super::DEFAULTS`], and the validation `PUT /api/admin/settings` applies.

use serde::Serialize;
use serde_json::Value;

/// The JSON type a setting holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub enum SettingType {
    Integer,
    Boolean,
    String,
    /// A string from `options`.
    Enum,
    /// A JSON object (model mappings).
    Json,
}

/// One row of the schema table.
#[derive(Debug, Clone, Copy)]
pub struct SettingSpec {
    pub key: &'static str,
    pub kind: SettingType,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub options: &'static [&'static str],
    /// `null` is allowed (the feature is off).
    pub nullable: bool,
    pub help: &'static str,
}

const fn spec_of(key: &'static str, kind: SettingType, help: &'static str) -> SettingSpec {
    SettingSpec {
        key,
        kind,
        min: None,
        max: None,
        options: &[],
        nullable: false,
        help,
    }
}

const fn int(key: &'static str, min: i64, max: i64, help: &'static str) -> SettingSpec {
    SettingSpec {
        min: Some(min),
        max: Some(max),
        ..spec_of(key, SettingType::Integer, help)
    }
}

/// An integer that may be `null` (the feature is off).
const fn optional_int(key: &'static str, min: i64, max: i64, help: &'static str) -> SettingSpec {
    SettingSpec {
        nullable: true,
        ..int(key, min, max, help)
    }
}

const fn flag(key: &'static str, help: &'static str) -> SettingSpec {
    spec_of(key, SettingType::Boolean, help)
}

const fn text(key: &'static str, help: &'static str) -> SettingSpec {
    spec_of(key, SettingType::String, help)
}

const fn choice(
    key: &'static str,
    options: &'static [&'static str],
    help: &'static str,
) -> SettingSpec {
    SettingSpec {
        options,
        ..spec_of(key, SettingType::Enum, help)
    }
}

const fn object(key: &'static str, help: &'static str) -> SettingSpec {
    spec_of(key, SettingType::Json, help)
}

/// Every key of `DEFAULTS`, in the order the dashboard shows them (a test keeps the two
/// tables in step).
pub const SETTINGS: &[SettingSpec] = &[
    int("max_concurrency", 0, 1000, "Requests one account serves at the same time; 0 = unlimited."),
    int("global_rpm", 0, 1_000_000, "Requests per minute across the whole gateway; 0 = unlimited."),
    int("max_retries", 0, 10, "Other accounts tried after a failure, before any byte reached the client."),
    int("max_rate_limit_retries", 0, 10, "Other accounts tried after a rate limit (429)."),
    choice("affinity_mode", &["off", "bounded", "strict"], "How strongly a conversation sticks to one account."),
    int("affinity_ttl_seconds", 0, 604_800, "How long a conversation remembers its account."),
    int("background_refresh_interval_minutes", 1, 1440, "How often tokens close to expiry are refreshed."),
    int("usage_probe_max_age_minutes", 1, 1440, "An idle account's quota older than this is re-read."),
    text("test_model", "Model used by the account test."),
    text("test_content", "Prompt sent by the account test."),
    object("model_mapping", "Claude model names to upstream models, e.g. {\"claude-*\": \"gpt-5\"}."),
    object("codex_model_mapping", "Model names rewritten on the Codex/OpenAI routes."),
    choice("client_compat_mode", &["preserve", "auto", "force"], "Client identity sent upstream: preserve keeps official clients as they are, auto replaces old ones, force replaces all."),
    choice("usage_log_mode", &["full", "off"], "full: one usage-log row per request; off: only metrics, no rows (for measuring the log's cost)."),
    int("usage_log_batch_size", 1, 10_000, "Request log rows written per database write."),
    int("usage_log_flush_interval_seconds", 1, 3600, "Longest a request log row waits before it is written."),
    int("usage_log_retention_days", 0, 3650, "Request log rows older than this are deleted; 0 = keep forever."),
    text("proxy_url", "Default outbound proxy for accounts without their own (http, https, socks5); empty = none."),
    int("max_account_switches", 0, 10, "Most accounts one request may switch to after failures."),
    flag("skip_warm_tier", "Treat warm accounts as healthy (skip the warm-up tier)."),
    optional_int("pinned_account_id", 1, i64::MAX, "The account every request goes to while usable; set it with Pin on the Accounts page. Empty = automatic."),
    int("queue_timeout_seconds", 0, 3600, "How long a request waits for a free account before it fails."),
    optional_int("quota_reserve_5h_percent", 1, 100, "Pause an account when its 5h window reaches this percent; empty = off."),
    optional_int("quota_reserve_7d_percent", 1, 100, "Pause an account when its 7d window reaches this percent; empty = off."),
    int("slow_start_commit_ms", 0, 600_000, "A streaming answer with no content after this many milliseconds starts anyway and keeps the connection alive every half of it; 0 = never."),
];

pub fn spec(key: &str) -> Option<&'static SettingSpec> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Checks one value against its spec; the error is a sentence for the admin.
pub fn validate(spec: &SettingSpec, value: &Value) -> Result<(), String> {
    let key = spec.key;
    if value.is_null() {
        return if spec.nullable {
            Ok(())
        } else {
            Err(format!("{key} must not be empty"))
        };
    }
    match spec.kind {
        SettingType::Integer => {
            let n = value
                .as_i64()
                .ok_or_else(|| format!("{key} must be a whole number"))?;
            if let Some(min) = spec.min.filter(|min| n < *min) {
                return Err(format!("{key} must be at least {min}"));
            }
            if let Some(max) = spec.max.filter(|max| n > *max) {
                return Err(format!("{key} must be at most {max}"));
            }
        }
        SettingType::Boolean if !value.is_boolean() => {
            return Err(format!("{key} must be true or false"))
        }
        SettingType::String => {
            let s = value
                .as_str()
                .ok_or_else(|| format!("{key} must be text"))?;
            if key == "proxy_url" && !s.trim().is_empty() {
                let url = url::Url::parse(s.trim()).map_err(|_| format!("{key} is not a URL"))?;
                if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
                    return Err(format!("{key} must be http, https, socks5 or socks5h"));
                }
            }
        }
        SettingType::Enum => {
            let s = value.as_str().unwrap_or_default();
            if !spec.options.contains(&s) {
                return Err(format!("{key} must be one of {}", spec.options.join(", ")));
            }
        }
        SettingType::Json => {
            let map = value
                .as_object()
                .ok_or_else(|| format!("{key} must be a JSON object"))?;
            if map.values().any(|v| !v.is_string()) {
                return Err(format!("{key} must map names to model names (strings)"));
            }
        }
        SettingType::Boolean => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn schema_covers_every_default_and_defaults_validate() {
        for (key, default) in super::super::DEFAULTS {
            let spec = spec(key).unwrap_or_else(|| panic!("no schema row for {key}"));
            let value: Value = serde_json::from_str(default).unwrap_or(Value::Null);
            assert_eq!(validate(spec, &value), Ok(()), "default of {key}");
        }
        assert_eq!(SETTINGS.len(), super::super::DEFAULTS.len());
    }

    #[test]
    fn rejects_wrong_types_and_bounds() {
        let get = |key: &str| spec(key).expect("schema row");
        let max = get("max_concurrency");
        assert!(validate(max, &json!("2")).is_err());
        assert!(validate(max, &json!(-1)).is_err());
        assert!(validate(max, &json!(null)).is_err());
        assert!(validate(max, &json!(3)).is_ok());
        assert!(validate(get("affinity_mode"), &json!("sometimes")).is_err());
        assert!(validate(get("proxy_url"), &json!("ftp://x")).is_err());
        assert!(validate(get("proxy_url"), &json!("")).is_ok());
        assert!(validate(get("model_mapping"), &json!({"claude-*": 5})).is_err());
        assert!(validate(get("quota_reserve_5h_percent"), &json!(null)).is_ok());
        assert!(validate(get("quota_reserve_5h_percent"), &json!(101)).is_err());
    }
}
