//! Upstream body normalisation (upstream.md §3) as a pure function over a Responses request:
//! forced fields, converted and deleted fields, effort clamp, `service_tier`, tools, input
//! fixes, Responses Lite and the compact variant. Returns a [`NormalizeReport`] for the
//! routing trace.

mod effort;
mod input;
mod tools;

use serde_json::{json, Map, Value};

pub use effort::{clamp_effort, gpt_version, map_service_tier, KNOWN_EFFORTS};
pub use input::MISSING_OUTPUT_TEXT;
pub use tools::{cap_tools, sanitize_schema, sanitize_tool, MAX_TOOLS};

use crate::responses::{Reasoning, ResponseItem, ResponsesInput, ResponsesRequest, TextConfig};

/// The value `include` must contain whenever reasoning is requested.
pub const ENCRYPTED_REASONING: &str = "reasoning.encrypted_content";

/// Top-level fields deleted before sending (upstream.md §3.7).
pub const DELETED_FIELDS: &[&str] = &[
    "max_output_tokens",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "logprobs",
    "top_logprobs",
    "n",
    "seed",
    "stop",
    "user",
    "logit_bias",
    "response_format",
    "serviceTier",
    "metadata",
    "stream_options",
    "reasoning_effort",
    "truncation",
    "context_management",
    "disable_response_storage",
    "verbosity",
    "prompt_cache_retention",
    "safety_identifier",
    "type",
    "previous_response_id",
];

/// Model suffix stripped on the compact endpoint.
pub const COMPACT_MODEL_SUFFIX: &str = "-openai-compact";

/// Inputs to [`normalize_request`] that come from outside the body.
#[derive(Debug, Clone, Default)]
pub struct NormalizeOptions {
    /// `/responses/compact`: also remove `include`, `store`, `stream`, `client_metadata`.
    pub compact: bool,
    /// Responses Lite requested (header or metadata) and supported by the model.
    pub responses_lite: bool,
    /// The affinity-derived `prompt_cache_key`, if the caller has one.
    pub prompt_cache_key: Option<String>,
    /// The model's `supported_reasoning_levels` from the manifest, kept by the clamp.
    pub model_reasoning_levels: Vec<String>,
}

/// What normalisation changed that the routing trace should show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NormalizeReport {
    /// Tools dropped by the 128-tool cap.
    pub tools_truncated: usize,
    /// Top-level fields removed by the deny-list.
    pub deleted_fields: Vec<String>,
    /// Reasoning items without `encrypted_content` dropped.
    pub reasoning_items_dropped: usize,
    /// Call ids of outputs without a call, turned into user messages.
    pub orphan_outputs_repaired: Vec<String>,
    /// Call ids of calls without an output, given a synthetic output.
    pub orphan_calls_repaired: Vec<String>,
    /// `(requested, sent)` when the effort was clamped to another value.
    pub effort_clamped: Option<(String, String)>,
    /// A `service_tier` value that was removed.
    pub service_tier_removed: Option<String>,
}

/// Normalises a Responses body in place (upstream.md §3). Idempotent.
pub fn normalize_request(req: &mut ResponsesRequest, opts: &NormalizeOptions) -> NormalizeReport {
    let mut report = NormalizeReport::default();
    convert_fields(req);
    delete_fields(&mut req.extra, &mut report);
    force_fields(req, opts);
    clamp_request_effort(req, opts, &mut report);
    normalize_service_tier(req, &mut report);
    if let Some(tools) = req.tools.as_mut() {
        tools.iter_mut().for_each(sanitize_tool);
        if opts.responses_lite {
            tools::remove_image_generation(tools);
        }
        report.tools_truncated = cap_tools(tools);
    }
    if let ResponsesInput::Items(items) = &mut req.input {
        input::fix_input(items, &mut report);
    }
    if opts.responses_lite {
        req.parallel_tool_calls = Some(false);
        let reasoning = req.reasoning.get_or_insert_with(Reasoning::default);
        reasoning.extra.insert("context".into(), json!("all_turns"));
    }
    if opts.compact {
        req.include = None;
        req.store = None;
        req.stream = None;
        req.extra.remove("client_metadata");
        if let Some(stripped) = req.model.strip_suffix(COMPACT_MODEL_SUFFIX) {
            req.model = stripped.to_owned();
        }
    }
    report
}

/// True when `client_metadata` asks for Responses Lite (upstream.md §3.8); the caller also
/// checks the `X-OpenAI-Internal-Codex-Responses-Lite` header and model support.
pub fn client_metadata_requests_lite(req: &ResponsesRequest) -> bool {
    let key = "ws_request_header_x_openai_internal_codex_responses_lite";
    match req.extra.get("client_metadata").and_then(|m| m.get(key)) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// Removes every reasoning item from `input`, for the retry after `invalid_encrypted_content`
/// (translation.md §12.1). Returns how many were removed.
pub fn strip_reasoning_items(req: &mut ResponsesRequest) -> usize {
    let ResponsesInput::Items(items) = &mut req.input else {
        return 0;
    };
    let before = items.len();
    items.retain(|item| !matches!(item, ResponseItem::Reasoning(_)));
    before - items.len()
}

/// §3.2: `reasoning_effort`, `response_format`, `serviceTier` → their Responses homes.
fn convert_fields(req: &mut ResponsesRequest) {
    if let Some(Value::String(effort)) = req.extra.get("reasoning_effort") {
        let reasoning = req.reasoning.get_or_insert_with(Reasoning::default);
        if reasoning.effort.is_none() {
            reasoning.effort = Some(effort.clone());
        }
    }
    if let Some(format) = req.extra.get("response_format") {
        if let Some(converted) = response_format_to_text_format(format) {
            let text = req.text.get_or_insert_with(TextConfig::default);
            if text.format.is_none() {
                text.format = Some(converted);
            }
        }
    }
    if req.service_tier.is_none() {
        if let Some(Value::String(tier)) = req.extra.get("serviceTier") {
            req.service_tier = Some(tier.clone());
        }
    }
}

/// Chat-style `response_format` → Responses `text.format` (schema sanitised); `text` → none.
pub fn response_format_to_text_format(format: &Value) -> Option<Value> {
    match format.get("type").and_then(Value::as_str)? {
        "json_schema" => {
            let spec = format.get("json_schema").unwrap_or(format);
            let mut schema = spec.get("schema").cloned().unwrap_or_else(|| json!({}));
            sanitize_schema(&mut schema);
            let name = spec.get("name").and_then(Value::as_str).unwrap_or("output");
            let mut out = json!({"type": "json_schema", "name": name, "schema": schema});
            if let Some(strict) = spec.get("strict") {
                out["strict"] = strict.clone();
            }
            Some(out)
        }
        "json_object" => Some(json!({"type": "json_object"})),
        _ => None,
    }
}

fn delete_fields(extra: &mut Map<String, Value>, report: &mut NormalizeReport) {
    for field in DELETED_FIELDS {
        if extra.remove(*field).is_some() {
            report.deleted_fields.push((*field).to_owned());
        }
    }
}

/// §3.1: stream, store, include, instructions, input, prompt_cache_key.
fn force_fields(req: &mut ResponsesRequest, opts: &NormalizeOptions) {
    req.stream = Some(true);
    req.store = Some(false);
    match req.include.as_mut() {
        None => req.include = Some(vec![ENCRYPTED_REASONING.to_owned()]),
        Some(list) if req.reasoning.is_some() && !list.iter().any(|v| v == ENCRYPTED_REASONING) => {
            list.push(ENCRYPTED_REASONING.to_owned());
        }
        Some(_) => {}
    }
    if req.instructions.is_none() {
        req.instructions = Some(String::new());
    }
    if let ResponsesInput::Text(text) = &req.input {
        let item = json!({"type": "message", "role": "user", "content": text});
        let parsed = serde_json::from_value(item.clone()).unwrap_or(ResponseItem::Unknown(item));
        req.input = ResponsesInput::Items(vec![parsed]);
    }
    if let Some(key) = &opts.prompt_cache_key {
        req.prompt_cache_key = Some(key.clone());
    }
}

fn clamp_request_effort(
    req: &mut ResponsesRequest,
    opts: &NormalizeOptions,
    report: &mut NormalizeReport,
) {
    let Some(effort) = req.reasoning.as_mut().and_then(|r| r.effort.as_mut()) else {
        return;
    };
    let clamped = clamp_effort(effort, &req.model, &opts.model_reasoning_levels);
    if !clamped.eq_ignore_ascii_case(effort) {
        report.effort_clamped = Some((effort.clone(), clamped.clone()));
    }
    *effort = clamped;
}

fn normalize_service_tier(req: &mut ResponsesRequest, report: &mut NormalizeReport) {
    let Some(tier) = req.service_tier.take() else {
        return;
    };
    match map_service_tier(&tier) {
        Some(mapped) => req.service_tier = Some(mapped.to_owned()),
        None => report.service_tier_removed = Some(tier),
    }
}
