//! Row models for quota windows and usage rollups, shared by both store implementations.

use serde::Serialize;

/// A quota window, classified by its length (upstream.md §5.1), never by whether the
/// upstream sent it as "primary" or "secondary".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum QuotaWindowKind {
    /// At least 60 and under 1440 minutes.
    #[serde(rename = "5h")]
    FiveHour,
    /// At least 1440 minutes.
    #[serde(rename = "7d")]
    Weekly,
    /// Under 60 minutes; kept for display only.
    #[serde(rename = "short")]
    Short,
}

impl QuotaWindowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaWindowKind::FiveHour => "5h",
            QuotaWindowKind::Weekly => "7d",
            QuotaWindowKind::Short => "short",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "5h" => Some(QuotaWindowKind::FiveHour),
            "7d" => Some(QuotaWindowKind::Weekly),
            "short" => Some(QuotaWindowKind::Short),
            _ => None,
        }
    }

    /// The class of a window of `minutes`; `None` for a window of zero or negative length.
    pub fn classify(minutes: i64) -> Option<Self> {
        match minutes {
            m if m >= 1440 => Some(QuotaWindowKind::Weekly),
            m if m >= 60 => Some(QuotaWindowKind::FiveHour),
            m if m > 0 => Some(QuotaWindowKind::Short),
            _ => None,
        }
    }
}

/// One stored cooldown of an account (scheduling.md §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCooldown {
    pub account_id: i64,
    /// Empty for the account-wide cooldown, else the model it applies to.
    pub scope: String,
    /// The policy's reason code (`usage_limit`, `rate_limited_model`, ...).
    pub reason: String,
    /// Unix ms.
    pub until: i64,
    /// Unix ms.
    pub since: i64,
    /// Set from the 30-min fallback; a probe's reset replaces it.
    pub provisional: bool,
}

/// The latest observation of one window of one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountQuotaWindow {
    pub account_id: i64,
    pub kind: QuotaWindowKind,
    pub used_percent: f64,
    pub window_minutes: i64,
    /// Unix ms.
    pub reset_at: Option<i64>,
    /// Unix ms.
    pub observed_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RollupGranularity {
    Hour,
    /// A UTC day.
    Day,
}

impl RollupGranularity {
    pub fn as_str(self) -> &'static str {
        match self {
            RollupGranularity::Hour => "hour",
            RollupGranularity::Day => "day",
        }
    }

    pub fn bucket_ms(self) -> i64 {
        match self {
            RollupGranularity::Hour => 3_600_000,
            RollupGranularity::Day => 86_400_000,
        }
    }

    /// The start of the bucket holding `at` (unix ms).
    pub fn bucket_start(self, at: i64) -> i64 {
        at.div_euclid(self.bucket_ms()) * self.bucket_ms()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RollupDimension {
    Model,
    ApiKey,
    Account,
}

impl RollupDimension {
    pub fn as_str(self) -> &'static str {
        match self {
            RollupDimension::Model => "model",
            RollupDimension::ApiKey => "api_key",
            RollupDimension::Account => "account",
        }
    }
}

/// Sums over a set of usage rows. Averages are derived (`duration_ms_sum / requests`,
/// `first_token_ms_sum / first_token_count`) so totals of totals stay exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UsageTotals {
    pub requests: i64,
    /// Rows with a status code of 400 or more.
    pub errors: i64,
    pub input_tokens: i64,
    pub cached_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    pub duration_ms_sum: i64,
    pub first_token_ms_sum: i64,
    /// Rows that reported a first-token time.
    pub first_token_count: i64,
}

impl UsageTotals {
    /// The contribution of one row.
    pub fn of(row: &super::NewUsageLog) -> Self {
        UsageTotals {
            requests: 1,
            errors: i64::from(row.status_code >= 400),
            input_tokens: row.input_tokens,
            cached_tokens: row.cached_tokens,
            output_tokens: row.output_tokens,
            reasoning_tokens: row.reasoning_tokens,
            duration_ms_sum: row.duration_ms,
            first_token_ms_sum: row.first_token_ms.unwrap_or(0),
            first_token_count: i64::from(row.first_token_ms.is_some()),
        }
    }

    pub fn add(&mut self, other: &UsageTotals) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.input_tokens += other.input_tokens;
        self.cached_tokens += other.cached_tokens;
        self.output_tokens += other.output_tokens;
        self.reasoning_tokens += other.reasoning_tokens;
        self.duration_ms_sum += other.duration_ms_sum;
        self.first_token_ms_sum += other.first_token_ms_sum;
        self.first_token_count += other.first_token_count;
    }

    /// Input plus output (upstream.md §5.4: cached is part of input, reasoning of output).
    pub fn total_tokens(&self) -> i64 {
        self.input_tokens + self.output_tokens
    }
}

/// One rollup cell: a bucket of one granularity, for one value of one dimension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRollup {
    pub granularity: RollupGranularity,
    pub dimension: RollupDimension,
    pub bucket_start: i64,
    /// Model name, or the API-key / account id as text; empty when the row had none.
    pub key: String,
    pub totals: UsageTotals,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollupQuery {
    pub granularity: RollupGranularity,
    pub dimension: RollupDimension,
    /// Inclusive bucket start, unix ms.
    pub start: i64,
    /// Exclusive bucket start, unix ms.
    pub end: i64,
}

/// An aggregate over the raw log: rows with `start <= created_at < end`, grouped into
/// buckets of `bucket_ms` aligned to the unix epoch (or one bucket), and by model when asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageAggregateQuery {
    pub start: i64,
    pub end: i64,
    /// Bucket length; 0 (or less) puts every row in one bucket starting at `start`.
    pub bucket_ms: i64,
    pub by_model: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageAggregate {
    pub bucket_start: i64,
    /// The effective model, else the requested one, else `""`; `None` unless `by_model`.
    pub model: Option<String>,
    pub totals: UsageTotals,
}

/// The model a usage row is counted under: the one that served it, else the one asked for,
/// else `""`. The SQL aggregates use the same rule (`COALESCE(effective, requested, '')`).
pub fn usage_model_key(row: &super::NewUsageLog) -> &str {
    row.effective_model
        .as_deref()
        .or(row.requested_model.as_deref())
        .unwrap_or("")
}
