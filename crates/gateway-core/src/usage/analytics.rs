//! Usage analytics for the admin API: totals and the chart series. Short ranges read the raw
//! log; 7 and 30 days read the rollups so they stay fast whatever the traffic.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::store::{
    RollupDimension, RollupGranularity, RollupQuery, Store, StoreResult, UsageAggregateQuery,
    UsageTotals,
};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Models listed in the ranking.
const RANKING_LIMIT: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartRange {
    Hour,
    Day,
    Week,
    Month,
}

impl ChartRange {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "1h" => Some(ChartRange::Hour),
            "24h" | "1d" => Some(ChartRange::Day),
            "7d" => Some(ChartRange::Week),
            "30d" => Some(ChartRange::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChartRange::Hour => "1h",
            ChartRange::Day => "24h",
            ChartRange::Week => "7d",
            ChartRange::Month => "30d",
        }
    }

    /// `(bucket length, bucket count, rollup granularity when read from rollups)`.
    fn shape(self) -> (i64, i64, Option<RollupGranularity>) {
        match self {
            ChartRange::Hour => (MINUTE_MS, 60, None),
            ChartRange::Day => (HOUR_MS, 24, None),
            ChartRange::Week => (HOUR_MS, 168, Some(RollupGranularity::Hour)),
            ChartRange::Month => (DAY_MS, 30, Some(RollupGranularity::Day)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ChartData {
    pub range: &'static str,
    /// `logs` or `rollups`.
    pub source: &'static str,
    pub bucket_seconds: i64,
    /// Unix ms; the series covers `[start, end)`, the last bucket being the current one.
    pub start: i64,
    pub end: i64,
    pub request_trend: Vec<RequestPoint>,
    pub latency_trend: Vec<LatencyPoint>,
    pub token_trend: Vec<TokenPoint>,
    pub token_breakdown: TokenBreakdown,
    pub model_ranking: Vec<ModelRank>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct RequestPoint {
    pub time: i64,
    pub requests: i64,
    pub errors: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct LatencyPoint {
    pub time: i64,
    pub avg_duration_ms: Option<f64>,
    pub avg_first_token_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct TokenPoint {
    pub time: i64,
    #[serde(flatten)]
    pub tokens: TokenBreakdown,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct TokenBreakdown {
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub total_tokens: i64,
}

impl From<&UsageTotals> for TokenBreakdown {
    fn from(t: &UsageTotals) -> Self {
        TokenBreakdown {
            input_tokens: t.input_tokens,
            cached_tokens: t.cached_tokens,
            output_tokens: t.output_tokens,
            reasoning_tokens: t.reasoning_tokens,
            total_tokens: t.total_tokens(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct ModelRank {
    pub model: String,
    pub requests: i64,
    pub errors: i64,
    pub total_tokens: i64,
    pub avg_duration_ms: Option<f64>,
}

/// `sum / count`, or `None` when nothing was counted (a gap in the chart, not a zero).
pub fn average(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

pub async fn chart_data(store: &dyn Store, range: ChartRange, now: i64) -> StoreResult<ChartData> {
    let (bucket, count, rollup) = range.shape();
    let end = now.div_euclid(bucket) * bucket + bucket;
    let start = end - bucket * count;
    let (per_bucket, per_model) = match rollup {
        None => {
            let q = UsageAggregateQuery {
                start,
                end,
                bucket_ms: bucket,
                by_model: false,
            };
            let series = store.aggregate_usage(&q).await?;
            let q = UsageAggregateQuery {
                start,
                end,
                bucket_ms: 0,
                by_model: true,
            };
            let models = store.aggregate_usage(&q).await?;
            (
                series
                    .into_iter()
                    .map(|a| (a.bucket_start, a.totals))
                    .collect::<Vec<_>>(),
                models
                    .into_iter()
                    .map(|a| (a.model.unwrap_or_default(), a.totals))
                    .collect::<Vec<_>>(),
            )
        }
        Some(granularity) => {
            let q = RollupQuery {
                granularity,
                dimension: RollupDimension::Model,
                start,
                end,
            };
            let cells = store.usage_rollups(&q).await?;
            let mut by_bucket: BTreeMap<i64, UsageTotals> = BTreeMap::new();
            let mut by_model: BTreeMap<String, UsageTotals> = BTreeMap::new();
            for c in &cells {
                by_bucket.entry(c.bucket_start).or_default().add(&c.totals);
                by_model.entry(c.key.clone()).or_default().add(&c.totals);
            }
            (
                by_bucket.into_iter().collect(),
                by_model.into_iter().collect(),
            )
        }
    };
    let filled: BTreeMap<i64, UsageTotals> = per_bucket.into_iter().collect();
    let mut data = ChartData {
        range: range.as_str(),
        source: if rollup.is_some() { "rollups" } else { "logs" },
        bucket_seconds: bucket / 1000,
        start,
        end,
        request_trend: Vec::new(),
        latency_trend: Vec::new(),
        token_trend: Vec::new(),
        token_breakdown: TokenBreakdown::default(),
        model_ranking: ranking(per_model),
    };
    let mut all = UsageTotals::default();
    for i in 0..count {
        let time = start + i * bucket;
        let t = filled.get(&time).copied().unwrap_or_default();
        all.add(&t);
        data.request_trend.push(RequestPoint {
            time,
            requests: t.requests,
            errors: t.errors,
        });
        data.latency_trend.push(LatencyPoint {
            time,
            avg_duration_ms: average(t.duration_ms_sum, t.requests),
            avg_first_token_ms: average(t.first_token_ms_sum, t.first_token_count),
        });
        data.token_trend.push(TokenPoint {
            time,
            tokens: TokenBreakdown::from(&t),
        });
    }
    data.token_breakdown = TokenBreakdown::from(&all);
    Ok(data)
}

/// Most requests first, then most tokens, then by name.
fn ranking(per_model: Vec<(String, UsageTotals)>) -> Vec<ModelRank> {
    let mut ranks: Vec<ModelRank> = per_model
        .into_iter()
        .map(|(model, t)| ModelRank {
            model,
            requests: t.requests,
            errors: t.errors,
            total_tokens: t.total_tokens(),
            avg_duration_ms: average(t.duration_ms_sum, t.requests),
        })
        .collect();
    ranks.sort_by(|a, b| {
        (b.requests, b.total_tokens)
            .cmp(&(a.requests, a.total_tokens))
            .then_with(|| a.model.cmp(&b.model))
    });
    ranks.truncate(RANKING_LIMIT);
    ranks
}

/// `GET /usage/stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
pub struct UsageStats {
    pub total_requests: i64,
    pub success_requests: i64,
    pub error_requests: i64,
    /// Errors / requests, 0..1.
    pub error_rate: f64,
    #[serde(flatten)]
    pub tokens: TokenBreakdown,
    pub avg_duration_ms: Option<f64>,
    pub avg_first_token_ms: Option<f64>,
    pub today_requests: i64,
    pub today_tokens: i64,
    pub today_errors: i64,
    pub rpm: u64,
    pub tpm: u64,
}

/// All-time totals (daily rollups), today's (hourly rollups, UTC day), and the last minute
/// (in memory, so it includes rows the writer has not flushed yet).
pub async fn usage_stats(
    store: &dyn Store,
    recorder: &super::UsageRecorder,
    now: i64,
) -> StoreResult<UsageStats> {
    let all = rollup_sum(store, RollupGranularity::Day, 0, i64::MAX).await?;
    let today = today_totals(store, now).await?;
    let minute = recorder.metrics().last_minute(now);
    Ok(UsageStats {
        total_requests: all.requests,
        success_requests: all.requests - all.errors,
        error_requests: all.errors,
        error_rate: average(all.errors, all.requests).unwrap_or(0.0),
        tokens: TokenBreakdown::from(&all),
        avg_duration_ms: average(all.duration_ms_sum, all.requests),
        avg_first_token_ms: average(all.first_token_ms_sum, all.first_token_count),
        today_requests: today.requests,
        today_tokens: today.total_tokens(),
        today_errors: today.errors,
        rpm: minute.requests,
        tpm: minute.tokens,
    })
}

/// Totals since the start of the current UTC day.
pub async fn today_totals(store: &dyn Store, now: i64) -> StoreResult<UsageTotals> {
    let midnight = RollupGranularity::Day.bucket_start(now);
    rollup_sum(store, RollupGranularity::Hour, midnight, i64::MAX).await
}

async fn rollup_sum(
    store: &dyn Store,
    granularity: RollupGranularity,
    start: i64,
    end: i64,
) -> StoreResult<UsageTotals> {
    // Every row has exactly one model cell per bucket, so the model dimension sums to the total.
    let q = RollupQuery {
        granularity,
        dimension: RollupDimension::Model,
        start,
        end,
    };
    let mut sum = UsageTotals::default();
    for cell in store.usage_rollups(&q).await? {
        sum.add(&cell.totals);
    }
    Ok(sum)
}
