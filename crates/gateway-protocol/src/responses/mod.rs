//! Codex Responses wire types, the canonical model of the gateway: request body, input and
//! output items, stream events, plus aggregation of a stream into a final response and the
//! native `/v1/responses` pass-through helpers (translation.md §6).

mod aggregate;
mod event_parse;
mod events;
mod items;
mod native;
mod request;

pub use aggregate::{collect_events, CollectedResponse, ResponseCollector, StreamOutcome};
pub use events::{
    ContentPartEvent, CustomToolInputDelta, CustomToolInputDone, ErrorEvent, FunctionArgsDelta,
    FunctionArgsDone, ImagePartialEvent, OutputItemEvent, ReasoningTextDelta, ResponseEvent,
    ResponsesStreamEvent, SummaryPartEvent, SummaryTextDelta, TextDelta, TextDone,
};
pub use items::{
    ContentPart, CustomToolCall, FunctionCall, GenericItem, IncompleteDetails, InputTokensDetails,
    MessageContent, MessageItem, OutputTokensDetails, ReasoningItem, ResponseError, ResponseItem,
    ResponseObject, ResponseUsage, SummaryPart, ToolCallOutput,
};
pub use native::{native_frame_action, native_stream_break_frame, NativeFrameAction};
pub use request::{Reasoning, ResponsesInput, ResponsesRequest, TextConfig};
