//! `/metrics`: protected by the admin secret unless `METRICS_PUBLIC`, valid Prometheus text
//! (checked by a strict line parser written here), and counters equal to what was recorded.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use gateway_core::secrets::SecretString;
use gateway_core::store::NewUsageLog;
use gateway_core::AppState;
use tower::ServiceExt;

const ADMIN: &str = "metrics-test-admin-secret";

async fn scrape(state: &AppState, key: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::builder().uri("/metrics");
    if let Some(key) = key {
        req = req.header("authorization", format!("Bearer {key}"));
    }
    let resp = gateway_core::build_router(state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// One sample: metric name and sorted labels.
type Series = (String, BTreeMap<String, String>);

/// Parses the text format strictly: every sample's family must have been declared by a
/// `# TYPE` line before it, names and label syntax must be valid, values must parse, and
/// no series may repeat.
fn parse(text: &str) -> BTreeMap<Series, f64> {
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert!(
                types.insert(name.to_owned(), kind.to_owned()).is_none(),
                "duplicate TYPE {name}"
            );
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(
            !line.is_empty() && !line.starts_with('#'),
            "unexpected line {line:?}"
        );
        let (series, value) = line.rsplit_once(' ').unwrap();
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').unwrap())),
            None => (series, BTreeMap::new()),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{name}"
        );
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| {
                name.strip_suffix(s)
                    .filter(|f| types.get(*f).is_some_and(|k| k == "histogram"))
            })
            .unwrap_or(name);
        assert!(
            types.contains_key(family),
            "sample {name} before its TYPE line"
        );
        assert!(
            samples.insert((name.to_owned(), labels), value).is_none(),
            "duplicate {line}"
        );
    }
    samples
}

fn parse_labels(raw: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").unwrap();
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            let (i, c) = chars.next().expect("unterminated label value");
            match c {
                '\\' => value.push(match chars.next().unwrap().1 {
                    'n' => '\n',
                    other => other,
                }),
                '"' => break i,
                c => value.push(c),
            }
        };
        assert!(out.insert(key.to_owned(), value).is_none());
        rest = after[end + 1..]
            .strip_prefix(',')
            .unwrap_or(&after[end + 1..]);
    }
    out
}

fn get(samples: &BTreeMap<Series, f64>, name: &str, labels: &[(&str, &str)]) -> f64 {
    let key: Series = (
        name.to_owned(),
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    *samples.get(&key).unwrap_or_else(|| panic!("no {key:?}"))
}

#[tokio::test]
async fn metrics_count_what_was_recorded() {
    let (state, _dir) =
        common::state_with(|c| c.admin_secret = Some(SecretString::new(ADMIN))).await;
    let (status, _) = scrape(&state, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let row = |status: i64, model: &str, ms: i64| NewUsageLog {
        endpoint: "/v1/responses".to_owned(),
        effective_model: Some(model.to_owned()),
        status_code: status,
        input_tokens: 100,
        cached_tokens: 40,
        output_tokens: 10,
        reasoning_tokens: 3,
        duration_ms: ms,
        first_token_ms: Some(ms / 10),
        ..NewUsageLog::default()
    };
    state.usage().record(row(200, "gpt-5", 300));
    state.usage().record(row(200, "gpt-5", 3_000));
    state.usage().record(row(429, "gpt-5", 50));
    state.usage().record(row(200, "quoted\"model", 400_000));
    let mut headers = HeaderMap::new();
    for (k, v) in [
        ("x-codex-primary-used-percent", "37.5"),
        ("x-codex-primary-window-minutes", "300"),
        ("x-codex-secondary-used-percent", "80"),
        ("x-codex-secondary-window-minutes", "10080"),
    ] {
        headers.insert(k, HeaderValue::from_static(v));
    }
    state.observe_upstream_headers(42, &headers);
    state.usage().metrics().refresh_failed("upstream");

    let (status, text) = scrape(&state, Some(ADMIN)).await;
    assert_eq!(status, StatusCode::OK);
    let m = parse(&text);
    let route = ("route", "/v1/responses");
    assert_eq!(
        get(
            &m,
            "switchyard_requests_total",
            &[route, ("status", "200"), ("model", "gpt-5")]
        ),
        2.0
    );
    assert_eq!(
        get(
            &m,
            "switchyard_requests_total",
            &[route, ("status", "429"), ("model", "gpt-5")]
        ),
        1.0
    );
    assert_eq!(
        get(
            &m,
            "switchyard_requests_total",
            &[route, ("status", "200"), ("model", "quoted\"model")]
        ),
        1.0
    );
    assert_eq!(
        get(&m, "switchyard_tokens_total", &[("kind", "input")]),
        400.0
    );
    assert_eq!(
        get(&m, "switchyard_tokens_total", &[("kind", "cached")]),
        160.0
    );
    assert_eq!(
        get(&m, "switchyard_tokens_total", &[("kind", "output")]),
        40.0
    );
    assert_eq!(
        get(&m, "switchyard_tokens_total", &[("kind", "reasoning")]),
        12.0
    );
    let hist = "switchyard_request_duration_seconds";
    assert_eq!(get(&m, &format!("{hist}_count"), &[route]), 4.0);
    assert_eq!(
        get(&m, &format!("{hist}_bucket"), &[route, ("le", "0.05")]),
        1.0
    );
    assert_eq!(
        get(&m, &format!("{hist}_bucket"), &[route, ("le", "0.5")]),
        2.0
    );
    assert_eq!(
        get(&m, &format!("{hist}_bucket"), &[route, ("le", "5")]),
        3.0
    );
    assert_eq!(
        get(&m, &format!("{hist}_bucket"), &[route, ("le", "300")]),
        3.0
    );
    assert_eq!(
        get(&m, &format!("{hist}_bucket"), &[route, ("le", "+Inf")]),
        4.0
    );
    assert!((get(&m, &format!("{hist}_sum"), &[route]) - 403.35).abs() < 1e-9);
    assert_eq!(
        get(&m, "switchyard_first_token_seconds_count", &[route]),
        4.0
    );
    assert_eq!(get(&m, "switchyard_requests_in_flight", &[]), 0.0);
    let quota = "switchyard_account_quota_used_percent";
    assert_eq!(
        get(&m, quota, &[("account_id", "42"), ("window", "5h")]),
        37.5
    );
    assert_eq!(
        get(&m, quota, &[("account_id", "42"), ("window", "7d")]),
        80.0
    );
    assert_eq!(
        get(
            &m,
            "switchyard_refresh_failures_total",
            &[("reason", "upstream")]
        ),
        1.0
    );
    assert_eq!(get(&m, "switchyard_usage_log_dropped_total", &[]), 0.0);
    assert!(get(&m, "switchyard_usage_log_queue_depth", &[]) <= 4.0);
    state.shutdown().await;
}

#[tokio::test]
async fn metrics_public_needs_no_secret() {
    let (state, _dir) = common::state_with(|c| {
        c.admin_secret = Some(SecretString::new(ADMIN));
        c.metrics_public = true;
    })
    .await;
    let guard = state.usage().begin(NewUsageLog {
        endpoint: "/v1/messages".to_owned(),
        ..Default::default()
    });
    let (status, text) = scrape(&state, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&parse(&text), "switchyard_requests_in_flight", &[]),
        1.0
    );
    drop(guard);
    state.shutdown().await;
}
