//! Request preparation, per client protocol: translate to a Responses body, resolve the
//! model (upstream.md §6.4), check the key's model allow-list, derive the affinity key and
//! normalise the body for the upstream (upstream.md §3). Pure apart from reading settings.

use std::sync::LazyLock;

use axum::http::HeaderMap;
use gateway_protocol::normalize::client_metadata_requests_lite;
use gateway_protocol::{
    anthropic_to_responses, chat_to_responses, normalize_request, resolve_model, AnthropicOptions,
    ChatCompletionRequest, ClientProtocol, MessagesRequest, ModelContext, NormalizeOptions,
    ResponsesRequest,
};

use super::affinity::{self, AffinityKey, BodySources};
use super::RelayError;
use crate::service::api_keys::Authenticated;
use crate::service::settings::RuntimeSettings;

/// The models the gateway knows without a manifest (upstream.md §6.1), newest first.
pub const BUILTIN_MODELS: &[&str] = &[
    "gpt-5.6-sol",
    "gpt-5.6-terra",
    "gpt-5.6-luna",
    "gpt-5.5",
    "gpt-5.4",
    "gpt-5.4-mini",
    "gpt-5.3-codex-spark",
    "codex-auto-review",
    "gpt-image-2",
    "gpt-image-2-2k",
    "gpt-image-2-4k",
];

/// [`BUILTIN_MODELS`] as the `String`s model resolution takes, built once, not per request.
static BUILTIN_MODEL_NAMES: LazyLock<Vec<String>> =
    LazyLock::new(|| BUILTIN_MODELS.iter().map(|m| (*m).to_owned()).collect());

/// How the upstream stream becomes the client's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputSpec {
    Chat {
        include_usage: bool,
    },
    Messages {
        thinking: bool,
    },
    /// Native `/v1/responses`: upstream frames pass through.
    Native,
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub body: ResponsesRequest,
    /// The name the client asked for (what it sees in answers).
    pub requested_model: String,
    /// The resolved upstream model.
    pub model: String,
    pub stream: bool,
    pub output: OutputSpec,
    pub affinity: AffinityKey,
}

/// Request-independent inputs.
#[derive(Clone, Copy)]
pub struct PrepareContext<'a> {
    pub headers: &'a HeaderMap,
    pub settings: &'a RuntimeSettings,
    pub caller: &'a Authenticated,
}

pub fn chat(req: &ChatCompletionRequest, ctx: PrepareContext<'_>) -> Result<Prepared, RelayError> {
    let body = chat_to_responses(req)?;
    let include_usage = req.stream_options.as_ref().is_some_and(|o| o.include_usage);
    let sources = BodySources {
        prompt_cache_key: req.prompt_cache_key.as_deref(),
        metadata_user_id: None,
    };
    let spec = Spec {
        protocol: ClientProtocol::Chat,
        requested: req.model.as_deref(),
        stream: req.stream == Some(true),
        output: OutputSpec::Chat { include_usage },
        compact: false,
    };
    finish(body, spec, sources, ctx)
}

pub fn messages(req: &MessagesRequest, ctx: PrepareContext<'_>) -> Result<Prepared, RelayError> {
    let translation = anthropic_to_responses(req, &AnthropicOptions::default())?;
    let user_id = req.metadata.as_ref().and_then(|m| m.user_id.as_deref());
    let sources = BodySources {
        prompt_cache_key: None,
        metadata_user_id: user_id,
    };
    let output = OutputSpec::Messages {
        thinking: translation.thinking,
    };
    let spec = Spec {
        protocol: ClientProtocol::Messages,
        requested: Some(&req.model),
        stream: req.stream == Some(true),
        output,
        compact: false,
    };
    finish(translation.request, spec, sources, ctx)
}

/// Native `/v1/responses` (and, with `compact`, `/v1/responses/compact`).
pub fn responses(
    mut body: ResponsesRequest,
    compact: bool,
    ctx: PrepareContext<'_>,
) -> Result<Prepared, RelayError> {
    let stream = body.stream == Some(true);
    let client_key = body.prompt_cache_key.take();
    let requested = std::mem::take(&mut body.model);
    let sources = BodySources {
        prompt_cache_key: client_key.as_deref(),
        metadata_user_id: None,
    };
    let spec = Spec {
        protocol: ClientProtocol::Responses,
        requested: Some(&requested),
        stream: stream && !compact,
        output: OutputSpec::Native,
        compact,
    };
    finish(body, spec, sources, ctx)
}

struct Spec<'a> {
    protocol: ClientProtocol,
    requested: Option<&'a str>,
    stream: bool,
    output: OutputSpec,
    compact: bool,
}

fn finish(
    mut body: ResponsesRequest,
    spec: Spec<'_>,
    sources: BodySources<'_>,
    ctx: PrepareContext<'_>,
) -> Result<Prepared, RelayError> {
    let model_ctx = ModelContext {
        protocol: spec.protocol,
        mapping: &ctx.settings.model_mapping,
        known_models: &BUILTIN_MODEL_NAMES,
    };
    let resolved = resolve_model(spec.requested, &model_ctx)?;
    let requested = spec
        .requested
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .unwrap_or(&resolved.model)
        .to_owned();
    if !ctx.caller.allows_model(&[&requested, &resolved.model]) {
        return Err(RelayError::ModelNotAllowed(requested));
    }
    body.model = resolved.model.clone();
    if let Some(effort) = resolved.effort {
        let reasoning = body.reasoning.get_or_insert_with(Default::default);
        reasoning.effort.get_or_insert(effort);
    }
    let affinity = affinity::derive(ctx.headers, sources, &body, ctx.caller.key_id());
    let lite_header = ctx
        .headers
        .get("x-openai-internal-codex-responses-lite")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let options = NormalizeOptions {
        compact: spec.compact,
        responses_lite: lite_header || client_metadata_requests_lite(&body),
        prompt_cache_key: Some(affinity.key.clone()),
        model_reasoning_levels: Vec::new(),
    };
    let report = normalize_request(&mut body, &options);
    if !report.deleted_fields.is_empty() || report.tools_truncated > 0 {
        tracing::debug!(deleted = ?report.deleted_fields, tools_truncated = report.tools_truncated, "normalised request");
    }
    Ok(Prepared {
        model: body.model.clone(),
        body,
        requested_model: requested,
        stream: spec.stream,
        output: spec.output,
        affinity,
    })
}
