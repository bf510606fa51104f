//! Public handlers: extract, call one relay function, render JSON or SSE. Errors render in
//! the route's protocol.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gateway_protocol::{ChatCompletionRequest, MessagesRequest, ResponsesRequest};
use serde::Deserialize;
use serde_json::json;

use super::auth::{Caller, KeySlot};
use super::error::{ApiError, Flavor};
use super::extract::{AnthropicJson, ApiJson, OpenAiJson};
use crate::service::count_tokens;
use crate::service::public_api::PublicApi;
use crate::service::relay::{self, RelayContext, RelayError, Reply, BUILTIN_MODELS};
use crate::state::AppState;

/// `created` for models whose date we do not know (upstream.md §6.3).
const UNKNOWN_CREATED: u64 = 1_700_000_000;

type Api = Extension<Arc<PublicApi>>;

/// The request context every relay call takes, from the handler's extractors.
fn relay_ctx<'a>(
    state: &'a AppState,
    api: &'a Arc<PublicApi>,
    headers: &'a HeaderMap,
    caller: &'a Caller,
) -> RelayContext<'a> {
    RelayContext {
        state,
        api,
        headers,
        caller: &caller.0,
    }
}

pub async fn chat(
    State(state): State<AppState>,
    Extension(api): Api,
    Extension(caller): Extension<Caller>,
    Extension(slot): Extension<KeySlot>,
    headers: HeaderMap,
    ApiJson(req): OpenAiJson<ChatCompletionRequest>,
) -> Response {
    let ctx = relay_ctx(&state, &api, &headers, &caller);
    render(relay::chat(ctx, &req, Box::new(slot)).await, Flavor::OpenAi)
}

pub async fn responses(
    State(state): State<AppState>,
    Extension(api): Api,
    Extension(caller): Extension<Caller>,
    Extension(slot): Extension<KeySlot>,
    headers: HeaderMap,
    ApiJson(req): OpenAiJson<ResponsesRequest>,
) -> Response {
    let ctx = relay_ctx(&state, &api, &headers, &caller);
    render(
        relay::responses(ctx, req, Box::new(slot)).await,
        Flavor::OpenAi,
    )
}

pub async fn messages(
    State(state): State<AppState>,
    Extension(api): Api,
    Extension(caller): Extension<Caller>,
    Extension(slot): Extension<KeySlot>,
    headers: HeaderMap,
    ApiJson(req): AnthropicJson<MessagesRequest>,
) -> Response {
    let ctx = relay_ctx(&state, &api, &headers, &caller);
    render(
        relay::messages(ctx, &req, Box::new(slot)).await,
        Flavor::Anthropic,
    )
}

pub async fn compact(
    State(state): State<AppState>,
    Extension(api): Api,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(req): OpenAiJson<ResponsesRequest>,
) -> Response {
    let ctx = relay_ctx(&state, &api, &headers, &caller);
    match relay::compact(ctx, req).await {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(err) => ApiError::from(err).render(Flavor::OpenAi),
    }
}

/// Answered locally: no upstream call, no account slot, exempt from the RPM limiter.
pub async fn count_tokens(ApiJson(req): AnthropicJson<MessagesRequest>) -> Response {
    match count_tokens::count_messages(&req) {
        Ok(n) => Json(json!({ "input_tokens": n })).into_response(),
        Err(err) => ApiError::from(err).render(Flavor::Anthropic),
    }
}

#[derive(Deserialize)]
pub struct ModelsQuery {
    client_version: Option<String>,
}

/// The OpenAI list (upstream.md §6.3), or with `client_version` the upstream manifest verbatim.
pub async fn models(
    State(state): State<AppState>,
    Extension(api): Api,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<ModelsQuery>,
) -> Response {
    if let Some(version) = query.client_version.filter(|v| !v.trim().is_empty()) {
        let ctx = relay_ctx(&state, &api, &headers, &caller);
        return match relay::manifest(ctx, version.trim()).await {
            Ok(reply) => {
                let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
                let mut resp = (
                    status,
                    [(header::CONTENT_TYPE, "application/json")],
                    reply.body,
                )
                    .into_response();
                if let Some(etag) = reply.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
                    resp.headers_mut().insert(header::ETAG, etag);
                }
                resp
            }
            Err(err) => ApiError::from(err).render(Flavor::OpenAi),
        };
    }
    let settings = state.runtime_settings();
    if headers.contains_key("anthropic-version") {
        return Json(anthropic_models(&settings.model_mapping, &caller.0)).into_response();
    }
    let aliases = settings
        .model_mapping
        .iter()
        .map(|(alias, _)| alias.as_str())
        .filter(|a| !a.contains('*'));
    let mut seen = std::collections::HashSet::new();
    let data: Vec<_> = BUILTIN_MODELS
        .iter()
        .copied()
        .chain(aliases)
        .filter(|id| seen.insert(id.to_ascii_lowercase()))
        .filter(|id| caller.0.allows_model(&[id]))
        .map(|id| json!({"id": id, "object": "model", "created": UNKNOWN_CREATED, "owned_by": "openai"}))
        .collect();
    Json(json!({"object": "list", "data": data})).into_response()
}

/// Claude names listed to Anthropic clients when the admin mapping names none: the current
/// families Claude Code and the SDKs ask for. Each is listed only if it resolves.
const DEFAULT_CLAUDE_ALIASES: &[&str] = &[
    "claude-opus-5-5",
    "claude-sonnet-5",
    "claude-haiku-5-5",
    "claude-opus-4-8",
];
/// `UNKNOWN_CREATED` as RFC 3339, Anthropic's `created_at` format.
const UNKNOWN_CREATED_AT: &str = "2023-11-14T22:13:20Z";

/// Anthropic's list shape (translation.md §9): the Claude alias names that map to models, as
/// `{"data":[{"type":"model","id","display_name","created_at"}],"has_more","first_id","last_id"}`.
fn anthropic_models(
    mapping: &[(String, String)],
    caller: &crate::service::api_keys::Authenticated,
) -> serde_json::Value {
    let known: Vec<String> = BUILTIN_MODELS.iter().map(|m| (*m).to_owned()).collect();
    let ctx = gateway_protocol::ModelContext {
        protocol: gateway_protocol::ClientProtocol::Messages,
        mapping,
        known_models: &known,
    };
    let mapped = mapping
        .iter()
        .map(|(alias, _)| alias.as_str())
        .filter(|a| !a.contains('*') && a.to_ascii_lowercase().contains("claude"));
    let mut seen = std::collections::HashSet::new();
    let data: Vec<_> = mapped
        .chain(DEFAULT_CLAUDE_ALIASES.iter().copied())
        .filter(|id| seen.insert(id.to_ascii_lowercase()))
        .filter_map(|id| {
            let resolved = gateway_protocol::resolve_model(Some(id), &ctx).ok()?;
            caller.allows_model(&[id, &resolved.model]).then(|| {
                json!({"type": "model", "id": id, "display_name": display_name(id), "created_at": UNKNOWN_CREATED_AT})
            })
        })
        .collect();
    let id_at =
        |i: Option<&serde_json::Value>| i.map_or(serde_json::Value::Null, |m| m["id"].clone());
    json!({
        "data": data,
        "has_more": false,
        "first_id": id_at(data.first()),
        "last_id": id_at(data.last()),
    })
}

/// `claude-opus-5-5` → `Claude Opus 5.5`; `claude-sonnet-5` → `Claude Sonnet 5`.
fn display_name(id: &str) -> String {
    let mut words = Vec::new();
    let mut version = Vec::new();
    for part in id.split('-') {
        if part.chars().all(|c| c.is_ascii_digit()) {
            version.push(part);
        } else {
            let mut chars = part.chars();
            let word = chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            });
            words.push(word);
        }
    }
    if !version.is_empty() {
        words.push(version.join("."));
    }
    words.join(" ")
}

fn render(result: Result<Reply, RelayError>, flavor: Flavor) -> Response {
    match result {
        Ok(Reply::Json(body)) => {
            ([(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Ok(Reply::Stream(stream)) => {
            let body = Body::from_stream(tokio_stream::StreamExt::map(
                stream,
                Ok::<_, std::convert::Infallible>,
            ));
            let headers = [
                (header::CONTENT_TYPE, "text/event-stream"),
                (header::CACHE_CONTROL, "no-cache"),
                (header::HeaderName::from_static("x-accel-buffering"), "no"),
            ];
            (headers, body).into_response()
        }
        Err(err) => {
            let api = ApiError::from(err);
            if api.status.is_server_error() {
                tracing::warn!(status = api.status.as_u16(), code = ?api.code, "relay failed");
            }
            api.render(flavor)
        }
    }
}
