//! Cooldowns beyond one process's memory (issue 5): they are stored and come back after a
//! restart, a workspace switched off cools its account for the check, and a usage probe that
//! contradicts a quota cooldown clears it (scheduling.md §1, §7, §7.1).
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;
#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod scheduler_support;

use std::sync::Arc;
use std::time::Duration;

use gateway_core::config::{Config, DatabaseConfig};
use mock_upstream::{FaultKind, FaultRule};
use scheduler_support::{Env, SECRET};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quota_cooldown_is_stored_and_back_after_a_restart() {
    let env = Env::start(3, &[]).await;
    let cooled = env.seeded[0].account_id.clone();
    env.mock.inject_fault(
        FaultRule::always(FaultKind::UsageLimitReached {
            resets_in_seconds: 3600,
        })
        .for_account(&cooled),
    );
    env.pin(Some(&cooled)).await;
    assert_eq!(
        env.chat("r", None).await.0,
        200,
        "the pinned account fails over"
    );
    let board = env.board().await;
    let row = env.row(&board, &cooled);
    assert_eq!(row["cooldown"]["reason"], "usage_limit", "{row}");
    let until = row["cooldown"]["until"].as_i64().unwrap();
    let id = env.gateway_id(&cooled);

    let store = Arc::clone(env.gw.state.store());
    let mut stored = Vec::new();
    for _ in 0..100 {
        stored = store
            .active_cooldowns(gateway_core::service::now_ms())
            .await
            .unwrap();
        if !stored.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        (
            stored[0].account_id,
            stored[0].reason.as_str(),
            stored[0].until
        ),
        (id, "usage_limit", until)
    );

    // A second process on the same database starts with the cooldown running.
    let DatabaseConfig::Sqlite { path } = env.gw.state.config().database.clone() else {
        unreachable!("the test gateway runs on SQLite");
    };
    let second = common::state_on(Config::for_sqlite(path)).await;
    let board = serde_json::to_value(second.pool().board(&second)).unwrap();
    let row = board["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account_id"] == id)
        .unwrap();
    assert_eq!(row["status"], "cooling", "{row}");
    assert_eq!(row["cooldown"]["reason"], "usage_limit");
    assert_eq!(row["cooldown"]["until"], until);
    second.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deactivated_workspace_fails_over_and_cools_the_account_for_a_check() {
    let env = Env::start(2, &[]).await;
    let off = env.seeded[0].account_id.clone();
    env.mock
        .inject_fault(FaultRule::always(FaultKind::DeactivatedWorkspace).for_account(&off));
    env.pin(Some(&off)).await;
    for i in 0..3 {
        let (status, _, body) = env.chat(&format!("r{i}"), None).await;
        assert_eq!(status, 200, "{body}");
    }
    let board = env.board().await;
    let row = env.row(&board, &off);
    assert_eq!(row["cooldown"]["reason"], "workspace_check", "{row}");
    let length =
        row["cooldown"]["until"].as_i64().unwrap() - row["cooldown"]["since"].as_i64().unwrap();
    assert_eq!(length, 30 * 60 * 1000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_below_the_limit_clears_a_quota_cooldown() {
    let env = Env::start(2, &[]).await;
    let cooled = env.seeded[0].account_id.clone();
    env.mock.inject_fault(
        FaultRule::always(FaultKind::UsageLimitReached {
            resets_in_seconds: 3600,
        })
        .for_account(&cooled),
    );
    env.pin(Some(&cooled)).await;
    for i in 0..3 {
        assert_eq!(env.chat(&format!("r{i}"), None).await.0, 200);
    }
    let board = env.board().await;
    assert_eq!(
        env.row(&board, &cooled)["cooldown"]["reason"],
        "usage_limit"
    );
    // The upstream's own usage endpoint now says the account has quota left.
    env.mock.clear_faults(None);
    let id = env.gateway_id(&cooled);
    let r = env
        .http
        .post(format!(
            "{}/api/admin/accounts/{id}/usage/refresh",
            env.gw.base_url
        ))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let board = env.board().await;
    let row = env.row(&board, &cooled);
    assert_eq!(row["cooldown"], Value::Null, "{row}");
    assert_eq!(row["probation"], true, "it starts on probation");
    assert_eq!(row["status"], "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_headers_of_served_requests_reach_the_scheduler() {
    let env = Env::start(1, &[]).await;
    let served = env.seeded[0].account_id.clone();
    let before = env.board().await;
    assert_eq!(
        env.row(&before, &served)["forecast"]["five_hour"],
        Value::Null
    );
    assert_eq!(env.chat("hello", None).await.0, 200);
    let board = env.board().await;
    let row = env.row(&board, &served);
    let five = &row["forecast"]["five_hour"];
    assert!(five["used"].as_f64().is_some(), "{row}");
    assert!(five["reset_at"].as_i64().is_some(), "{row}");
    assert!(
        row["forecast"]["weekly"]["used"].as_f64().is_some(),
        "{row}"
    );
}

/// Calls the mock's token endpoint has seen.
fn token_calls(env: &Env) -> usize {
    env.mock
        .request_log()
        .iter()
        .filter(|r| r.path.ends_with("/oauth/token"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_refreshes_rest_the_account_and_a_later_success_brings_it_back() {
    let config = mock_upstream::MockConfig {
        access_token_ttl: Duration::from_secs(30),
        ..mock_upstream::MockConfig::default()
    };
    let env = Env::start_with(config, 1, &[]).await;
    let state = &env.gw.state;
    let id = env.seeded[0].account_id.clone();
    env.mock
        .inject_fault(FaultRule::always(FaultKind::RefreshServerError));
    let mut failures = std::collections::HashMap::new();
    assert_eq!(
        gateway_core::scheduler::refresh_task::sweep(state, &mut failures).await,
        1,
        "the 30 s token is due"
    );
    let board = env.board().await;
    let row = env.row(&board, &id);
    assert_eq!(row["cooldown"]["reason"], "refresh_failing", "{row}");
    assert_eq!(row["status"], "cooling");

    // Requests do not queue behind the failing token endpoint: they are answered at once.
    let calls = token_calls(&env);
    let (status, retry, body) = env.chat("while failing", None).await;
    assert_eq!(status, 503, "{body}");
    assert!(retry.is_some());
    assert_eq!(
        token_calls(&env),
        calls,
        "no refresh attempt on the request path"
    );

    env.mock.clear_faults(None);
    let mut fresh = std::collections::HashMap::new();
    gateway_core::scheduler::refresh_task::sweep(state, &mut fresh).await;
    let board = env.board().await;
    assert_eq!(env.row(&board, &id)["cooldown"], Value::Null);
    assert_eq!(env.chat("recovered", None).await.0, 200);
}
