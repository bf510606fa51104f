//! Usage accounting end to end on both backends: rows recorded through the recorder (and a
//! guard dropped mid-request) are written by the batched writer; the admin API's logs,
//! totals and chart series then equal the numbers computed here; they survive a restart;
//! retention removes exactly the expired raw rows and keeps the rollups.
//!
//! Rows are recorded directly here, so the script can place them 40 days back and on chosen
//! keys and models; `usage_totals.rs` checks the same figures after real requests through the
//! relay against mock-upstream.
//!
//! PostgreSQL needs `TEST_DATABASE_URL` (each test creates and drops its own database);
//! without it the PostgreSQL variant prints `SKIPPED`, except under `CI=true`, where it fails.
#![cfg(test)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use gateway_core::cache::memory::MemoryCache;
use gateway_core::config::{Config, DatabaseConfig};
use gateway_core::secrets::memory::MemorySecretStore;
use gateway_core::secrets::SecretString;
use gateway_core::store::{self, NewUsageLog};
use gateway_core::AppState;
use serde_json::Value;
use tower::ServiceExt;

const ADMIN: &str = "usage-test-admin-secret";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 3_600_000;
const DAY: i64 = 86_400_000;

async fn build(config: &Config) -> AppState {
    let store = store::open(&config.database).await.unwrap();
    // Flush every second so the test does not wait out the 5 s default.
    store
        .put_setting("usage_log_flush_interval_seconds", "1")
        .await
        .unwrap();
    gateway_core::build_state_with(
        config.clone(),
        store,
        Arc::new(MemoryCache::new()),
        Arc::new(MemorySecretStore::new()),
    )
    .await
    .unwrap()
}

async fn get(state: &AppState, method: Method, uri: &str) -> (StatusCode, Vec<u8>) {
    let resp = gateway_core::build_router(state.clone())
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .header("x-admin-key", ADMIN)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status();
    (
        status,
        axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap()
            .to_vec(),
    )
}

async fn json(state: &AppState, uri: &str) -> Value {
    let (status, body) = get(state, Method::GET, uri).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap()
}

async fn wait_written(state: &AppState, n: u64) {
    for _ in 0..100 {
        if state.usage().written() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("writer wrote {} of {n} rows", state.usage().written());
}

struct Scripted {
    at: i64,
    model: &'static str,
    status: i64,
    input: i64,
    output: i64,
    stream: bool,
}

/// Ages chosen so each chart range sees a different subset.
fn script(now: i64) -> Vec<Scripted> {
    let s = |age: i64, model, status, input, output, stream| Scripted {
        at: now - age,
        model,
        status,
        input,
        output,
        stream,
    };
    vec![
        s(5 * MINUTE, "gpt-5", 200, 100, 20, true),
        s(6 * MINUTE, "gpt-5", 200, 50, 10, false),
        s(7 * MINUTE, "gpt-5-mini", 429, 0, 0, true),
        s(2 * HOUR, "gpt-5-mini", 200, 30, 3, true),
        s(3 * DAY, "gpt-5", 500, 0, 0, false),
        s(10 * DAY, "gpt-5-mini", 200, 7, 7, true),
        s(40 * DAY, "gpt-5", 200, 1, 1, true),
    ]
}

fn expected(rows: &[Scripted], now: i64, window: i64) -> (i64, i64, i64) {
    let in_range: Vec<_> = rows.iter().filter(|r| r.at >= now - window).collect();
    let requests = in_range.len() as i64;
    let errors = in_range.iter().filter(|r| r.status >= 400).count() as i64;
    let tokens = in_range.iter().map(|r| r.input + r.output).sum();
    (requests, errors, tokens)
}

fn sum(series: &Value, field: &str) -> i64 {
    series
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[field].as_i64().unwrap())
        .sum()
}

async fn scenario(config: Config) {
    let state = build(&config).await;
    let now = gateway_core::service::now_ms();
    let rows = script(now);
    for (i, r) in rows.iter().enumerate() {
        state.usage().record(NewUsageLog {
            created_at: r.at,
            request_id: format!("req-{i}"),
            api_key_id: Some(1 + (i as i64 % 2)),
            account_id: Some(10),
            endpoint: "/v1/responses".to_owned(),
            effective_model: Some(r.model.to_owned()),
            stream: r.stream,
            status_code: r.status,
            input_tokens: r.input,
            output_tokens: r.output,
            duration_ms: 1_000,
            first_token_ms: Some(200),
            attempts: 1,
            ..NewUsageLog::default()
        });
    }
    // A client that disconnects mid-stream still leaves exactly one row, with status 499.
    let guard = state.usage().begin(NewUsageLog {
        request_id: "gone".to_owned(),
        endpoint: "/v1/messages".to_owned(),
        requested_model: Some("claude-sonnet".to_owned()),
        stream: true,
        ..NewUsageLog::default()
    });
    drop(guard);
    let total = rows.len() as i64 + 1;
    wait_written(&state, total as u64).await;
    assert_eq!(state.usage().dropped(), 0);

    check_api(&state, &rows, now).await;

    // Restart: everything is read back from the database.
    state.shutdown().await;
    let state = build(&config).await;
    check_api(&state, &rows, now).await;

    // Retention at 30 days removes exactly the 40-day-old row; rollups keep counting it.
    let purged = gateway_core::usage::retention::purge_expired(state.store().as_ref(), 30, now)
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let logs = json(&state, "/api/admin/usage/logs").await;
    assert_eq!(logs["total"], total - 1);
    let stats = json(&state, "/api/admin/usage/stats").await;
    assert_eq!(
        stats["total_requests"], total,
        "rollups outlive the raw rows"
    );

    let (status, body) = get(&state, Method::DELETE, "/api/admin/usage/logs").await;
    assert_eq!(status, StatusCode::OK);
    let cleared: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(cleared["deleted"], total - 1);
    assert_eq!(json(&state, "/api/admin/usage/logs").await["total"], 0);
    let week = json(&state, "/api/admin/usage/chart-data?range=7d").await;
    assert_eq!(
        sum(&week["request_trend"], "requests"),
        expected(&rows, now, 7 * DAY).0 + 1
    );
    state.shutdown().await;
}

async fn check_api(state: &AppState, rows: &[Scripted], now: i64) {
    let total = rows.len() as i64 + 1;
    let logs = json(state, "/api/admin/usage/logs?page_size=3&page=2").await;
    assert_eq!(
        (logs["total"].as_i64(), logs["page"].as_i64()),
        (Some(total), Some(2))
    );
    assert_eq!(logs["items"].as_array().unwrap().len(), 3);
    let gone = json(state, "/api/admin/usage/logs?status=errors&stream=true").await;
    let codes: Vec<i64> = gone["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [499, 429], "newest first");
    let mini = json(state, "/api/admin/usage/logs?model=gpt-5-mini&api_key_id=1").await;
    assert_eq!(mini["total"], 1, "only row 2 is gpt-5-mini on key 1");

    let (status, csv) = get(
        state,
        Method::GET,
        "/api/admin/usage/logs/export?status=success",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + rows.iter().filter(|r| r.status < 400).count()
    );

    // The dropped guard's row is a few ms old: it is in every range.
    for (range, window, source) in [
        ("1h", HOUR, "logs"),
        ("24h", DAY, "logs"),
        ("7d", 7 * DAY, "rollups"),
        ("30d", 30 * DAY, "rollups"),
    ] {
        let chart = json(state, &format!("/api/admin/usage/chart-data?range={range}")).await;
        let (requests, errors, tokens) = expected(rows, now, window);
        assert_eq!(chart["source"], source);
        assert_eq!(
            sum(&chart["request_trend"], "requests"),
            requests + 1,
            "{range}"
        );
        assert_eq!(
            sum(&chart["request_trend"], "errors"),
            errors + 1,
            "{range}"
        );
        assert_eq!(chart["token_breakdown"]["total_tokens"], tokens, "{range}");
        assert_eq!(
            sum(&chart["token_trend"], "total_tokens"),
            tokens,
            "{range}"
        );
        let ranking = chart["model_ranking"].as_array().unwrap();
        let ranked: i64 = ranking
            .iter()
            .map(|m| m["requests"].as_i64().unwrap())
            .sum();
        assert_eq!(ranked, requests + 1, "{range}");
        assert!(ranking.iter().any(|m| m["model"] == "claude-sonnet"));
    }
    let hour = json(state, "/api/admin/usage/chart-data?range=1h").await;
    assert_eq!(hour["request_trend"].as_array().unwrap().len(), 60);
    assert_eq!(hour["model_ranking"][0]["model"], "gpt-5");
    let latency: Vec<f64> = hour["latency_trend"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["avg_duration_ms"].as_f64())
        .collect();
    assert!(latency.contains(&1_000.0), "{latency:?}");

    let stats = json(state, "/api/admin/usage/stats").await;
    let all_tokens: i64 = rows.iter().map(|r| r.input + r.output).sum();
    assert_eq!(stats["total_requests"], total);
    assert_eq!(
        stats["error_requests"],
        rows.iter().filter(|r| r.status >= 400).count() as i64 + 1
    );
    assert_eq!(stats["total_tokens"], all_tokens);

    let dashboard = json(state, "/api/admin/stats").await;
    for field in [
        "total",
        "available",
        "rate_limited",
        "error",
        "today_requests",
    ] {
        assert!(dashboard[field].is_i64(), "{field}: {dashboard}");
    }
    let overview = json(state, "/api/admin/ops/overview").await;
    assert_eq!(overview["usage_log"]["dropped"], 0);
    assert_eq!(overview["store"]["healthy"], true);

    let (status, _) = get(state, Method::GET, "/api/admin/usage/chart-data?range=2w").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

fn config_for(database: DatabaseConfig, dir: &std::path::Path) -> Config {
    let mut config = Config::for_sqlite(dir.join("switchyard.db"));
    config.database = database;
    config.admin_secret = Some(SecretString::new(ADMIN));
    config
}

#[tokio::test]
async fn sqlite_usage_pipeline() {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseConfig::Sqlite {
        path: dir.path().join("switchyard.db"),
    };
    scenario(config_for(db, dir.path())).await;
}

#[tokio::test]
async fn postgres_usage_pipeline() {
    use sqlx::{Connection, Executor, PgConnection};

    let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("TEST_DATABASE_URL is not set but CI=true: the PostgreSQL usage test must run");
        }
        eprintln!("SKIPPED: TEST_DATABASE_URL not set; PostgreSQL usage pipeline test did not run");
        return;
    };
    let name = format!("sy_usage_{}", uuid::Uuid::now_v7().simple());
    let mut admin = PgConnection::connect(&base).await.unwrap();
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .unwrap();
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path(&name);
    let dir = tempfile::tempdir().unwrap();
    let outcome = tokio::spawn(scenario(config_for(
        DatabaseConfig::Postgres { url: url.into() },
        dir.path(),
    )))
    .await;
    let _ = admin
        .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
        .await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
