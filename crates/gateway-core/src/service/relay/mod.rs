//! The relay use case (issue 4): one client request becomes one upstream Responses call on a
//! pooled account, with failover until the first content event and a protocol-correct answer
//! after it (translation.md §10). Handlers call [`chat`], [`messages`], [`responses`],
//! [`compact`] or [`manifest`] and render the [`Reply`] or the [`RelayError`].

mod affinity;
mod attempt;
mod deliver;
mod error;
mod frames;
pub mod history;
mod json_calls;
pub mod prepare;
mod slow_start;
mod writer;

use std::sync::Arc;

use axum::http::HeaderMap;
use bytes::Bytes;
use gateway_protocol::responses::{CollectedResponse, StreamOutcome};
use gateway_protocol::{
    aggregate_anthropic_message, aggregate_chat_completion, AnthropicStreamOptions,
    ChatCompletionRequest, ChatStreamOptions, MessagesRequest, ResponsesRequest,
};
use tokio_stream::wrappers::ReceiverStream;

pub use affinity::{AffinityKey, AffinitySource};
pub use error::RelayError;
pub use json_calls::{compact, manifest};
pub use prepare::{OutputSpec, Prepared, BUILTIN_MODELS};

use crate::scheduler::trace::{AffinityTrace, RoutingTrace};
use crate::service::api_keys::Authenticated;
use crate::service::public_api::PublicApi;
use crate::state::AppState;
use crate::store::NewUsageLog;
use crate::usage::UsageGuard;
use writer::unix_secs;

/// Everything a relay call needs from the request besides its body.
#[derive(Clone, Copy)]
pub struct RelayContext<'a> {
    pub state: &'a AppState,
    /// Shared (not borrowed) so a slow start can keep opening after the handler returned.
    pub api: &'a Arc<PublicApi>,
    pub headers: &'a HeaderMap,
    pub caller: &'a Authenticated,
}

impl<'a> RelayContext<'a> {
    fn prepare_context(
        &self,
        settings: &'a crate::service::settings::RuntimeSettings,
    ) -> prepare::PrepareContext<'a> {
        prepare::PrepareContext {
            headers: self.headers,
            settings,
            caller: self.caller,
        }
    }
}

/// Kept alive until the answer is fully delivered (e.g. the key's concurrency slot).
pub type Hold = Box<dyn Send + Sync>;

/// A successful relay: a serialised JSON document or an SSE byte stream.
pub enum Reply {
    /// Serialised straight from the protocol's answer type: building a `serde_json::Value`
    /// first cost a second pass and a map per object on every non-streaming request.
    Json(Bytes),
    Stream(ReceiverStream<Bytes>),
}

pub async fn chat(
    ctx: RelayContext<'_>,
    req: &ChatCompletionRequest,
    hold: Hold,
) -> Result<Reply, RelayError> {
    let settings = ctx.state.runtime_settings();
    let prepared = prepare::chat(req, ctx.prepare_context(&settings))?;
    run(ctx, prepared, hold, None).await
}

pub async fn messages(
    ctx: RelayContext<'_>,
    req: &MessagesRequest,
    hold: Hold,
) -> Result<Reply, RelayError> {
    let settings = ctx.state.runtime_settings();
    let prepared = prepare::messages(req, ctx.prepare_context(&settings))?;
    run(ctx, prepared, hold, None).await
}

pub async fn responses(
    ctx: RelayContext<'_>,
    mut req: ResponsesRequest,
    hold: Hold,
) -> Result<Reply, RelayError> {
    let settings = ctx.state.runtime_settings();
    let tenant = ctx.caller.key_id();
    // A client that said `store:false` will not chain on this response: keep nothing.
    let keep = req.store != Some(false);
    let previous = history::expand(&ctx.api.history, tenant, &mut req)?;
    let mut prepared = prepare::responses(req, false, ctx.prepare_context(&settings))?;
    if let Some(affinity) = previous {
        // The conversation stays on its account and prompt cache (translation.md §6.3).
        prepared.body.prompt_cache_key = Some(affinity.key.clone());
        prepared.affinity = affinity;
    }
    let recorder = keep.then(|| history::Recorder {
        history: ctx.api.history.clone(),
        tenant,
        input: history::input_items(prepared.body.input.clone()),
        affinity: prepared.affinity.clone(),
    });
    run(ctx, prepared, hold, recorder).await
}

async fn run(
    ctx: RelayContext<'_>,
    mut prepared: Prepared,
    hold: Hold,
    recorder: Option<history::Recorder>,
) -> Result<Reply, RelayError> {
    tracing::debug!(model = %prepared.model, affinity = ?prepared.affinity.source, "relaying");
    let mut guard = ctx.state.usage().begin(usage_row(&ctx, &prepared));
    let mut trace = routing_trace(guard.row_mut(), &prepared);
    if prepared.stream {
        return slow_start::stream(&ctx, prepared, trace, guard, hold, recorder).await;
    }
    let opened = attempt::open(&ctx, &mut prepared, &mut trace).await;
    let (opened, guard) = settle(ctx.state, guard, trace, opened)?;
    let collected = deliver::collect(ctx.state, opened, guard).await;
    drop(hold);
    if let Some(recorder) = recorder {
        recorder.record(&collected);
    }
    aggregate(&prepared, &collected).map(Reply::Json)
}

/// Writes the attempts onto the usage row and records the trace; a failed open finishes the
/// row with its error (exactly once, as every other end of the request does).
fn settle(
    state: &AppState,
    mut guard: UsageGuard,
    trace: RoutingTrace,
    opened: Result<attempt::Opened, RelayError>,
) -> Result<(attempt::Opened, UsageGuard), RelayError> {
    let row = guard.row_mut();
    row.attempts = i64::try_from(trace.attempts.len()).unwrap_or(i64::MAX);
    row.account_id = trace.attempts.last().map(|a| a.account_id);
    // The usage log keeps a summary, serialised by its writer off the request path.
    guard.set_trace(trace.summary());
    state.pool().record_trace(trace);
    match opened {
        Ok(opened) => Ok((opened, guard)),
        Err(err) => {
            let (status, kind) = err.usage_status();
            guard.finish_with_error(status, kind);
            Err(err)
        }
    }
}

/// The routing trace's request part; the pool and the attempts fill in the rest.
fn routing_trace(row: &NewUsageLog, prepared: &Prepared) -> RoutingTrace {
    let key = &prepared.affinity.key;
    RoutingTrace {
        request_id: Some(row.request_id.clone()),
        api_key_id: row.api_key_id,
        endpoint: Some(row.endpoint.clone()),
        requested_model: row.requested_model.clone(),
        resolved_model: row.effective_model.clone(),
        affinity: AffinityTrace {
            source: format!("{:?}", prepared.affinity.source),
            key: key
                .chars()
                .filter(|c| c.is_ascii_hexdigit())
                .take(8)
                .collect(),
            outcome: if prepared.affinity.sticky() {
                "requested"
            } else {
                "off"
            }
            .to_owned(),
        },
        ..RoutingTrace::default()
    }
}

/// The usage-log row as far as it is known before any account is picked.
fn usage_row(ctx: &RelayContext<'_>, prepared: &Prepared) -> NewUsageLog {
    let header = |name: &str| {
        ctx.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let endpoint = match prepared.output {
        OutputSpec::Chat { .. } => "/v1/chat/completions",
        OutputSpec::Messages { .. } => "/v1/messages",
        OutputSpec::Native => "/v1/responses",
    };
    NewUsageLog {
        request_id: header("x-request-id")
            .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string()),
        api_key_id: ctx.caller.key_id(),
        endpoint: endpoint.to_owned(),
        upstream_endpoint: Some("/responses".to_owned()),
        requested_model: Some(prepared.requested_model.clone()),
        effective_model: Some(prepared.model.clone()),
        stream: prepared.stream,
        user_agent: header("user-agent"),
        ..NewUsageLog::default()
    }
}

/// The non-streaming answer in the client's protocol; a failed stream becomes an HTTP error.
fn aggregate(prepared: &Prepared, collected: &CollectedResponse) -> Result<Bytes, RelayError> {
    let to_json = |v: Result<Vec<u8>, serde_json::Error>| {
        v.map(Bytes::from)
            .map_err(|e| RelayError::Misconfigured(e.to_string()))
    };
    match prepared.output {
        OutputSpec::Chat { .. } => {
            let opts = ChatStreamOptions {
                id: format!("chatcmpl-{}", uuid::Uuid::now_v7().simple()),
                created: unix_secs(),
                model: prepared.requested_model.clone(),
                include_usage: false,
            };
            let completion =
                aggregate_chat_completion(collected, &opts).map_err(RelayError::Stream)?;
            to_json(serde_json::to_vec(&completion))
        }
        OutputSpec::Messages { thinking } => {
            let opts = AnthropicStreamOptions {
                message_id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
                model: prepared.requested_model.clone(),
                thinking,
            };
            let (message, _notes) =
                aggregate_anthropic_message(collected, &opts).map_err(RelayError::Stream)?;
            to_json(serde_json::to_vec(&message))
        }
        OutputSpec::Native => match &collected.outcome {
            StreamOutcome::Failed(failure) => Err(RelayError::Stream(failure.clone())),
            _ => to_json(serde_json::to_vec(&collected.response)),
        },
    }
}
