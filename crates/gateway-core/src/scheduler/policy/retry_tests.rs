//! Every row of the retry table (scheduling.md §8) and the switch budget.

use super::retry::*;

#[test]
fn retry_table() {
    use Decision::*;
    let fresh = SameAccount::default();
    let refreshed = SameAccount {
        refreshed: true,
        ..fresh
    };
    let stripped = SameAccount {
        stripped: true,
        ..fresh
    };
    let shed_once = SameAccount { sheds: 1, ..fresh };
    let shed_twice = SameAccount { sheds: 2, ..fresh };
    let rows = [
        (
            "transport error",
            Failure::Transport,
            fresh,
            Switch { counts: true },
        ),
        (
            "timeout / 408",
            Failure::Timeout,
            fresh,
            Switch { counts: true },
        ),
        (
            "401 token expired",
            Failure::Unauthorized,
            fresh,
            RefreshThenRetry,
        ),
        (
            "401 after refresh",
            Failure::Unauthorized,
            refreshed,
            Switch { counts: true },
        ),
        (
            "402",
            Failure::PaymentRequired,
            fresh,
            Switch { counts: true },
        ),
        ("403", Failure::Forbidden, fresh, Switch { counts: true }),
        ("429 quota", Failure::Quota, fresh, Switch { counts: false }),
        ("429 burst", Failure::Burst, fresh, Switch { counts: true }),
        ("5xx", Failure::Server, fresh, Switch { counts: true }),
        (
            "capacity shed 1",
            Failure::CapacityShed,
            fresh,
            RetrySame { delay_ms: 500 },
        ),
        (
            "capacity shed 2",
            Failure::CapacityShed,
            shed_once,
            RetrySame { delay_ms: 1500 },
        ),
        (
            "capacity shed 3",
            Failure::CapacityShed,
            shed_twice,
            Switch { counts: true },
        ),
        (
            "invalid_encrypted_content",
            Failure::InvalidEncryptedContent,
            fresh,
            StripThenRetry,
        ),
        (
            "invalid_encrypted_content again",
            Failure::InvalidEncryptedContent,
            stripped,
            Answer,
        ),
        (
            "model unsupported",
            Failure::ModelUnsupported,
            fresh,
            Switch { counts: true },
        ),
        (
            "other 4xx / cyber / incomplete",
            Failure::Request,
            fresh,
            Answer,
        ),
        ("426", Failure::UpgradeRequired, fresh, Answer),
    ];
    for (row, failure, same, want) in rows {
        assert_eq!(decide(failure, same, 0.0), want, "{row}");
    }
}

#[test]
fn shed_delays_have_twenty_percent_jitter() {
    let d = |j| decide(Failure::CapacityShed, SameAccount::default(), j);
    assert_eq!(d(1.0), Decision::RetrySame { delay_ms: 600 });
    assert_eq!(d(-1.0), Decision::RetrySame { delay_ms: 400 });
    assert_eq!(
        d(5.0),
        Decision::RetrySame { delay_ms: 600 },
        "jitter is clamped"
    );
}

#[test]
fn quota_switches_do_not_use_the_budget() {
    let mut budget = Budget::new(3);
    for _ in 0..10 {
        assert!(budget.take(false));
    }
    assert!(budget.take(true) && budget.take(true) && budget.take(true));
    assert!(!budget.take(true), "at most 3 switches");
    assert!(budget.take(false));
}
