//! Conformance cases for the scheduler's stored state (issue 5): account cooldowns and the
//! admin's per-account overrides, run on both backends through the `conformance!` list in the
//! parent file.

use gateway_core::store::{AccountPatch, StoreError, StoredCooldown};

use super::{new_account, Harness, T0};

fn cooldown(account_id: i64, scope: &str, reason: &str, until: i64) -> StoredCooldown {
    StoredCooldown {
        account_id,
        scope: scope.to_owned(),
        reason: reason.to_owned(),
        until,
        since: T0,
        provisional: scope.is_empty(),
    }
}

pub async fn cooldowns_replace_and_expire(h: Harness) {
    let a = h
        .db()
        .insert_account(&new_account("c-1", "C", T0))
        .await
        .unwrap();
    let b = h
        .db()
        .insert_account(&new_account("c-2", "D", T0))
        .await
        .unwrap();
    let account_wide = cooldown(a.id, "", "usage_limit", T0 + 3_600_000);
    let model = cooldown(a.id, "gpt-5.5", "rate_limited_model", T0 + 300_000);
    let other = cooldown(b.id, "", "transport", T0 + 60_000);
    h.db()
        .replace_cooldowns(a.id, &[account_wide.clone(), model.clone()])
        .await
        .unwrap();
    h.db()
        .replace_cooldowns(b.id, std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(
        h.db().active_cooldowns(T0).await.unwrap(),
        vec![account_wide.clone(), model.clone(), other.clone()],
        "ordered by account, then scope"
    );

    // Replacing is whole: the model cooldown went away, the account one stays.
    h.db()
        .replace_cooldowns(a.id, std::slice::from_ref(&account_wide))
        .await
        .unwrap();
    assert_eq!(
        h.db().active_cooldowns(T0).await.unwrap(),
        vec![account_wide.clone(), other.clone()]
    );

    // Ended ones are not returned, and are gone for good.
    assert_eq!(
        h.db().active_cooldowns(T0 + 60_000).await.unwrap(),
        vec![account_wide.clone()],
        "a cooldown ending exactly now has ended"
    );
    assert_eq!(
        h.db().active_cooldowns(T0).await.unwrap(),
        vec![account_wide],
        "the ended row was deleted"
    );

    // An empty set clears; an unknown account is refused.
    h.db().replace_cooldowns(a.id, &[]).await.unwrap();
    assert!(h.db().active_cooldowns(T0).await.unwrap().is_empty());

    let err = h
        .db()
        .replace_cooldowns(999_999, &[cooldown(999_999, "", "usage_limit", T0 + 1)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

pub async fn accounts_scheduler_overrides(h: Harness) {
    let a = h
        .db()
        .insert_account(&new_account("o-1", "O", T0))
        .await
        .unwrap();
    assert_eq!(
        (a.score_bias_override, a.base_concurrency_override),
        (None, None),
        "automatic by default"
    );
    let set = AccountPatch {
        score_bias_override: Some(Some(-40)),
        base_concurrency_override: Some(Some(3)),
        now: T0 + 1,
        ..AccountPatch::default()
    };
    let updated = h.db().update_account(a.id, &set).await.unwrap();
    assert_eq!(
        (
            updated.score_bias_override,
            updated.base_concurrency_override
        ),
        (Some(-40), Some(3))
    );
    let keep = AccountPatch {
        note: Some(Some("n".to_owned())),
        now: T0 + 2,
        ..AccountPatch::default()
    };
    let kept = h.db().update_account(a.id, &keep).await.unwrap();
    assert_eq!(kept.base_concurrency_override, Some(3));
    let clear = AccountPatch {
        score_bias_override: Some(None),
        base_concurrency_override: Some(None),
        now: T0 + 3,
        ..AccountPatch::default()
    };
    let cleared = h.db().update_account(a.id, &clear).await.unwrap();
    assert_eq!(
        (
            cleared.score_bias_override,
            cleared.base_concurrency_override
        ),
        (None, None)
    );
    assert_eq!(h.db().get_account(a.id).await.unwrap(), cleared);
}
