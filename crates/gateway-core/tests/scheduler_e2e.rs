//! The scheduler end to end against `mock-upstream` with injected faults (issue 5, "Done
//! when"): failover over failing accounts, the out-of-quota answers and recovery after the
//! reset, session affinity through failover, and bounded load over parallel conversations.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;
mod scheduler_support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use mock_upstream::{FaultKind, FaultRule, MockUpstream};
use scheduler_support::{now_secs, Env};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_third_of_the_pool_failing_before_the_first_byte_costs_no_request() {
    let env = Env::start(15, &[]).await;
    let ids: Vec<String> = env.seeded.iter().map(|s| s.account_id.clone()).collect();
    // Long enough that the quota cooldown is still running at the first board check, even
    // on a loaded machine; the burst at the end waits for it.
    let quota_reset = std::time::Instant::now() + Duration::from_secs(12);
    let faults = [
        FaultKind::UsageLimitReached {
            resets_in_seconds: 12,
        },
        FaultKind::InternalError,
        FaultKind::BadGateway,
        FaultKind::DropMidStream { after_deltas: 0 },
        FaultKind::Unauthorized,
    ];
    for (id, fault) in ids.iter().zip(faults.iter()) {
        env.mock
            .inject_fault(FaultRule::always(fault.clone()).for_account(id));
    }
    let failing = &ids[..5];
    // Each failing account first meets its fault once (pinned, so selection cannot leave it
    // out), and the request still succeeds elsewhere.
    for id in failing {
        env.pin(Some(id)).await;
        let (status, _, body) = env.chat(&format!("pinned to {id}"), None).await;
        assert_eq!(status, 200, "{body}");
    }
    env.pin(None).await;
    let board = env.board().await;
    assert_eq!(
        env.row(&board, &failing[0])["cooldown"]["reason"],
        "usage_limit"
    );
    let mut set = tokio::task::JoinSet::new();
    let env = std::sync::Arc::new(env);
    for worker in 0..8 {
        let env = env.clone();
        set.spawn(async move {
            for i in 0..125 {
                let (status, _, body) = env.chat(&format!("w{worker} r{i}"), None).await;
                assert_eq!(status, 200, "{body}");
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
    let board = env.board().await;
    let unauthorized = env.row(&board, &failing[4]);
    assert_eq!(unauthorized["cooldown"]["reason"], "unauthorized");
    assert_eq!(unauthorized["tier"], "banned");
    for id in &failing[1..4] {
        assert_ne!(
            env.row(&board, id)["tier"],
            "healthy",
            "{id} is demoted: {}",
            env.row(&board, id)
        );
    }
    // Lift the faults; after the quota reset every account but the 401 one serves again
    // (its cooldown is 6 h, by design).
    env.mock.clear_faults(None);
    let before: Vec<u64> = failing.iter().map(|id| env.served(id)).collect();
    tokio::time::sleep_until((quota_reset + Duration::from_secs(1)).into()).await;
    env.mock.set_default_delta_delay(Duration::from_millis(30));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..60 {
        let env = env.clone();
        set.spawn(async move { env.chat(&format!("burst {i}"), None).await.0 });
    }
    while let Some(done) = set.join_next().await {
        assert_eq!(done.unwrap(), 200);
    }
    for (k, id) in failing[..4].iter().enumerate() {
        assert!(
            env.served(id) > before[k],
            "account {k} serves again after the fault is lifted"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_account_out_of_quota_answers_429_with_the_reset_then_resumes() {
    let env = Env::start(3, &[]).await;
    let reset_in = 4;
    let expected = now_secs() + reset_in as i64;
    env.mock
        .inject_fault(FaultRule::always(FaultKind::UsageLimitReached {
            resets_in_seconds: reset_in,
        }));
    let (status, retry, body) = env.chat("hi", None).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["type"], "usage_limit_reached");
    let retry = retry.unwrap() as i64;
    assert!(
        (now_secs() + retry - expected).abs() <= 1,
        "retry-after {retry}"
    );
    assert!((body["error"]["resets_at"].as_i64().unwrap() - expected).abs() <= 1);
    // Now every account is cooling: the pool answers without an upstream attempt.
    let attempts = env.mock.request_log().len();
    let (status, retry, body) = env.messages("hi").await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!((now_secs() + retry.unwrap() as i64 - expected).abs() <= 1);
    assert_eq!(
        env.mock.request_log().len(),
        attempts,
        "no upstream attempt while all are cooling"
    );
    env.mock.clear_faults(None);
    tokio::time::sleep(Duration::from_secs(reset_in + 1)).await;
    assert_eq!(
        env.chat("after the reset", None).await.0,
        200,
        "traffic resumes by itself"
    );
}

/// `(account, prompt_cache_key)` of every logged `/responses` call.
fn calls(mock: &MockUpstream) -> Vec<(String, String)> {
    mock.request_log()
        .into_iter()
        .filter(|r| r.path.ends_with("/responses") && r.status == 200)
        .map(|r| {
            let key = r
                .body
                .as_ref()
                .and_then(|b| b["prompt_cache_key"].as_str())
                .unwrap_or_default()
                .to_owned();
            (r.account_id.unwrap_or_default(), key)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_stays_on_one_account_and_moves_only_when_it_fails() {
    let env = Env::start(4, &[]).await;
    for turn in 0..10 {
        assert_eq!(
            env.chat(&format!("turn {turn}"), Some("conv-1")).await.0,
            200
        );
    }
    let log = calls(&env.mock);
    let accounts: HashSet<_> = log.iter().map(|(a, _)| a.clone()).collect();
    let keys: HashSet<_> = log.iter().map(|(_, k)| k.clone()).collect();
    assert_eq!((accounts.len(), keys.len()), (1, 1), "{log:?}");
    let first = accounts.into_iter().next().unwrap();
    env.mock
        .inject_fault(FaultRule::always(FaultKind::InternalError).for_account(&first));
    env.mock.clear_request_log();
    assert_eq!(env.chat("turn 10", Some("conv-1")).await.0, 200);
    env.mock.clear_faults(None);
    for turn in 11..16 {
        assert_eq!(
            env.chat(&format!("turn {turn}"), Some("conv-1")).await.0,
            200
        );
    }
    let log = calls(&env.mock);
    let moved: HashSet<_> = log.iter().map(|(a, _)| a.clone()).collect();
    assert_eq!(moved.len(), 1, "the new binding holds: {log:?}");
    assert!(!moved.contains(&first));
    assert_eq!(
        log.iter().map(|(_, k)| k.clone()).collect::<HashSet<_>>(),
        keys,
        "same prompt_cache_key"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_parallel_conversations_spread_within_one_and_a_half_times_the_mean() {
    let env = std::sync::Arc::new(Env::start(5, &[("max_concurrency", "16")]).await);
    let mut set = tokio::task::JoinSet::new();
    for conv in 0..50 {
        let env = env.clone();
        set.spawn(async move {
            for turn in 0..4 {
                let (status, _, body) = env
                    .chat(&format!("c{conv} t{turn}"), Some(&format!("conv-{conv}")))
                    .await;
                assert_eq!(status, 200, "{body}");
            }
        });
    }
    while let Some(done) = set.join_next().await {
        done.unwrap();
    }
    let per: HashMap<String, u64> = env
        .seeded
        .iter()
        .map(|s| (s.account_id.clone(), env.served(&s.account_id)))
        .collect();
    let total: u64 = per.values().sum();
    assert_eq!(total, 200);
    let mean = total as f64 / 5.0;
    for (id, n) in &per {
        assert!(
            (*n as f64) <= 1.5 * mean,
            "{id} served {n}, mean {mean}: {per:?}"
        );
    }
}
