//! The HTTP control API under `/__control`: the same operations as [`crate::MockControl`],
//! for tests and demos that run the mock as a separate process.

use std::time::Duration;

use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::RateLimitUpdate;
use crate::faults::FaultRule;
use crate::handle::MockControl;

type Ctl = AxState<MockControl>;

pub(crate) fn router(control: MockControl) -> Router {
    Router::new()
        .route(
            "/__control/health",
            get(|| async { Json(json!({"ok": true})) }),
        )
        .route("/__control/accounts", post(seed).get(list_accounts))
        .route("/__control/accounts/{id}/tokens", post(issue_tokens))
        .route("/__control/expire-tokens", post(expire))
        .route("/__control/rate-limits", post(rate_limits))
        .route("/__control/delay", post(delay))
        .route(
            "/__control/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/__control/auth-codes", post(mint_code))
        .route("/__control/log", get(log).delete(clear_log))
        .route("/__control/counters", get(counters).delete(reset_counters))
        .with_state(control)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SeedReq {
    count: Option<usize>,
    plan: Option<String>,
}

async fn seed(AxState(c): Ctl, body: Option<Json<SeedReq>>) -> Json<Value> {
    let req = body.map(|Json(b)| b).unwrap_or_default();
    let accounts: Vec<_> = (0..req.count.unwrap_or(1))
        .map(|_| c.seed_account(req.plan.as_deref()))
        .collect();
    Json(json!({"accounts": accounts}))
}

async fn list_accounts(AxState(c): Ctl) -> Json<Value> {
    let accounts: Vec<Value> = c
        .state
        .accounts()
        .iter()
        .map(|a| {
            json!({
                "account_id": a.id, "user_id": a.user_id, "email": a.email, "plan": a.plan,
                "rate_limits": c.rate_limits(&a.id), "counters": c.counters(&a.id),
            })
        })
        .collect();
    Json(json!({"accounts": accounts}))
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({"error": format!("unknown {what}")})),
    )
        .into_response()
}

async fn issue_tokens(AxState(c): Ctl, Path(id): Path<String>) -> Response {
    match c.issue_tokens(&id) {
        Some(t) => Json(t).into_response(),
        None => not_found("account"),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Target {
    account_id: Option<String>,
}

async fn expire(AxState(c): Ctl, body: Option<Json<Target>>) -> Json<Value> {
    let t = body.map(|Json(b)| b).unwrap_or_default();
    Json(json!({"expired": c.expire_access_tokens(t.account_id.as_deref())}))
}

#[derive(Deserialize)]
struct RateReq {
    #[serde(default)]
    account_id: Option<String>,
    #[serde(flatten)]
    update: RateLimitUpdate,
}

async fn rate_limits(AxState(c): Ctl, Json(r): Json<RateReq>) -> Json<Value> {
    Json(json!({"updated": c.set_rate_limits(r.account_id.as_deref(), &r.update)}))
}

#[derive(Deserialize)]
struct DelayReq {
    #[serde(default)]
    account_id: Option<String>,
    /// `null` with an account removes that account's own setting.
    delta_delay_ms: Option<u64>,
}

async fn delay(AxState(c): Ctl, Json(r): Json<DelayReq>) -> Response {
    let d = r.delta_delay_ms.map(Duration::from_millis);
    match r.account_id {
        Some(id) if !c.set_account_delta_delay(&id, d) => not_found("account"),
        Some(_) => Json(json!({"ok": true})).into_response(),
        None => {
            c.set_default_delta_delay(d.unwrap_or_default());
            Json(json!({"ok": true})).into_response()
        }
    }
}

async fn add_fault(AxState(c): Ctl, Json(rule): Json<FaultRule>) -> Json<Value> {
    Json(json!({"id": c.inject_fault(rule)}))
}

async fn list_faults(AxState(c): Ctl) -> Json<Value> {
    let faults: Vec<Value> = c
        .faults()
        .into_iter()
        .map(|(id, rule)| json!({"id": id, "rule": rule}))
        .collect();
    Json(json!({"faults": faults}))
}

async fn clear_faults(AxState(c): Ctl, Query(t): Query<Target>) -> Json<Value> {
    c.clear_faults(t.account_id.as_deref());
    Json(json!({"ok": true}))
}

#[derive(Deserialize)]
struct CodeReq {
    account_id: String,
    code_challenge: String,
    #[serde(default)]
    redirect_uri: Option<String>,
}

async fn mint_code(AxState(c): Ctl, Json(r): Json<CodeReq>) -> Response {
    match c.mint_authorization_code(&r.account_id, &r.code_challenge, r.redirect_uri.as_deref()) {
        Some(code) => Json(json!({"code": code})).into_response(),
        None => not_found("account"),
    }
}

async fn log(AxState(c): Ctl) -> Json<Value> {
    Json(json!({"requests": c.request_log()}))
}

async fn clear_log(AxState(c): Ctl) -> Json<Value> {
    c.clear_request_log();
    Json(json!({"ok": true}))
}

async fn counters(AxState(c): Ctl) -> Json<Value> {
    Json(json!({"accounts": c.all_counters()}))
}

async fn reset_counters(AxState(c): Ctl) -> Json<Value> {
    c.reset_counters();
    Json(json!({"ok": true}))
}
