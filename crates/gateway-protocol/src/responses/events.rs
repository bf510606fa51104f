//! Typed Responses stream events (upstream.md §8), tagged by `type`, with an `Unknown`
//! fallback that keeps the raw JSON of any other event (`codex.rate_limits`,
//! `response.metadata`, image and web-search progress, future additions).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::event_parse::{parse_untagged, peek_type};
use super::items::{ResponseError, ResponseItem, ResponseObject};
use crate::sse::SseFrame;

macro_rules! stream_events {
    ($($(#[$doc:meta])* $variant:ident($ty:ty) = $name:literal,)*) => {
        /// One upstream Responses stream event.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        pub enum ResponsesStreamEvent {
            $($(#[$doc])* #[serde(rename = $name)] $variant($ty),)*
            /// Any other event, or a known one that failed to parse, verbatim.
            #[serde(untagged)]
            Unknown(Value),
        }

        impl ResponsesStreamEvent {
            /// The event's `type` string.
            pub fn type_name(&self) -> &str {
                match self {
                    $(Self::$variant(_) => $name,)*
                    Self::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
                }
            }

            /// `data` as the variant named `name`, with the payload's own `type` (not part
            /// of the variant); `None` for a name that is not a known variant.
            fn parse_variant<'d>(
                name: &str,
                data: &'d str,
            ) -> Option<Result<(Self, Option<Cow<'d, str>>), serde_json::Error>> {
                match name {
                    $($name => Some(
                        parse_untagged::<$ty>(data).map(|(v, tag)| (Self::$variant(v), tag)),
                    ),)*
                    _ => None,
                }
            }
        }
    };
}

stream_events! {
    /// `response.created`.
    Created(ResponseEvent) = "response.created",
    /// `response.in_progress`.
    InProgress(ResponseEvent) = "response.in_progress",
    /// `response.completed` (terminal).
    Completed(ResponseEvent) = "response.completed",
    /// `response.incomplete` (terminal).
    Incomplete(ResponseEvent) = "response.incomplete",
    /// `response.failed` (terminal).
    Failed(ResponseEvent) = "response.failed",
    /// `response.output_item.added`.
    OutputItemAdded(OutputItemEvent) = "response.output_item.added",
    /// `response.output_item.done`; the authoritative finished item.
    OutputItemDone(OutputItemEvent) = "response.output_item.done",
    /// `response.content_part.added`.
    ContentPartAdded(ContentPartEvent) = "response.content_part.added",
    /// `response.content_part.done`.
    ContentPartDone(ContentPartEvent) = "response.content_part.done",
    /// `response.output_text.delta`.
    OutputTextDelta(TextDelta) = "response.output_text.delta",
    /// `response.output_text.done`.
    OutputTextDone(TextDone) = "response.output_text.done",
    /// `response.refusal.delta`.
    RefusalDelta(TextDelta) = "response.refusal.delta",
    /// `response.refusal.done`.
    RefusalDone(TextDone) = "response.refusal.done",
    /// `response.reasoning_summary_part.added`.
    ReasoningSummaryPartAdded(SummaryPartEvent) = "response.reasoning_summary_part.added",
    /// `response.reasoning_summary_part.done`.
    ReasoningSummaryPartDone(SummaryPartEvent) = "response.reasoning_summary_part.done",
    /// `response.reasoning_summary_text.delta`.
    ReasoningSummaryTextDelta(SummaryTextDelta) = "response.reasoning_summary_text.delta",
    /// `response.reasoning_summary_text.done`.
    ReasoningSummaryTextDone(SummaryPartEvent) = "response.reasoning_summary_text.done",
    /// `response.reasoning_text.delta` (raw reasoning on some models).
    ReasoningTextDelta(ReasoningTextDelta) = "response.reasoning_text.delta",
    /// `response.reasoning_text.done`.
    ReasoningTextDone(TextDone) = "response.reasoning_text.done",
    /// `response.function_call_arguments.delta`.
    FunctionCallArgumentsDelta(FunctionArgsDelta) = "response.function_call_arguments.delta",
    /// `response.function_call_arguments.done`.
    FunctionCallArgumentsDone(FunctionArgsDone) = "response.function_call_arguments.done",
    /// `response.custom_tool_call_input.delta`.
    CustomToolCallInputDelta(CustomToolInputDelta) = "response.custom_tool_call_input.delta",
    /// `response.custom_tool_call_input.done`.
    CustomToolCallInputDone(CustomToolInputDone) = "response.custom_tool_call_input.done",
    /// `response.image_generation_call.partial_image`.
    ImageGenerationPartialImage(ImagePartialEvent) = "response.image_generation_call.partial_image",
    /// A bare `error` event; treated like `response.failed`.
    Error(ErrorEvent) = "error",
}

impl ResponsesStreamEvent {
    /// Parses one `data:` payload. Invalid JSON is an error; unknown types are `Unknown`.
    /// Same result as the derived `Deserialize`, without its intermediate buffering (one
    /// exception: a numeric `type` is an unknown event, not a variant index).
    pub fn parse(data: &str) -> Result<Self, serde_json::Error> {
        Self::parse_named(data, None)
    }

    /// Parses a decoded frame. A payload without `type` takes it from the `event:` line.
    pub fn from_frame(frame: &SseFrame) -> Result<Self, serde_json::Error> {
        Self::parse_named(&frame.data, frame.event.as_deref())
    }

    fn parse_named(data: &str, event_line: Option<&str>) -> Result<Self, serde_json::Error> {
        // Codex names every event on its `event:` line: parse straight into that variant and
        // keep it when the payload's own `type` agrees or is absent, the cases in which the
        // two steps below would pick the same variant.
        if let Some(Some(Ok((event, tag)))) = event_line.map(|name| Self::parse_variant(name, data))
        {
            if tag.is_none_or(|tag| Some(&*tag) == event_line) {
                return Ok(event);
            }
        }
        match (peek_type(data), event_line) {
            (Ok(Some(name)), _) => Self::known_or_raw(&name, data, None),
            (Ok(None), Some(name)) => Self::known_or_raw(name, data, Some(name)),
            _ => serde_json::from_str(data).map(Self::Unknown),
        }
    }

    /// The variant `name`, or (unknown name, or a payload that does not fit it) the raw
    /// JSON, with `type` set to `inject` when the payload had none.
    fn known_or_raw(
        name: &str,
        data: &str,
        inject: Option<&str>,
    ) -> Result<Self, serde_json::Error> {
        if let Some(Ok((event, _))) = Self::parse_variant(name, data) {
            return Ok(event);
        }
        let mut value: Value = serde_json::from_str(data)?;
        if let (Some(name), Value::Object(map)) = (inject, &mut value) {
            map.insert("type".into(), Value::String(name.to_owned()));
        }
        Ok(Self::Unknown(value))
    }

    /// The `response` object of lifecycle and terminal events.
    pub fn response(&self) -> Option<&ResponseObject> {
        match self {
            Self::Created(e)
            | Self::InProgress(e)
            | Self::Completed(e)
            | Self::Incomplete(e)
            | Self::Failed(e) => Some(&e.response),
            _ => None,
        }
    }

    /// True for `response.completed`, `response.incomplete`, `response.failed` and `error`.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Self::Completed(_) | Self::Incomplete(_) | Self::Failed(_) | Self::Error(_)
        )
    }
}

/// Events carrying the response object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseEvent {
    /// The response object.
    #[serde(default)]
    pub response: ResponseObject,
    /// `sequence_number`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.output_item.added` / `.done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItemEvent {
    /// Position in `output`.
    #[serde(default)]
    pub output_index: u64,
    /// The item.
    pub item: ResponseItem,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.content_part.added` / `.done`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContentPartEvent {
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// The part, raw.
    #[serde(default)]
    pub part: Value,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.output_text.delta`, `response.refusal.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextDelta {
    /// The message item.
    #[serde(default)]
    pub item_id: String,
    /// The text fragment.
    #[serde(default)]
    pub delta: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.output_text.done` and similar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextDone {
    /// The item.
    #[serde(default)]
    pub item_id: String,
    /// The full text, when carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Reasoning summary part and text `done` events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryPartEvent {
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Which summary part.
    #[serde(default)]
    pub summary_index: u64,
    /// Unknown fields (`part`, `text`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.reasoning_summary_text.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryTextDelta {
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Which summary part; a new part starts a new paragraph.
    #[serde(default)]
    pub summary_index: u64,
    /// The text fragment.
    #[serde(default)]
    pub delta: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.reasoning_text.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReasoningTextDelta {
    /// The reasoning item.
    #[serde(default)]
    pub item_id: String,
    /// Which content part.
    #[serde(default)]
    pub content_index: u64,
    /// The text fragment.
    #[serde(default)]
    pub delta: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.function_call_arguments.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionArgsDelta {
    /// The call item.
    #[serde(default)]
    pub item_id: String,
    /// Argument fragment.
    #[serde(default)]
    pub delta: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.function_call_arguments.done`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionArgsDone {
    /// The call item.
    #[serde(default)]
    pub item_id: String,
    /// The full arguments.
    #[serde(default)]
    pub arguments: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.custom_tool_call_input.delta`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomToolInputDelta {
    /// The call item.
    #[serde(default)]
    pub item_id: String,
    /// Input fragment.
    #[serde(default)]
    pub delta: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.custom_tool_call_input.done`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomToolInputDone {
    /// The call item.
    #[serde(default)]
    pub item_id: String,
    /// The full input.
    #[serde(default)]
    pub input: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.image_generation_call.partial_image`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImagePartialEvent {
    /// The image item.
    #[serde(default)]
    pub item_id: String,
    /// `partial_image_b64`, `partial_image_index`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A bare `error` event: `{"type":"error","code"?,"message"?,"status"?,"error"?}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// Error code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Error message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// HTTP status (WebSocket form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Nested error object (WebSocket form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
