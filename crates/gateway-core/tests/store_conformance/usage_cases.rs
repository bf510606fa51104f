//! Conformance cases for quota windows, usage rollups and raw-log aggregates (issue 6),
//! run on both backends through the `conformance!` list in the parent file.

use gateway_core::store::{
    AccountQuotaWindow, NewUsageLog, QuotaWindowKind, RollupDimension, RollupGranularity,
    RollupQuery, StoreError, UsageAggregateQuery, UsageFilter, UsageTotals,
};
use gateway_core::usage::rollup::rollups_of;

use super::{new_account, usage, Harness, T0};

const HOUR: i64 = 3_600_000;

fn window(account_id: i64, kind: QuotaWindowKind, used: f64, at: i64) -> AccountQuotaWindow {
    AccountQuotaWindow {
        account_id,
        kind,
        used_percent: used,
        window_minutes: if kind == QuotaWindowKind::Weekly {
            10_080
        } else {
            300
        },
        reset_at: Some(at + HOUR),
        observed_at: at,
    }
}

pub async fn quota_upsert_newer_wins_and_clear(h: Harness) {
    let a = h
        .db()
        .insert_account(&new_account("q-1", "Q", T0))
        .await
        .unwrap();
    let b = h
        .db()
        .insert_account(&new_account("q-2", "R", T0))
        .await
        .unwrap();
    let five = window(a.id, QuotaWindowKind::FiveHour, 12.5, T0);
    let mut weekly = window(a.id, QuotaWindowKind::Weekly, 40.0, T0);
    weekly.reset_at = None;
    let other = window(b.id, QuotaWindowKind::Short, 1.0, T0);
    h.db()
        .upsert_quota_windows(&[weekly.clone(), five.clone()])
        .await
        .unwrap();
    h.db()
        .upsert_quota_windows(std::slice::from_ref(&other))
        .await
        .unwrap();
    assert_eq!(
        h.db().all_quota_windows().await.unwrap(),
        vec![five.clone(), weekly.clone(), other.clone()]
    );

    let older = window(a.id, QuotaWindowKind::FiveHour, 99.0, T0 - 1);
    h.db().upsert_quota_windows(&[older]).await.unwrap();
    let newer = window(a.id, QuotaWindowKind::FiveHour, 55.0, T0 + 1);
    let stored = h.db().all_quota_windows().await.unwrap();
    assert_eq!(stored[0], five, "an older observation is ignored");
    h.db()
        .upsert_quota_windows(std::slice::from_ref(&newer))
        .await
        .unwrap();
    assert_eq!(h.db().all_quota_windows().await.unwrap()[0], newer);

    assert!(h
        .db()
        .delete_quota_window(a.id, QuotaWindowKind::FiveHour)
        .await
        .unwrap());
    assert!(!h
        .db()
        .delete_quota_window(a.id, QuotaWindowKind::FiveHour)
        .await
        .unwrap());
    assert_eq!(
        h.db().all_quota_windows().await.unwrap(),
        vec![weekly, other]
    );

    let err = h
        .db()
        .upsert_quota_windows(&[window(999_999, QuotaWindowKind::Weekly, 1.0, T0)])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

fn row(
    at: i64,
    model: Option<&str>,
    key: Option<i64>,
    status: i64,
    tokens: (i64, i64),
) -> NewUsageLog {
    NewUsageLog {
        effective_model: model.map(str::to_owned),
        api_key_id: key,
        account_id: Some(7),
        status_code: status,
        input_tokens: tokens.0,
        output_tokens: tokens.1,
        cached_tokens: tokens.0 / 2,
        duration_ms: 100,
        first_token_ms: (status < 400).then_some(40),
        ..usage(at, &format!("r-{at}"))
    }
}

pub async fn usage_record_with_rollups(h: Harness) {
    let hour0 = RollupGranularity::Day.bucket_start(T0);
    let first = vec![
        row(hour0 + 1, Some("gpt-5"), Some(1), 200, (10, 5)),
        row(hour0 + 2, Some("gpt-5"), None, 502, (0, 0)),
        row(hour0 + HOUR + 3, Some("Zeta"), Some(1), 200, (7, 3)),
    ];
    let second = vec![row(hour0 + 4, Some("gpt-5"), Some(2), 200, (1, 1))];
    h.db()
        .record_usage(&first, &rollups_of(&first))
        .await
        .unwrap();
    h.db()
        .record_usage(&second, &rollups_of(&second))
        .await
        .unwrap();
    assert_eq!(
        h.db()
            .list_usage(&UsageFilter::default())
            .await
            .unwrap()
            .total,
        4
    );

    let q = RollupQuery {
        granularity: RollupGranularity::Hour,
        dimension: RollupDimension::Model,
        start: hour0,
        end: hour0 + 2 * HOUR,
    };
    let cells = h.db().usage_rollups(&q).await.unwrap();
    let shape: Vec<(i64, &str, i64, i64)> = cells
        .iter()
        .map(|c| {
            (
                c.bucket_start - hour0,
                c.key.as_str(),
                c.totals.requests,
                c.totals.errors,
            )
        })
        .collect();
    assert_eq!(shape, [(0, "gpt-5", 3, 1), (HOUR, "Zeta", 1, 0)]);
    let gpt = cells[0].totals;
    assert_eq!(
        gpt,
        UsageTotals {
            requests: 3,
            errors: 1,
            input_tokens: 11,
            cached_tokens: 5,
            output_tokens: 6,
            reasoning_tokens: 0,
            duration_ms_sum: 300,
            first_token_ms_sum: 80,
            first_token_count: 2,
        }
    );
    let keys = h
        .db()
        .usage_rollups(&RollupQuery {
            granularity: RollupGranularity::Day,
            dimension: RollupDimension::ApiKey,
            start: 0,
            end: i64::MAX,
        })
        .await
        .unwrap();
    let keys: Vec<(&str, i64)> = keys
        .iter()
        .map(|c| (c.key.as_str(), c.totals.requests))
        .collect();
    assert_eq!(
        keys,
        [("", 1), ("1", 2), ("2", 1)],
        "ordered bytewise, '' for no key"
    );

    // Rollups outlive the raw rows.
    h.db().delete_usage_before(i64::MAX).await.unwrap();
    assert_eq!(h.db().usage_rollups(&q).await.unwrap(), cells);
    let cleared = h.db().clear_usage_rollups().await.unwrap();
    assert_eq!(cleared, 8 + 6, "hour cells + day cells");
    assert!(h.db().usage_rollups(&q).await.unwrap().is_empty());
}

pub async fn usage_aggregate_buckets(h: Harness) {
    let base = (T0 / 60_000) * 60_000;
    let rows = vec![
        row(base, Some("b"), None, 200, (10, 1)),
        row(base + 59_999, None, None, 429, (0, 0)),
        row(base + 60_000, Some("a"), None, 200, (5, 5)),
        row(base + 180_000, Some("b"), None, 200, (1, 1)),
        row(base - 1, Some("before"), None, 200, (1, 1)),
    ];
    let mut requested_only = row(base + 60_001, None, None, 200, (2, 2));
    requested_only.requested_model = Some("asked".to_owned());
    let mut rows = rows;
    rows.push(requested_only);
    h.db().insert_usage_batch(&rows).await.unwrap();

    let q = UsageAggregateQuery {
        start: base,
        end: base + 240_000,
        bucket_ms: 60_000,
        by_model: false,
    };
    let series = h.db().aggregate_usage(&q).await.unwrap();
    let shape: Vec<(i64, i64, i64, i64)> = series
        .iter()
        .map(|a| {
            (
                a.bucket_start - base,
                a.totals.requests,
                a.totals.errors,
                a.totals.total_tokens(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [(0, 2, 1, 11), (60_000, 2, 0, 14), (180_000, 1, 0, 2)]
    );
    assert!(series.iter().all(|a| a.model.is_none()));

    let q = UsageAggregateQuery {
        by_model: true,
        bucket_ms: 0,
        ..q
    };
    let models = h.db().aggregate_usage(&q).await.unwrap();
    let names: Vec<(&str, i64)> = models
        .iter()
        .map(|a| (a.model.as_deref().unwrap(), a.totals.requests))
        .collect();
    assert!(
        models.iter().all(|a| a.bucket_start == base),
        "one bucket at `start`"
    );
    assert_eq!(names, [("", 1), ("a", 1), ("asked", 1), ("b", 2)]);
    let empty = UsageAggregateQuery {
        start: 0,
        end: 1,
        bucket_ms: 1_000,
        by_model: true,
    };
    assert!(h.db().aggregate_usage(&empty).await.unwrap().is_empty());
}
