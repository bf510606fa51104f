//! The column lists (as macros, so they splice into `concat!` and the statements stay
//! `&'static str`), the upsert tails, and the row decoders, written once over any
//! [`ModelRow`] so the two backends cannot drift apart in how a row becomes a model.

use super::sql::ModelRow;

use super::{
    Account, AccountEvent, AccountQuotaWindow, ApiKey, CredentialKind, CredentialState,
    NewUsageLog, QuotaWindowKind, StoreError, UsageLog, UsageTotals,
};

/// The `accounts` columns in the order [`account`] reads them.
macro_rules! account_columns {
    () => {
        "id, name, identity_key, email, chatgpt_account_id, chatgpt_user_id, plan_type, kind, \
         credentials_sealed, credential_generation, access_expires_at, last_refreshed_at, \
         state, state_reason, enabled, paused, proxy_url, note, scheduler_priority, \
         score_bias_override, base_concurrency_override, created_at, updated_at, deleted_at"
    };
}
pub(super) use account_columns;

macro_rules! event_columns {
    () => {
        "id, account_id, kind, detail, created_at"
    };
}
pub(super) use event_columns;

macro_rules! api_key_columns {
    () => {
        "id, name, key_hash, key_preview, enabled, rpm, max_concurrency, token_quota, \
         tokens_used, allowed_models, expires_at, last_used_at, created_at, updated_at"
    };
}
pub(super) use api_key_columns;

/// Every `usage_logs` column except `id`, in `NewUsageLog` field order; the batch insert
/// binds values in this same order.
macro_rules! usage_insert_columns {
    () => {
        "created_at, request_id, api_key_id, account_id, endpoint, upstream_endpoint, \
         requested_model, effective_model, stream, status_code, error_kind, input_tokens, \
         cached_tokens, output_tokens, reasoning_tokens, first_token_ms, duration_ms, \
         attempts, trace, user_agent"
    };
}
pub(super) use usage_insert_columns;

macro_rules! usage_columns {
    () => {
        concat!("id, ", $crate::store::rows::usage_insert_columns!())
    };
}
pub(super) use usage_columns;

/// The `usage_rollups` counter columns, in `UsageTotals` field order.
macro_rules! totals_columns {
    () => {
        "requests, errors, input_tokens, cached_tokens, output_tokens, reasoning_tokens, \
         duration_ms_sum, first_token_ms_sum, first_token_count"
    };
}
pub(super) use totals_columns;

/// The same counters computed over `usage_logs`, named like [`totals_columns`]. Every sum is
/// cast to BIGINT because PostgreSQL widens `SUM(bigint)` to `numeric`; the text is valid in
/// both dialects.
macro_rules! usage_sum_columns {
    () => {
        "COUNT(*) AS requests, \
         CAST(COALESCE(SUM(CASE WHEN status_code >= 400 THEN 1 ELSE 0 END), 0) AS BIGINT) AS errors, \
         CAST(COALESCE(SUM(input_tokens), 0) AS BIGINT) AS input_tokens, \
         CAST(COALESCE(SUM(cached_tokens), 0) AS BIGINT) AS cached_tokens, \
         CAST(COALESCE(SUM(output_tokens), 0) AS BIGINT) AS output_tokens, \
         CAST(COALESCE(SUM(reasoning_tokens), 0) AS BIGINT) AS reasoning_tokens, \
         CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT) AS duration_ms_sum, \
         CAST(COALESCE(SUM(first_token_ms), 0) AS BIGINT) AS first_token_ms_sum, \
         COUNT(first_token_ms) AS first_token_count"
    };
}
pub(super) use usage_sum_columns;

macro_rules! quota_columns {
    () => {
        "account_id, window_kind, used_percent, window_minutes, reset_at, observed_at"
    };
}
pub(super) use quota_columns;

/// The conflict clause of the rollup upsert: adds the new counts to an existing cell. The
/// same text is valid in both dialects.
pub(super) const ROLLUP_UPSERT_TAIL: &str = " ON CONFLICT (granularity, dimension, bucket_start, \
     dimension_key) DO UPDATE SET \
     requests = usage_rollups.requests + excluded.requests, \
     errors = usage_rollups.errors + excluded.errors, \
     input_tokens = usage_rollups.input_tokens + excluded.input_tokens, \
     cached_tokens = usage_rollups.cached_tokens + excluded.cached_tokens, \
     output_tokens = usage_rollups.output_tokens + excluded.output_tokens, \
     reasoning_tokens = usage_rollups.reasoning_tokens + excluded.reasoning_tokens, \
     duration_ms_sum = usage_rollups.duration_ms_sum + excluded.duration_ms_sum, \
     first_token_ms_sum = usage_rollups.first_token_ms_sum + excluded.first_token_ms_sum, \
     first_token_count = usage_rollups.first_token_count + excluded.first_token_count";

/// The conflict clause of the quota upsert: a newer observation replaces the stored one, an
/// older one (a delayed batch) is ignored.
pub(super) const QUOTA_UPSERT_TAIL: &str = " ON CONFLICT (account_id, window_kind) DO UPDATE SET \
     used_percent = excluded.used_percent, window_minutes = excluded.window_minutes, \
     reset_at = excluded.reset_at, observed_at = excluded.observed_at \
     WHERE excluded.observed_at >= account_quota.observed_at";

/// A value the schema should have made impossible (an unknown enum word, broken JSON).
fn corrupt(message: String) -> sqlx::Error {
    sqlx::Error::Decode(message.into())
}

pub(super) fn account<R: ModelRow>(row: &R) -> Result<Account, sqlx::Error> {
    let kind: String = row.col("kind")?;
    let kind = CredentialKind::parse(&kind)
        .ok_or_else(|| corrupt(format!("unknown credential kind {kind:?}")))?;
    let state: String = row.col("state")?;
    let state = CredentialState::parse(&state)
        .ok_or_else(|| corrupt(format!("unknown credential state {state:?}")))?;
    Ok(Account {
        id: row.col("id")?,
        name: row.col("name")?,
        identity_key: row.col("identity_key")?,
        email: row.col("email")?,
        chatgpt_account_id: row.col("chatgpt_account_id")?,
        chatgpt_user_id: row.col("chatgpt_user_id")?,
        plan_type: row.col("plan_type")?,
        kind,
        credentials_sealed: row.col("credentials_sealed")?,
        credential_generation: row.col("credential_generation")?,
        access_expires_at: row.col("access_expires_at")?,
        last_refreshed_at: row.col("last_refreshed_at")?,
        state,
        state_reason: row.col("state_reason")?,
        enabled: row.col("enabled")?,
        paused: row.col("paused")?,
        proxy_url: row.col("proxy_url")?,
        note: row.col("note")?,
        scheduler_priority: row.col("scheduler_priority")?,
        score_bias_override: row.col("score_bias_override")?,
        base_concurrency_override: row.col("base_concurrency_override")?,
        created_at: row.col("created_at")?,
        updated_at: row.col("updated_at")?,
        deleted_at: row.col("deleted_at")?,
    })
}

pub(super) fn event<R: ModelRow>(row: &R) -> Result<AccountEvent, sqlx::Error> {
    Ok(AccountEvent {
        id: row.col("id")?,
        account_id: row.col("account_id")?,
        kind: row.col("kind")?,
        detail: row.col("detail")?,
        created_at: row.col("created_at")?,
    })
}

pub(super) fn api_key<R: ModelRow>(row: &R) -> Result<ApiKey, sqlx::Error> {
    let models: String = row.col("allowed_models")?;
    let allowed_models = serde_json::from_str(&models).map_err(|e| {
        corrupt(format!(
            "api_keys.allowed_models is not a JSON string array: {e}"
        ))
    })?;
    Ok(ApiKey {
        id: row.col("id")?,
        name: row.col("name")?,
        key_hash: row.col("key_hash")?,
        key_preview: row.col("key_preview")?,
        enabled: row.col("enabled")?,
        rpm: row.col("rpm")?,
        max_concurrency: row.col("max_concurrency")?,
        token_quota: row.col("token_quota")?,
        tokens_used: row.col("tokens_used")?,
        allowed_models,
        expires_at: row.col("expires_at")?,
        last_used_at: row.col("last_used_at")?,
        created_at: row.col("created_at")?,
        updated_at: row.col("updated_at")?,
    })
}

pub(super) fn usage<R: ModelRow>(row: &R) -> Result<UsageLog, sqlx::Error> {
    Ok(UsageLog {
        id: row.col("id")?,
        row: NewUsageLog {
            created_at: row.col("created_at")?,
            request_id: row.col("request_id")?,
            api_key_id: row.col("api_key_id")?,
            account_id: row.col("account_id")?,
            endpoint: row.col("endpoint")?,
            upstream_endpoint: row.col("upstream_endpoint")?,
            requested_model: row.col("requested_model")?,
            effective_model: row.col("effective_model")?,
            stream: row.col("stream")?,
            status_code: row.col("status_code")?,
            error_kind: row.col("error_kind")?,
            input_tokens: row.col("input_tokens")?,
            cached_tokens: row.col("cached_tokens")?,
            output_tokens: row.col("output_tokens")?,
            reasoning_tokens: row.col("reasoning_tokens")?,
            first_token_ms: row.col("first_token_ms")?,
            duration_ms: row.col("duration_ms")?,
            attempts: row.col("attempts")?,
            trace: row.col("trace")?,
            user_agent: row.col("user_agent")?,
        },
    })
}

pub(super) fn totals<R: ModelRow>(row: &R) -> Result<UsageTotals, sqlx::Error> {
    Ok(UsageTotals {
        requests: row.col("requests")?,
        errors: row.col("errors")?,
        input_tokens: row.col("input_tokens")?,
        cached_tokens: row.col("cached_tokens")?,
        output_tokens: row.col("output_tokens")?,
        reasoning_tokens: row.col("reasoning_tokens")?,
        duration_ms_sum: row.col("duration_ms_sum")?,
        first_token_ms_sum: row.col("first_token_ms_sum")?,
        first_token_count: row.col("first_token_count")?,
    })
}

pub(super) fn quota_window<R: ModelRow>(row: &R) -> Result<AccountQuotaWindow, sqlx::Error> {
    let kind: String = row.col("window_kind")?;
    let kind = QuotaWindowKind::parse(&kind)
        .ok_or_else(|| corrupt(format!("unknown quota window {kind:?}")))?;
    Ok(AccountQuotaWindow {
        account_id: row.col("account_id")?,
        kind,
        used_percent: row.col("used_percent")?,
        window_minutes: row.col("window_minutes")?,
        reset_at: row.col("reset_at")?,
        observed_at: row.col("observed_at")?,
    })
}

/// `allowed_models` as stored: a JSON array of strings.
pub(super) fn models_json(models: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(models).map_err(|e| StoreError::Backend(sqlx::Error::Encode(Box::new(e))))
}

/// Decodes every row, turning the first failure into a `StoreError`.
pub(super) fn decode_all<'r, R, T>(
    rows: &'r [R],
    decode: impl Fn(&'r R) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(|r| decode(r).map_err(StoreError::from))
        .collect()
}
