//! `POST /backend-api/codex/responses/compact`: JSON in, `{"output":[items]}` out, not streamed.
//!
//! The answer keeps the user messages of the input and appends one `compaction` item whose
//! `encrypted_content` is sealed for the calling account and derived from the input, so the
//! same request on the same mock always compacts to the same output.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::auth::{authenticate, json_reply};
use crate::faults::Scope;
use crate::responses::{parse_body, pre_answer_fault, reject, unsupported, Req};
use crate::state::State;
use crate::usage::rate_limit_headers;
use crate::util::{hex, lock};

pub(crate) async fn handle(
    AxState(state): AxState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let req = Req {
        method: &method,
        uri: &uri,
        headers: &headers,
    };
    let account = match authenticate(&state, &headers) {
        Ok(a) => a,
        Err(e) => return reject(&state, &req, None, None, e),
    };
    account.counters.compact.fetch_add(1, Ordering::Relaxed);
    let body = match parse_body(&headers, &raw) {
        Ok(b) => b,
        Err(e) => return reject(&state, &req, Some(&account), None, e),
    };
    if let Some(e) = unsupported(&body, &["stream", "store", "include"]) {
        return reject(&state, &req, Some(&account), Some(&body), e);
    }
    let fault = pre_answer_fault(&state, &account, Scope::Compact).await;
    if let Some(e) = fault.and_then(|f| f.error_reply(&account.plan)) {
        return reject(&state, &req, Some(&account), Some(&body), e);
    }

    let input = body.get("input").cloned().unwrap_or(Value::Null);
    let digest = hex(&Sha256::digest(input.to_string().as_bytes()));
    let mut output: Vec<Value> = match &input {
        Value::String(s) => vec![json!({"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": s}]})],
        Value::Array(items) => items
            .iter()
            .filter(|i| i.get("role").and_then(Value::as_str) == Some("user"))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    output.push(json!({
        "type": "compaction",
        "encrypted_content": state.seal_with_nonce(&account.id, &digest[..12]),
    }));
    state.log.record(
        method.as_str(),
        &uri.to_string(),
        &headers,
        Some(body),
        Some(&account.id),
        200,
        None,
    );
    let mut r = json_reply(StatusCode::OK, json!({"output": output}).to_string());
    rate_limit_headers(&lock(&account.mutable).rate, r.headers_mut());
    r
}
