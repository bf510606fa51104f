//! The pool's wiring of signals that are not one attempt's outcome: a workspace switched off
//! reaching its other accounts, refresh failures resting an account, and the store rows of
//! the cooldowns. The policy rows themselves are in `policy/cooldown_tests.rs`.

use super::grant::AttemptOutcome;
use super::policy::clock::MINUTE;
use super::policy::cooldown::Reason;
use super::test_support::{account, grant, pool, T0};
use super::Pool;

fn cooldown(pool: &Pool, id: i64) -> Option<(Reason, i64)> {
    let snap = pool.current();
    let state = snap.get(id).unwrap().1.lock();
    state.cooldowns.active(T0).map(|c| (c.reason, c.until - T0))
}

#[test]
fn a_deactivated_workspace_checks_every_account_of_that_workspace_only() {
    let pool = pool(vec![
        account(1, "ws-a"),
        account(2, "ws-a"),
        account(3, "ws-a"),
        account(4, "ws-b"),
    ]);
    pool.report(&grant(&pool, 1), &AttemptOutcome::WorkspaceOff);
    for id in [1, 2, 3] {
        assert_eq!(
            cooldown(&pool, id),
            Some((Reason::WorkspaceCheck, 30 * MINUTE)),
            "account {id}"
        );
    }
    assert_eq!(cooldown(&pool, 4), None, "another workspace is untouched");
    let mut probed = pool.probe_requests().drain();
    probed.sort_unstable();
    assert_eq!(probed, vec![1, 2, 3], "each of them is probed");
}

#[test]
fn other_402s_and_403s_stay_on_their_account() {
    let pool = pool(vec![account(1, "ws-a"), account(2, "ws-a")]);
    pool.report(&grant(&pool, 1), &AttemptOutcome::PaymentRequired);
    pool.report(&grant(&pool, 2), &AttemptOutcome::EgressBlocked);
    assert_eq!(
        cooldown(&pool, 1),
        Some((Reason::PaymentRequired, 30 * MINUTE))
    );
    assert_eq!(
        cooldown(&pool, 2),
        Some((Reason::EgressBlocked, 30 * MINUTE))
    );
}

#[test]
fn refresh_failures_rest_the_account_until_the_next_try_and_a_success_ends_it() {
    let pool = pool(vec![account(1, "ws-a")]);
    pool.refresh_failed(1, T0 + 2 * MINUTE);
    assert_eq!(
        cooldown(&pool, 1),
        Some((Reason::RefreshFailing, 2 * MINUTE))
    );
    pool.refresh_succeeded(1);
    assert_eq!(cooldown(&pool, 1), None);
}

#[test]
fn stored_rows_hold_the_account_and_model_cooldowns() {
    let pool = pool(vec![account(1, "ws-a")]);
    pool.report(
        &grant(&pool, 1),
        &AttemptOutcome::UsageLimit {
            resets_at: Some(T0 / 1000 + 3600),
        },
    );
    pool.report(
        &grant(&pool, 1),
        &AttemptOutcome::RateLimited { retry_after: None },
    );
    let rows = pool.stored_cooldowns(1).unwrap();
    let got: Vec<(&str, &str, i64)> = rows
        .iter()
        .map(|r| (r.scope.as_str(), r.reason.as_str(), r.until - T0))
        .collect();
    assert_eq!(
        got,
        vec![
            ("", "usage_limit", 3_600_000),
            ("gpt-5.5", "rate_limited_model", 300_000)
        ]
    );
    assert!(pool.stored_cooldowns(99).is_none());
}
