//! Pure protocol translation for Switchyard: SSE codec, Codex Responses wire types, upstream
//! body normalisation, model-name resolution, and converters between the client protocols
//! (OpenAI Chat Completions, OpenAI Responses, Anthropic Messages) and the upstream Codex
//! Responses stream. No I/O: every converter is a pure, stateful struct.

pub mod anthropic;
pub mod chat;
pub mod commit;
pub mod error;
pub mod model;
pub mod normalize;
pub mod responses;
pub mod sse;

pub use anthropic::{
    aggregate_anthropic_message, anthropic_to_responses, AnthropicOptions, AnthropicStreamEvent,
    AnthropicStreamOptions, AnthropicTranslation, MessagesRequest, ResponsesToAnthropicStream,
};
pub use chat::{
    aggregate_chat_completion, chat_to_responses, ChatCompletionRequest, ChatStreamItem,
    ChatStreamOptions, ResponsesToChatStream,
};
pub use commit::{
    classify_event, derive_failure_status, failure_from_event, EventClass, FailureKind,
    UpstreamFailure,
};
pub use error::ProtocolError;
pub use model::{resolve_model, ClientProtocol, ModelContext, ResolvedModel};
pub use normalize::{normalize_request, NormalizeOptions, NormalizeReport};
pub use responses::{
    collect_events, CollectedResponse, ResponseCollector, ResponsesRequest, ResponsesStreamEvent,
    StreamOutcome,
};
pub use sse::{SseDecoder, SseFrame};
