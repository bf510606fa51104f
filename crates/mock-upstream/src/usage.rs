//! Rate-limit state as `x-codex-*` response headers (upstream.md §5.1) and `wham/usage` (§5.5).

use std::sync::Arc;

use axum::extract::State as AxState;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;

use crate::auth::{authenticate, json_reply};
use crate::config::RateLimitState;
use crate::state::State;
use crate::util::{lock, now_unix};

/// Appends the account's `x-codex-*` headers to `headers`.
pub(crate) fn rate_limit_headers(rate: &RateLimitState, headers: &mut HeaderMap) {
    let now = now_unix();
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(name), v);
        }
    };
    put(
        "x-codex-primary-used-percent",
        rate.primary_used_percent.to_string(),
    );
    put(
        "x-codex-primary-window-minutes",
        rate.primary_window_minutes.to_string(),
    );
    put(
        "x-codex-primary-reset-at",
        rate.primary_reset_at.to_string(),
    );
    put(
        "x-codex-primary-reset-after-seconds",
        (rate.primary_reset_at - now).max(0).to_string(),
    );
    put(
        "x-codex-secondary-used-percent",
        rate.secondary_used_percent.to_string(),
    );
    put(
        "x-codex-secondary-window-minutes",
        rate.secondary_window_minutes.to_string(),
    );
    put(
        "x-codex-secondary-reset-at",
        rate.secondary_reset_at.to_string(),
    );
    put(
        "x-codex-secondary-reset-after-seconds",
        (rate.secondary_reset_at - now).max(0).to_string(),
    );
    put("x-codex-plan-type", rate.plan_type.clone());
    put(
        "x-codex-credits-has-credits",
        rate.credits_has_credits.to_string(),
    );
    put(
        "x-codex-credits-unlimited",
        rate.credits_unlimited.to_string(),
    );
    put("x-codex-credits-balance", rate.credits_balance.clone());
}

fn window(used: f64, minutes: u64, reset_at: i64, now: i64) -> serde_json::Value {
    json!({
        "used_percent": used.round() as i64,
        "limit_window_seconds": minutes * 60,
        "reset_after_seconds": (reset_at - now).max(0),
        "reset_at": reset_at,
    })
}

/// `GET /backend-api/wham/usage`: the account's windows and credits, costing no quota.
pub(crate) async fn wham_usage(
    AxState(state): AxState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let account = match authenticate(&state, &headers) {
        Ok(a) => a,
        Err((status, body)) => {
            state.log.record(
                method.as_str(),
                &uri.to_string(),
                &headers,
                None,
                None,
                status.as_u16(),
                None,
            );
            return json_reply(status, body);
        }
    };
    let rate = lock(&account.mutable).rate.clone();
    let now = now_unix();
    let reached = rate.primary_used_percent >= 100.0 || rate.secondary_used_percent >= 100.0;
    let body = json!({
        "user_id": account.user_id,
        "account_id": account.id,
        "email": account.email,
        "plan_type": rate.plan_type,
        "rate_limit": {
            "allowed": !reached,
            "limit_reached": reached,
            "primary_window": window(rate.primary_used_percent, rate.primary_window_minutes, rate.primary_reset_at, now),
            "secondary_window": window(rate.secondary_used_percent, rate.secondary_window_minutes, rate.secondary_reset_at, now),
        },
        "credits": {
            "has_credits": rate.credits_has_credits,
            "unlimited": rate.credits_unlimited,
            "balance": rate.credits_balance,
        },
    });
    state.log.record(
        method.as_str(),
        &uri.to_string(),
        &headers,
        None,
        Some(&account.id),
        200,
        None,
    );
    json_reply(StatusCode::OK, body.to_string())
}
