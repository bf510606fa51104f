//! What both backends share below the SQL: the column lists (as macros, so they splice into
//! `concat!` and the statements stay `&'static str`) and the row decoders, written once over
//! `sqlx::Row` so the two backends cannot drift apart in how a row becomes a model.

use sqlx::{ColumnIndex, Decode, Row, Type};

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
         created_at, updated_at, deleted_at"
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

pub(super) fn account<'r, R>(row: &'r R) -> Result<Account, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("kind")?;
    let kind = CredentialKind::parse(&kind)
        .ok_or_else(|| corrupt(format!("unknown credential kind {kind:?}")))?;
    let state: String = row.try_get("state")?;
    let state = CredentialState::parse(&state)
        .ok_or_else(|| corrupt(format!("unknown credential state {state:?}")))?;
    Ok(Account {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        identity_key: row.try_get("identity_key")?,
        email: row.try_get("email")?,
        chatgpt_account_id: row.try_get("chatgpt_account_id")?,
        chatgpt_user_id: row.try_get("chatgpt_user_id")?,
        plan_type: row.try_get("plan_type")?,
        kind,
        credentials_sealed: row.try_get("credentials_sealed")?,
        credential_generation: row.try_get("credential_generation")?,
        access_expires_at: row.try_get("access_expires_at")?,
        last_refreshed_at: row.try_get("last_refreshed_at")?,
        state,
        state_reason: row.try_get("state_reason")?,
        enabled: row.try_get("enabled")?,
        paused: row.try_get("paused")?,
        proxy_url: row.try_get("proxy_url")?,
        note: row.try_get("note")?,
        scheduler_priority: row.try_get("scheduler_priority")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
    })
}

pub(super) fn event<'r, R>(row: &'r R) -> Result<AccountEvent, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(AccountEvent {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: row.try_get("kind")?,
        detail: row.try_get("detail")?,
        created_at: row.try_get("created_at")?,
    })
}

pub(super) fn api_key<'r, R>(row: &'r R) -> Result<ApiKey, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let models: String = row.try_get("allowed_models")?;
    let allowed_models = serde_json::from_str(&models).map_err(|e| {
        corrupt(format!(
            "api_keys.allowed_models is not a JSON string array: {e}"
        ))
    })?;
    Ok(ApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        key_hash: row.try_get("key_hash")?,
        key_preview: row.try_get("key_preview")?,
        enabled: row.try_get("enabled")?,
        rpm: row.try_get("rpm")?,
        max_concurrency: row.try_get("max_concurrency")?,
        token_quota: row.try_get("token_quota")?,
        tokens_used: row.try_get("tokens_used")?,
        allowed_models,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

pub(super) fn usage<'r, R>(row: &'r R) -> Result<UsageLog, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(UsageLog {
        id: row.try_get("id")?,
        row: NewUsageLog {
            created_at: row.try_get("created_at")?,
            request_id: row.try_get("request_id")?,
            api_key_id: row.try_get("api_key_id")?,
            account_id: row.try_get("account_id")?,
            endpoint: row.try_get("endpoint")?,
            upstream_endpoint: row.try_get("upstream_endpoint")?,
            requested_model: row.try_get("requested_model")?,
            effective_model: row.try_get("effective_model")?,
            stream: row.try_get("stream")?,
            status_code: row.try_get("status_code")?,
            error_kind: row.try_get("error_kind")?,
            input_tokens: row.try_get("input_tokens")?,
            cached_tokens: row.try_get("cached_tokens")?,
            output_tokens: row.try_get("output_tokens")?,
            reasoning_tokens: row.try_get("reasoning_tokens")?,
            first_token_ms: row.try_get("first_token_ms")?,
            duration_ms: row.try_get("duration_ms")?,
            attempts: row.try_get("attempts")?,
            trace: row.try_get("trace")?,
            user_agent: row.try_get("user_agent")?,
        },
    })
}

pub(super) fn totals<'r, R>(row: &'r R) -> Result<UsageTotals, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(UsageTotals {
        requests: row.try_get("requests")?,
        errors: row.try_get("errors")?,
        input_tokens: row.try_get("input_tokens")?,
        cached_tokens: row.try_get("cached_tokens")?,
        output_tokens: row.try_get("output_tokens")?,
        reasoning_tokens: row.try_get("reasoning_tokens")?,
        duration_ms_sum: row.try_get("duration_ms_sum")?,
        first_token_ms_sum: row.try_get("first_token_ms_sum")?,
        first_token_count: row.try_get("first_token_count")?,
    })
}

pub(super) fn quota_window<'r, R>(row: &'r R) -> Result<AccountQuotaWindow, sqlx::Error>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    f64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
{
    let kind: String = row.try_get("window_kind")?;
    let kind = QuotaWindowKind::parse(&kind)
        .ok_or_else(|| corrupt(format!("unknown quota window {kind:?}")))?;
    Ok(AccountQuotaWindow {
        account_id: row.try_get("account_id")?,
        kind,
        used_percent: row.try_get("used_percent")?,
        window_minutes: row.try_get("window_minutes")?,
        reset_at: row.try_get("reset_at")?,
        observed_at: row.try_get("observed_at")?,
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
