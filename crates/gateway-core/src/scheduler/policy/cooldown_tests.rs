//! Every row of the cooldown table (scheduling.md §7) and the early-clearing rules (§7.1),
//! against an injected clock.

use super::clock::{Clock, ManualClock, HOUR, MINUTE, SECOND};
use super::cooldown::*;

const T0: i64 = 1_700_000_000_000;

fn model(m: &str) -> Option<String> {
    Some(m.to_owned())
}

/// (row, signal, expected account cooldown reason and length, expected model cooldown, reauth)
#[test]
fn one_signal_on_a_fresh_account() {
    type Row = (
        &'static str,
        Signal,
        Option<(Reason, i64)>,
        Option<(Reason, i64)>,
        Option<&'static str>,
    );
    let rows: Vec<Row> = vec![
        (
            "quota, reset known",
            Signal::QuotaUntil {
                reset_at: T0 + 4210 * SECOND,
            },
            Some((Reason::UsageLimit, 4210 * SECOND)),
            None,
            None,
        ),
        (
            "quota, reset in headers",
            quota_signal(None, Some(T0 + HOUR)),
            Some((Reason::UsageLimit, HOUR)),
            None,
            None,
        ),
        (
            "quota, no reset info",
            Signal::QuotaUnknown,
            Some((Reason::UsageLimit, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "burst, model known",
            Signal::Burst {
                model: model("gpt-5.5"),
            },
            None,
            Some((Reason::RateLimitedModel, 300 * SECOND)),
            None,
        ),
        (
            "burst, no model",
            Signal::Burst { model: None },
            Some((Reason::RateLimited, 5 * MINUTE)),
            None,
            None,
        ),
        ("capacity shed", Signal::CapacityShed, None, None, None),
        ("token expired", Signal::TokenExpired, None, None, None),
        (
            "dead access-token-only account",
            Signal::AccessTokenDead,
            None,
            None,
            Some("at_expired"),
        ),
        (
            "account-side 401",
            Signal::AccountUnauthorized,
            Some((Reason::Unauthorized, 6 * HOUR)),
            None,
            None,
        ),
        (
            "request-scoped 401",
            Signal::RequestUnauthorized,
            None,
            None,
            None,
        ),
        (
            "workspace off",
            Signal::WorkspaceOff,
            Some((Reason::WorkspaceCheck, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "workspace off, another account of the workspace",
            Signal::WorkspaceSibling,
            Some((Reason::WorkspaceCheck, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "refresh failing",
            Signal::RefreshFailing {
                retry_at: T0 + 2 * MINUTE,
            },
            Some((Reason::RefreshFailing, 2 * MINUTE)),
            None,
            None,
        ),
        (
            "payment",
            Signal::PaymentRequired,
            Some((Reason::PaymentRequired, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "forbidden",
            Signal::Forbidden,
            Some((Reason::Forbidden, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "egress blocked",
            Signal::EgressBlocked,
            Some((Reason::EgressBlocked, 30 * MINUTE)),
            None,
            None,
        ),
        (
            "model unsupported",
            Signal::ModelUnsupported {
                model: "gpt-x".into(),
            },
            None,
            Some((Reason::ModelUnsupported, 30 * MINUTE)),
            None,
        ),
        ("bad reasoning replay", Signal::BadReplay, None, None, None),
        ("timeout", Signal::Timeout, None, None, None),
        ("transport (once)", Signal::Transport, None, None, None),
        ("server error", Signal::ServerError, None, None, None),
    ];
    for (row, signal, account, model_cd, reauth) in rows {
        let mut book = CooldownBook::default();
        let effect = book.apply(&signal, T0);
        let got = book.active(T0).map(|c| (c.reason, c.until - T0));
        assert_eq!(got, account, "{row}: account cooldown");
        let got_model = effect.model.map(|(_, c)| (c.reason, c.until - T0));
        assert_eq!(got_model, model_cd, "{row}: model cooldown");
        assert_eq!(effect.reauth, reauth, "{row}: reauth");
    }
}

#[test]
fn quota_body_wins_over_headers_and_no_info_asks_for_a_probe() {
    assert_eq!(
        quota_signal(Some(T0 + 2 * SECOND), Some(T0 + HOUR)),
        Signal::QuotaUntil {
            reset_at: T0 + 2 * SECOND
        }
    );
    let mut book = CooldownBook::default();
    let effect = book.apply(&Signal::QuotaUnknown, T0);
    assert!(effect.probe && book.account.is_some_and(|c| c.provisional));
    let probe = ProbeView {
        exhausted_reset_at: Some(T0 + 3 * HOUR),
        ..ProbeView::default()
    };
    book.apply_probe(&probe, T0 + SECOND);
    assert_eq!(
        book.active(T0).map(|c| c.until),
        Some(T0 + 3 * HOUR),
        "the probe's reset replaces the provisional 30 min"
    );
}

#[test]
fn burst_doubles_to_thirty_minutes_and_is_forgotten_after_an_hour() {
    let clock = ManualClock::at(T0);
    let mut book = CooldownBook::default();
    let burst = Signal::Burst { model: model("m") };
    let mut lengths = Vec::new();
    for _ in 0..6 {
        let e = book.apply(&burst, clock.now_ms());
        lengths.push((e.model.unwrap().1.until - clock.now_ms()) / SECOND);
        clock.advance(MINUTE);
    }
    assert_eq!(lengths, [300, 600, 1200, 1800, 1800, 1800]);
    clock.advance(HOUR + SECOND);
    let e = book.apply(&burst, clock.now_ms());
    assert_eq!(
        e.model.unwrap().1.until - clock.now_ms(),
        300 * SECOND,
        "streak forgotten"
    );
    assert!(book.model_active("m", clock.now_ms()).is_some());
    assert!(book.model_active("other", clock.now_ms()).is_none());
}

#[test]
fn second_account_side_401_within_a_day_is_24_hours() {
    let mut book = CooldownBook::default();
    book.apply(&Signal::AccountUnauthorized, T0);
    book.apply(&Signal::AccountUnauthorized, T0 + 7 * HOUR);
    assert_eq!(
        book.active(T0 + 7 * HOUR).map(|c| c.until),
        Some(T0 + 31 * HOUR)
    );
    let mut later = CooldownBook::default();
    later.apply(&Signal::AccountUnauthorized, T0);
    later.apply(&Signal::AccountUnauthorized, T0 + 25 * HOUR);
    assert_eq!(
        later.active(T0 + 25 * HOUR).map(|c| c.until),
        Some(T0 + 31 * HOUR)
    );
}

#[test]
fn third_workspace_off_in_a_day_is_terminal() {
    let mut book = CooldownBook::default();
    assert!(book.apply(&Signal::WorkspaceOff, T0).probe);
    assert_eq!(book.apply(&Signal::WorkspaceOff, T0 + HOUR).reauth, None);
    assert_eq!(
        book.apply(&Signal::WorkspaceOff, T0 + 2 * HOUR).reauth,
        Some("workspace_deactivated")
    );
}

#[test]
fn workspace_siblings_are_checked_but_never_condemned() {
    let mut book = CooldownBook::default();
    for i in 0..5 {
        let effect = book.apply(&Signal::WorkspaceSibling, T0 + i * HOUR);
        assert!(effect.probe, "each spread asks for a probe");
        assert_eq!(
            effect.reauth, None,
            "spreads do not count as this account's own 402s"
        );
    }
    assert_eq!(
        book.apply(&Signal::WorkspaceOff, T0 + 5 * HOUR).reauth,
        None,
        "its own first 402 is still a first"
    );
}

#[test]
fn a_successful_refresh_ends_only_a_refresh_failing_cooldown() {
    let mut book = CooldownBook::default();
    book.apply(
        &Signal::RefreshFailing {
            retry_at: T0 + 10 * MINUTE,
        },
        T0,
    );
    assert!(book.apply(&Signal::Refreshed, T0 + MINUTE).cleared);
    assert!(book.active(T0 + MINUTE).is_none());
    book.apply(
        &Signal::QuotaUntil {
            reset_at: T0 + HOUR,
        },
        T0,
    );
    assert!(!book.apply(&Signal::Refreshed, T0 + MINUTE).cleared);
    assert_eq!(
        book.active(T0 + MINUTE).map(|c| c.reason),
        Some(Reason::UsageLimit)
    );
}

#[test]
fn three_transport_failures_in_a_row_cool_for_a_minute() {
    let mut book = CooldownBook::default();
    book.apply(&Signal::Transport, T0);
    book.apply(&Signal::Transport, T0);
    book.apply(&Signal::ServerError, T0);
    book.apply(&Signal::Transport, T0);
    assert!(book.active(T0).is_none(), "the streak was broken");
    book.apply(&Signal::Transport, T0);
    book.apply(&Signal::Transport, T0);
    assert_eq!(
        book.active(T0).map(|c| (c.reason, c.until - T0)),
        Some((Reason::Transport, 60 * SECOND))
    );
}

#[test]
fn success_clears_what_it_contradicts_but_not_a_401() {
    for (signal, cleared) in [
        (Signal::QuotaUnknown, true),
        (Signal::Burst { model: None }, true),
        (Signal::PaymentRequired, true),
        (Signal::Forbidden, true),
        (Signal::WorkspaceOff, true),
        (Signal::EgressBlocked, true),
        (Signal::AccountUnauthorized, false),
    ] {
        let mut book = CooldownBook::default();
        book.apply(&signal, T0);
        book.apply(&Signal::Success { model: model("m") }, T0 + SECOND);
        assert_eq!(book.active(T0 + SECOND).is_none(), cleared, "{signal:?}");
    }
    let mut book = CooldownBook::default();
    book.apply(&Signal::Burst { model: model("m") }, T0);
    book.apply(&Signal::Success { model: model("m") }, T0 + SECOND);
    assert!(
        book.model_active("m", T0 + SECOND).is_none(),
        "the served model is cleared"
    );
}

#[test]
fn a_later_401_replaces_a_quota_state_and_short_cooldowns_never_shorten_long_ones() {
    let mut book = CooldownBook::default();
    book.apply(
        &Signal::QuotaUntil {
            reset_at: T0 + 48 * HOUR,
        },
        T0,
    );
    book.apply(&Signal::AccountUnauthorized, T0 + SECOND);
    assert_eq!(
        book.active(T0 + SECOND).map(|c| c.reason),
        Some(Reason::Unauthorized)
    );
    let mut book = CooldownBook::default();
    book.apply(
        &Signal::QuotaUntil {
            reset_at: T0 + HOUR,
        },
        T0,
    );
    book.apply(&Signal::Burst { model: None }, T0);
    let c = book.active(T0).copied().unwrap();
    assert_eq!((c.reason, c.until), (Reason::RateLimited, T0 + HOUR));
}

#[test]
fn probe_clears_quota_and_the_guard_restores_it() {
    let trusted = ProbeView {
        authoritative: true,
        limit_reached: false,
        plan_known: true,
        exhausted_reset_at: None,
    };
    let mut book = CooldownBook::default();
    book.apply(&Signal::QuotaUnknown, T0);
    assert!(
        book.apply_probe(
            &ProbeView {
                plan_known: false,
                ..trusted
            },
            T0 + SECOND
        ) == Effect::default()
    );
    assert!(book.apply_probe(&trusted, T0 + SECOND).cleared);
    assert!(book.active(T0 + SECOND).is_none() && book.probation);
    // Refused again within 10 min: the body's reset comes back and probes are ignored until it.
    book.apply(
        &Signal::QuotaUntil {
            reset_at: T0 + 2 * HOUR,
        },
        T0 + 5 * MINUTE,
    );
    assert!(!book.apply_probe(&trusted, T0 + 6 * MINUTE).cleared);
    assert!(book.active(T0 + 6 * MINUTE).is_some());
    assert!(!book.apply_probe(&trusted, T0 + 2 * HOUR - SECOND).cleared);
}

#[test]
fn recovery_clears_unauthorized_and_expiry_starts_probation() {
    let mut book = CooldownBook::default();
    book.apply(&Signal::AccountUnauthorized, T0);
    assert!(book.recover_unauthorized(T0 + HOUR));
    assert!(book.active(T0 + HOUR).is_none() && book.probation);
    let mut book = CooldownBook::default();
    book.apply(
        &Signal::QuotaUntil {
            reset_at: T0 + MINUTE,
        },
        T0,
    );
    assert_eq!(book.expire(T0 + 30 * SECOND), None);
    assert_eq!(book.expire(T0 + MINUTE), Some(Reason::UsageLimit));
    assert!(book.probation && book.windows_stale);
    book.apply(&Signal::Success { model: None }, T0 + 2 * MINUTE);
    assert!(!book.probation, "probation ends with the first success");
}

#[test]
fn every_reason_code_parses_back() {
    for reason in ALL_REASONS {
        assert_eq!(Reason::parse(reason.as_str()), Some(reason));
    }
    assert_eq!(Reason::parse("sleepy"), None);
}
