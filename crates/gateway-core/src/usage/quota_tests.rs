//! Header and `wham/usage` parsing against the cases of upstream.md §5.1 and §5.5.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use super::*;

const NOW: i64 = 1_767_000_000_000;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    h
}

#[test]
fn windows_are_classified_by_length_not_position() {
    let h = headers(&[
        ("x-codex-primary-used-percent", "42.5"),
        ("x-codex-primary-window-minutes", "10080"),
        ("x-codex-primary-reset-at", "1767600000"),
        ("x-codex-secondary-used-percent", "7"),
        ("x-codex-secondary-window-minutes", "300"),
        ("x-codex-secondary-reset-after-seconds", "120"),
        ("x-codex-plan-type", "plus"),
    ]);
    let obs = from_headers(&h, NOW).unwrap();
    assert!(obs.is_authoritative());
    let weekly = obs.window(QuotaWindowKind::Weekly).unwrap();
    assert_eq!(weekly.used_percent, 42.5);
    assert_eq!(weekly.window_minutes, 10080);
    assert_eq!(weekly.reset_at, Some(1_767_600_000_000));
    let five = obs.window(QuotaWindowKind::FiveHour).unwrap();
    assert_eq!(five.used_percent, 7.0);
    assert_eq!(
        five.reset_at,
        Some(NOW + 120_000),
        "falls back to reset-after"
    );
    assert_eq!(obs.plan_type.as_deref(), Some("plus"));
}

#[test]
fn class_boundaries() {
    assert_eq!(
        QuotaWindowKind::classify(1440),
        Some(QuotaWindowKind::Weekly)
    );
    assert_eq!(
        QuotaWindowKind::classify(1439),
        Some(QuotaWindowKind::FiveHour)
    );
    assert_eq!(
        QuotaWindowKind::classify(60),
        Some(QuotaWindowKind::FiveHour)
    );
    assert_eq!(QuotaWindowKind::classify(59), Some(QuotaWindowKind::Short));
    assert_eq!(QuotaWindowKind::classify(1), Some(QuotaWindowKind::Short));
    assert_eq!(QuotaWindowKind::classify(0), None);
}

#[test]
fn a_window_needs_both_used_percent_and_a_positive_length() {
    let h = headers(&[
        ("x-codex-primary-used-percent", "50"),
        ("x-codex-primary-window-minutes", "0"),
        ("x-codex-secondary-used-percent", "oops"),
        ("x-codex-secondary-window-minutes", "300"),
    ]);
    assert_eq!(from_headers(&h, NOW), None, "nothing usable at all");
    let h = headers(&[
        ("x-codex-primary-used-percent", "3"),
        ("x-codex-primary-window-minutes", "15"),
    ]);
    let obs = from_headers(&h, NOW).unwrap();
    assert!(
        !obs.is_authoritative(),
        "a short window alone is display-only"
    );
    assert_eq!(obs.windows.len(), 1);
    assert_eq!(obs.window(QuotaWindowKind::Short).unwrap().reset_at, None);
}

#[test]
fn two_windows_of_one_class_keep_the_more_used() {
    let h = headers(&[
        ("x-codex-primary-used-percent", "10"),
        ("x-codex-primary-window-minutes", "300"),
        ("x-codex-secondary-used-percent", "90"),
        ("x-codex-secondary-window-minutes", "240"),
    ]);
    let obs = from_headers(&h, NOW).unwrap();
    assert_eq!(obs.windows.len(), 1);
    assert_eq!(obs.windows[0].used_percent, 90.0);
}

#[test]
fn credits_flags_accept_any_case_and_digits() {
    let h = headers(&[
        ("x-codex-credits-has-credits", "TRUE"),
        ("x-codex-credits-unlimited", "0"),
        ("x-codex-credits-balance", "12.50"),
        ("x-codex-rate-limit-reached-type", "rate_limit_reached"),
    ]);
    let obs = from_headers(&h, NOW).unwrap();
    let c = obs.credits.unwrap();
    assert_eq!((c.has_credits, c.unlimited), (Some(true), Some(false)));
    assert_eq!(c.balance.as_deref(), Some("12.50"));
    assert_eq!(
        obs.limit_reached_type.as_deref(),
        Some("rate_limit_reached")
    );
    assert!(from_headers(&HeaderMap::new(), NOW).is_none());
}

#[test]
fn wham_usage_body_is_read_like_the_headers() {
    let body = json!({
        "plan_type": "pro",
        "rate_limit": {
            "allowed": true,
            "limit_reached": false,
            "primary_window": {"used_percent": 12, "limit_window_seconds": 18000,
                               "reset_after_seconds": 600, "reset_at": 1767003600},
            "secondary_window": {"used_percent": 100, "limit_window_seconds": 604800,
                                 "reset_after_seconds": 9000}
        },
        "credits": {"has_credits": false, "unlimited": false, "balance": 0}
    });
    let obs = from_wham_usage(&body, NOW).unwrap();
    assert_eq!(obs.plan_type.as_deref(), Some("pro"));
    let five = obs.window(QuotaWindowKind::FiveHour).unwrap();
    assert_eq!((five.used_percent, five.window_minutes), (12.0, 300));
    assert_eq!(five.reset_at, Some(1_767_003_600_000), "reset_at wins");
    let weekly = obs.window(QuotaWindowKind::Weekly).unwrap();
    assert_eq!((weekly.used_percent, weekly.window_minutes), (100.0, 10080));
    assert_eq!(weekly.reset_at, Some(NOW + 9_000_000));
    assert_eq!(obs.credits.unwrap().balance.as_deref(), Some("0"));
}

#[test]
fn wham_usage_accepts_camel_case_and_rfc3339() {
    let body = json!({
        "planType": "team",
        "rateLimit": {"primaryWindow": {"usedPercent": "55", "limitWindowSeconds": 604800,
                                        "resetAt": "2026-01-01T00:00:00Z"}},
        "rateLimitReachedType": {"type": "workspace_member_usage_limit_reached"}
    });
    let obs = from_wham_usage(&body, NOW).unwrap();
    assert_eq!(obs.plan_type.as_deref(), Some("team"));
    let weekly = obs.window(QuotaWindowKind::Weekly).unwrap();
    assert_eq!(weekly.used_percent, 55.0);
    assert_eq!(weekly.reset_at, Some(1_767_225_600_000));
    assert_eq!(
        obs.limit_reached_type.as_deref(),
        Some("workspace_member_usage_limit_reached")
    );
    assert!(from_wham_usage(&json!({"unrelated": 1}), NOW).is_none());
}
