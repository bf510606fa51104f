//! `/api/admin/usage/*`: totals, chart series, the request log (JSON page or CSV export) and
//! clearing it. Timestamps in the log go out as RFC 3339; filters take RFC 3339 or unix
//! seconds / milliseconds.

use std::collections::HashMap;
use std::fmt::Write;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::http::error::AdminError;
use crate::service::now_ms;
use crate::state::AppState;
use crate::store::{usage_model_key, StoreError, UsageFilter, UsageLog, MAX_PAGE_SIZE};
use crate::upstream::timestamp::{format_rfc3339_ms, parse_rfc3339, unix_seconds_from_number};
use crate::usage::analytics::{self, ChartRange};
use crate::usage::retention;

/// The CSV export stops after this many rows; narrow the filter for more.
const EXPORT_MAX_ROWS: usize = 100_000;

type Params = Query<HashMap<String, String>>;

pub async fn stats(
    State(state): State<AppState>,
) -> Result<Json<analytics::UsageStats>, AdminError> {
    let stats = analytics::usage_stats(state.store().as_ref(), state.usage(), now_ms())
        .await
        .map_err(store_error)?;
    Ok(Json(stats))
}

pub async fn chart_data(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<analytics::ChartData>, AdminError> {
    let raw = q.get("range").map_or("24h", String::as_str);
    let range = ChartRange::parse(raw)
        .ok_or_else(|| invalid(format!("range {raw:?} is not one of 1h, 24h, 7d, 30d")))?;
    let data = analytics::chart_data(state.store().as_ref(), range, now_ms())
        .await
        .map_err(store_error)?;
    Ok(Json(data))
}

pub async fn logs(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<Value>, AdminError> {
    let filter = filter_of(&q)?;
    let page = state
        .store()
        .list_usage(&filter)
        .await
        .map_err(store_error)?;
    let items: Vec<LogItem> = page.items.iter().map(LogItem::from).collect();
    let page_size = if filter.page_size <= 0 {
        crate::store::DEFAULT_PAGE_SIZE
    } else {
        filter.page_size.min(MAX_PAGE_SIZE)
    };
    Ok(Json(json!({
        "items": items,
        "total": page.total,
        "page": filter.page.max(1),
        "page_size": page_size,
    })))
}

pub async fn export(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Response, AdminError> {
    let mut filter = filter_of(&q)?;
    // Pin the window's end so rows arriving during the export cannot shift the pages.
    filter.end.get_or_insert(now_ms() + 1);
    filter.page_size = MAX_PAGE_SIZE;
    let mut csv = String::from(CSV_HEADER);
    let mut rows = 0usize;
    for page_no in 1.. {
        filter.page = page_no;
        let page = state
            .store()
            .list_usage(&filter)
            .await
            .map_err(store_error)?;
        for log in &page.items {
            csv_row(&mut csv, log);
        }
        rows += page.items.len();
        if page.items.len() < usize::try_from(MAX_PAGE_SIZE).unwrap_or(0) || rows >= EXPORT_MAX_ROWS
        {
            break;
        }
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"usage-logs.csv\"",
        ),
    ];
    Ok((headers, csv).into_response())
}

/// `DELETE /usage/logs`: all raw rows, or those before `before`; `rollups=true` also clears
/// the rollups (the 7d/30d charts and all-time totals).
pub async fn clear(
    State(state): State<AppState>,
    Query(q): Params,
) -> Result<Json<Value>, AdminError> {
    let before = q
        .get("before")
        .map(|v| parse_time("before", v))
        .transpose()?;
    let store = state.store().as_ref();
    let deleted = match before {
        Some(before) => store.delete_usage_before(before).await,
        None => retention::clear_all(store).await,
    }
    .map_err(store_error)?;
    let rollups = match q.get("rollups").map(String::as_str) {
        Some("true" | "1") => store.clear_usage_rollups().await.map_err(store_error)?,
        Some("false" | "0") | None => 0,
        Some(other) => return Err(invalid(format!("rollups {other:?} is not true or false"))),
    };
    Ok(Json(json!({
        "message": format!("deleted {deleted} usage rows"),
        "deleted": deleted,
        "rollups_deleted": rollups,
    })))
}

/// One log row as the admin API shows it.
#[derive(Debug, Serialize)]
struct LogItem<'a> {
    id: i64,
    created_at: String,
    created_at_ms: i64,
    request_id: &'a str,
    api_key_id: Option<i64>,
    account_id: Option<i64>,
    endpoint: &'a str,
    upstream_endpoint: Option<&'a str>,
    model: &'a str,
    requested_model: Option<&'a str>,
    effective_model: Option<&'a str>,
    stream: bool,
    status_code: i64,
    error_kind: Option<&'a str>,
    input_tokens: i64,
    cached_tokens: i64,
    output_tokens: i64,
    reasoning_tokens: i64,
    total_tokens: i64,
    first_token_ms: Option<i64>,
    duration_ms: i64,
    attempts: i64,
    /// The routing trace, as JSON when it parses.
    trace: Option<Value>,
    user_agent: Option<&'a str>,
}

impl<'a> From<&'a UsageLog> for LogItem<'a> {
    fn from(log: &'a UsageLog) -> Self {
        let r = &log.row;
        LogItem {
            id: log.id,
            created_at: format_rfc3339_ms(r.created_at),
            created_at_ms: r.created_at,
            request_id: &r.request_id,
            api_key_id: r.api_key_id,
            account_id: r.account_id,
            endpoint: &r.endpoint,
            upstream_endpoint: r.upstream_endpoint.as_deref(),
            model: usage_model_key(r),
            requested_model: r.requested_model.as_deref(),
            effective_model: r.effective_model.as_deref(),
            stream: r.stream,
            status_code: r.status_code,
            error_kind: r.error_kind.as_deref(),
            input_tokens: r.input_tokens,
            cached_tokens: r.cached_tokens,
            output_tokens: r.output_tokens,
            reasoning_tokens: r.reasoning_tokens,
            total_tokens: r.input_tokens + r.output_tokens,
            first_token_ms: r.first_token_ms,
            duration_ms: r.duration_ms,
            attempts: r.attempts,
            trace: r
                .trace
                .as_deref()
                .map(|t| serde_json::from_str(t).unwrap_or_else(|_| json!(t))),
            user_agent: r.user_agent.as_deref(),
        }
    }
}

const CSV_HEADER: &str =
    "id,created_at,request_id,api_key_id,account_id,endpoint,model,requested_model,\
effective_model,stream,status_code,error_kind,input_tokens,cached_tokens,output_tokens,\
reasoning_tokens,total_tokens,first_token_ms,duration_ms,attempts,user_agent\n";

fn csv_row(out: &mut String, log: &UsageLog) {
    let r = &log.row;
    let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let fields = [
        log.id.to_string(),
        format_rfc3339_ms(r.created_at),
        csv_text(&r.request_id),
        opt(r.api_key_id),
        opt(r.account_id),
        csv_text(&r.endpoint),
        csv_text(usage_model_key(r)),
        csv_text(r.requested_model.as_deref().unwrap_or_default()),
        csv_text(r.effective_model.as_deref().unwrap_or_default()),
        r.stream.to_string(),
        r.status_code.to_string(),
        csv_text(r.error_kind.as_deref().unwrap_or_default()),
        r.input_tokens.to_string(),
        r.cached_tokens.to_string(),
        r.output_tokens.to_string(),
        r.reasoning_tokens.to_string(),
        (r.input_tokens + r.output_tokens).to_string(),
        opt(r.first_token_ms),
        r.duration_ms.to_string(),
        r.attempts.to_string(),
        csv_text(r.user_agent.as_deref().unwrap_or_default()),
    ];
    let _ = writeln!(out, "{}", fields.join(","));
}

/// RFC 4180 quoting, plus a leading `'` on text a spreadsheet would run as a formula
/// (client-controlled fields such as the user agent end up in this file).
fn csv_text(v: &str) -> String {
    let guarded = if v.starts_with(['=', '+', '-', '@']) {
        format!("'{v}")
    } else {
        v.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn filter_of(q: &HashMap<String, String>) -> Result<UsageFilter, AdminError> {
    let text = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let int = |k: &'static str| -> Result<Option<i64>, AdminError> {
        text(k)
            .map(|v| {
                v.parse()
                    .map_err(|_| invalid(format!("{k} {v:?} is not an integer")))
            })
            .transpose()
    };
    let success = match text("status") {
        None | Some("all") => None,
        Some("success") => Some(true),
        Some("errors" | "error") => Some(false),
        Some(other) => {
            return Err(invalid(format!(
                "status {other:?} is not all, success or errors"
            )))
        }
    };
    let stream = match text("stream") {
        None | Some("all") => None,
        Some("true" | "1") => Some(true),
        Some("false" | "0") => Some(false),
        Some(other) => return Err(invalid(format!("stream {other:?} is not true or false"))),
    };
    Ok(UsageFilter {
        start: text("start").map(|v| parse_time("start", v)).transpose()?,
        end: text("end").map(|v| parse_time("end", v)).transpose()?,
        model: text("model").map(str::to_owned),
        account_id: int("account_id")?,
        api_key_id: int("api_key_id")?,
        success,
        stream,
        page: int("page")?.unwrap_or(1),
        page_size: int("page_size")?.or(int("limit")?).unwrap_or(0),
    })
}

/// RFC 3339, or unix seconds / milliseconds, to unix ms.
fn parse_time(name: &str, raw: &str) -> Result<i64, AdminError> {
    if let Ok(n) = raw.trim().parse::<i64>() {
        let secs = unix_seconds_from_number(n);
        return Ok(if secs == n { n.saturating_mul(1000) } else { n });
    }
    parse_rfc3339(raw)
        .map(|s| s.saturating_mul(1000))
        .ok_or_else(|| invalid(format!("{name} {raw:?} is not RFC 3339 or unix time")))
}

fn invalid(message: String) -> AdminError {
    AdminError::new(StatusCode::BAD_REQUEST, "invalid_query", message)
}

pub(super) fn store_error(err: StoreError) -> AdminError {
    tracing::error!(error = %err, "usage admin API: store error");
    AdminError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "the database is unavailable",
    )
}
