//! Folding usage rows into rollup cells: per hour and per UTC day, per model, API key and
//! account. Pure, so the writer's numbers can be checked without a database.

use std::collections::BTreeMap;

use crate::store::{
    usage_model_key, NewUsageLog, RollupDimension, RollupGranularity, UsageRollup, UsageTotals,
};

const GRANULARITIES: [RollupGranularity; 2] = [RollupGranularity::Hour, RollupGranularity::Day];

/// The rollup deltas of a batch, one cell per key (the store's upsert requires that).
pub fn rollups_of(rows: &[NewUsageLog]) -> Vec<UsageRollup> {
    let mut cells: BTreeMap<(RollupGranularity, RollupDimension, i64, String), UsageTotals> =
        BTreeMap::new();
    for row in rows {
        let totals = UsageTotals::of(row);
        let id_key = |id: Option<i64>| id.map(|v| v.to_string()).unwrap_or_default();
        let keys = [
            (RollupDimension::Model, usage_model_key(row).to_owned()),
            (RollupDimension::ApiKey, id_key(row.api_key_id)),
            (RollupDimension::Account, id_key(row.account_id)),
        ];
        for granularity in GRANULARITIES {
            let bucket = granularity.bucket_start(row.created_at);
            for (dimension, key) in &keys {
                cells
                    .entry((granularity, *dimension, bucket, key.clone()))
                    .or_default()
                    .add(&totals);
            }
        }
    }
    cells
        .into_iter()
        .map(
            |((granularity, dimension, bucket_start, key), totals)| UsageRollup {
                granularity,
                dimension,
                bucket_start,
                key,
                totals,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_lands_in_one_cell_per_granularity_and_dimension() {
        let hour = 3_600_000;
        let day0 = 1_767_225_600_000; // a UTC midnight
        let row = |at: i64, model: &str, key: Option<i64>, status: i64| NewUsageLog {
            created_at: at,
            effective_model: Some(model.to_owned()),
            api_key_id: key,
            status_code: status,
            input_tokens: 10,
            output_tokens: 1,
            duration_ms: 100,
            ..NewUsageLog::default()
        };
        let rows = [
            row(day0 + 10, "a", Some(1), 200),
            row(day0 + 20, "a", Some(1), 500),
            row(day0 + hour, "b", None, 200),
        ];
        let cells = rollups_of(&rows);
        let find = |g, d, bucket, key: &str| {
            cells
                .iter()
                .find(|c| {
                    c.granularity == g
                        && c.dimension == d
                        && c.bucket_start == bucket
                        && c.key == key
                })
                .map(|c| c.totals)
        };
        let a = find(RollupGranularity::Hour, RollupDimension::Model, day0, "a").unwrap();
        assert_eq!(
            (a.requests, a.errors, a.input_tokens, a.duration_ms_sum),
            (2, 1, 20, 200)
        );
        let day = find(RollupGranularity::Day, RollupDimension::ApiKey, day0, "").unwrap();
        assert_eq!(day.requests, 1, "no key is its own cell");
        assert_eq!(
            find(RollupGranularity::Day, RollupDimension::Account, day0, "")
                .unwrap()
                .requests,
            3
        );
        // 2 hour buckets × (2 models + 2 keys + 1 account) − overlaps, and 1 day × (2 + 2 + 1).
        assert_eq!(cells.len(), 2 + 2 + 2 + 5);
    }
}
