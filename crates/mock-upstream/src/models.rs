//! `GET /backend-api/codex/models`: the model manifest in the shape the Codex CLI decodes
//! (`{"models":[ModelInfo…]}`, upstream.md §6.2), with an `ETag` and `If-None-Match` → 304.

use std::sync::{Arc, LazyLock};

use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::auth::{authenticate, json_reply};
use crate::state::State;
use crate::util::hex;

/// Slugs the manifest lists, highest priority first.
pub const MODEL_SLUGS: &[&str] = &["gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.3-codex-spark"];

/// The manifest, serialised once, with its ETag.
pub(crate) struct Manifest {
    pub body: String,
    pub etag: HeaderValue,
}

pub(crate) static MANIFEST: LazyLock<Manifest> = LazyLock::new(|| {
    let body = manifest_json().to_string();
    let tag = format!("\"{}\"", &hex(&Sha256::digest(body.as_bytes()))[..16]);
    let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"mock\""));
    Manifest { body, etag }
});

fn levels(efforts: &[&str]) -> Value {
    efforts
        .iter()
        .map(|e| json!({"effort": e, "description": format!("{e} reasoning effort")}))
        .collect()
}

fn model(slug: &str, display: &str, priority: i32, context: i64, efforts: &[&str]) -> Value {
    json!({
        "slug": slug,
        "display_name": display,
        "description": format!("{display} (mock-upstream)"),
        "default_reasoning_level": "medium",
        "supported_reasoning_levels": levels(efforts),
        "shell_type": "shell_command",
        "visibility": "list",
        "supported_in_api": true,
        "priority": priority,
        "upgrade": null,
        "base_instructions": "You are Codex, a coding agent. (mock-upstream base instructions)",
        "supports_reasoning_summaries": true,
        "support_verbosity": true,
        "default_verbosity": "low",
        "apply_patch_tool_type": "freeform",
        "truncation_policy": {"mode": "tokens", "limit": 10000},
        "supports_parallel_tool_calls": true,
        "context_window": context,
        "effective_context_window_percent": 95,
        "experimental_supported_tools": [],
        "input_modalities": ["text", "image"],
    })
}

/// The manifest body as JSON.
pub fn manifest_json() -> Value {
    let all = ["low", "medium", "high", "xhigh"];
    json!({"models": [
        model(MODEL_SLUGS[0], "GPT-5.5", 1, 272_000, &all),
        model(MODEL_SLUGS[1], "GPT-5.4", 2, 272_000, &all),
        model(MODEL_SLUGS[2], "GPT-5.4 Mini", 3, 272_000, &["low", "medium", "high"]),
        model(MODEL_SLUGS[3], "GPT-5.3 Codex Spark", 4, 128_000, &["low", "medium", "high"]),
    ]})
}

pub(crate) async fn handle(
    AxState(state): AxState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.to_string();
    let account = match authenticate(&state, &headers) {
        Ok(a) => a,
        Err((status, body)) => {
            state.log.record(
                method.as_str(),
                &path,
                &headers,
                None,
                None,
                status.as_u16(),
                None,
            );
            return json_reply(status, body);
        }
    };
    let m = &*MANIFEST;
    let fresh = headers.get(header::IF_NONE_MATCH).is_some_and(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii() == m.etag.as_bytes())
    });
    let status = if fresh {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    };
    state.log.record(
        method.as_str(),
        &path,
        &headers,
        None,
        Some(&account.id),
        status.as_u16(),
        None,
    );
    let mut r = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        json_reply(StatusCode::OK, m.body.clone())
    };
    r.headers_mut().insert(header::ETAG, m.etag.clone());
    r
}
