//! Responses items (shared by `input` and `output`), the response object and usage. Each
//! typed item keeps unknown fields in `extra`; unknown item types stay raw JSON.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An input or output item, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ResponseItem {
    /// `message`.
    #[serde(rename = "message")]
    Message(MessageItem),
    /// `reasoning`.
    #[serde(rename = "reasoning")]
    Reasoning(ReasoningItem),
    /// `function_call`.
    #[serde(rename = "function_call")]
    FunctionCall(FunctionCall),
    /// `function_call_output`.
    #[serde(rename = "function_call_output")]
    FunctionCallOutput(ToolCallOutput),
    /// `custom_tool_call` (freeform tool; payload in `input`).
    #[serde(rename = "custom_tool_call")]
    CustomToolCall(CustomToolCall),
    /// `custom_tool_call_output`.
    #[serde(rename = "custom_tool_call_output")]
    CustomToolCallOutput(ToolCallOutput),
    /// `web_search_call`; clients get no text from it.
    #[serde(rename = "web_search_call")]
    WebSearchCall(GenericItem),
    /// `image_generation_call`; `result` (base64) stays in `extra`.
    #[serde(rename = "image_generation_call")]
    ImageGenerationCall(GenericItem),
    /// Any other item (`compaction`, `local_shell_call`, …), or a known type that failed to
    /// parse, kept verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl ResponseItem {
    /// The item's `type` string.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Message(_) => "message",
            Self::Reasoning(_) => "reasoning",
            Self::FunctionCall(_) => "function_call",
            Self::FunctionCallOutput(_) => "function_call_output",
            Self::CustomToolCall(_) => "custom_tool_call",
            Self::CustomToolCallOutput(_) => "custom_tool_call_output",
            Self::WebSearchCall(_) => "web_search_call",
            Self::ImageGenerationCall(_) => "image_generation_call",
            Self::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    /// The item id, if it has one.
    pub fn id(&self) -> Option<&str> {
        match self {
            Self::Message(m) => m.id.as_deref(),
            Self::Reasoning(r) => r.id.as_deref(),
            Self::FunctionCall(c) => c.id.as_deref(),
            Self::CustomToolCall(c) => c.id.as_deref(),
            Self::FunctionCallOutput(o) | Self::CustomToolCallOutput(o) => o.id.as_deref(),
            Self::WebSearchCall(g) | Self::ImageGenerationCall(g) => g.id.as_deref(),
            Self::Unknown(v) => v.get("id").and_then(Value::as_str),
        }
    }

    /// A message item with one text part of the type its role requires.
    pub fn text_message(role: &str, text: impl Into<String>) -> Self {
        let part = if role == "assistant" {
            ContentPart::output_text(text)
        } else {
            ContentPart::input_text(text)
        };
        Self::Message(MessageItem::new(role, vec![part]))
    }
}

/// A `message` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageItem {
    /// Item id (`msg_…`), kept as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `user`, `assistant`, `developer` or `system`.
    pub role: String,
    /// A string or content parts.
    pub content: MessageContent,
    /// `status`, `phase`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessageItem {
    /// A message without id.
    pub fn new(role: &str, parts: Vec<ContentPart>) -> Self {
        Self {
            id: None,
            role: role.to_owned(),
            content: MessageContent::Parts(parts),
            extra: Map::new(),
        }
    }

    /// Concatenated text of the text parts (`output_text`, `input_text`, `text`).
    pub fn text(&self) -> String {
        match &self.content {
            MessageContent::Text(t) => t.clone(),
            MessageContent::Parts(parts) => parts
                .iter()
                .filter(|p| matches!(p.kind.as_str(), "output_text" | "input_text" | "text"))
                .filter_map(|p| p.text.as_deref())
                .collect(),
        }
    }

    /// Concatenated `refusal` parts.
    pub fn refusal(&self) -> String {
        match &self.content {
            MessageContent::Text(_) => String::new(),
            MessageContent::Parts(parts) => parts
                .iter()
                .filter(|p| p.kind == "refusal")
                .filter_map(|p| p.extra.get("refusal").and_then(Value::as_str))
                .collect(),
        }
    }
}

/// Message content: a bare string or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// A plain string.
    Text(String),
    /// Typed parts.
    Parts(Vec<ContentPart>),
}

/// A content part (`input_text`, `output_text`, `input_image`, `input_file`, `refusal`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPart {
    /// The part `type`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of text parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `image_url`, `detail`, `annotations`, `refusal`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ContentPart {
    fn with_text(kind: &str, text: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            text: Some(text.into()),
            extra: Map::new(),
        }
    }

    /// `{"type":"input_text","text":…}`.
    pub fn input_text(text: impl Into<String>) -> Self {
        Self::with_text("input_text", text)
    }

    /// `{"type":"output_text","text":…}`.
    pub fn output_text(text: impl Into<String>) -> Self {
        Self::with_text("output_text", text)
    }

    /// `{"type":"input_image","image_url":…,"detail"?}`.
    pub fn input_image(url: impl Into<String>, detail: Option<String>) -> Self {
        let mut extra = Map::new();
        extra.insert("image_url".into(), Value::String(url.into()));
        if let Some(d) = detail {
            extra.insert("detail".into(), Value::String(d));
        }
        Self {
            kind: "input_image".into(),
            text: None,
            extra,
        }
    }

    /// `{"type":"input_file","filename"?,"file_data":…}`.
    pub fn input_file(filename: Option<String>, file_data: impl Into<String>) -> Self {
        let mut extra = Map::new();
        if let Some(f) = filename {
            extra.insert("filename".into(), Value::String(f));
        }
        extra.insert("file_data".into(), Value::String(file_data.into()));
        Self {
            kind: "input_file".into(),
            text: None,
            extra,
        }
    }
}

/// A `reasoning` item. `encrypted_content` is what Anthropic clients get as a signature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReasoningItem {
    /// Item id (`rs_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Summary parts.
    #[serde(default)]
    pub summary: Vec<SummaryPart>,
    /// Opaque encrypted reasoning, replayable on the same account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<String>,
    /// `content` (raw reasoning text), `status`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ReasoningItem {
    /// Summary texts joined with a blank line.
    pub fn summary_text(&self) -> String {
        let texts: Vec<&str> = self.summary.iter().map(|s| s.text.as_str()).collect();
        texts.join("\n\n")
    }
}

/// `{"type":"summary_text","text":…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryPart {
    /// Usually `summary_text`.
    #[serde(rename = "type", default = "summary_text")]
    pub kind: String,
    /// The summary text.
    #[serde(default)]
    pub text: String,
}

fn summary_text() -> String {
    "summary_text".into()
}

impl SummaryPart {
    /// A `summary_text` part.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            kind: summary_text(),
            text: text.into(),
        }
    }
}

/// A `function_call` item.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Item id (`fc_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The call id (`call_…`), copied verbatim across protocols.
    #[serde(default)]
    pub call_id: String,
    /// Function name.
    #[serde(default)]
    pub name: String,
    /// JSON arguments as a string.
    #[serde(default)]
    pub arguments: String,
    /// `status`, `namespace`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `custom_tool_call` item (freeform input).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomToolCall {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The call id.
    #[serde(default)]
    pub call_id: String,
    /// Tool name.
    #[serde(default)]
    pub name: String,
    /// Freeform input.
    #[serde(default)]
    pub input: String,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A `function_call_output` or `custom_tool_call_output` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCallOutput {
    /// Item id (`fco_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The call this answers.
    #[serde(default)]
    pub call_id: String,
    /// A string, or an array of `input_text` / `input_image` parts.
    #[serde(default)]
    pub output: Value,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ToolCallOutput {
    /// An output without id.
    pub fn new(call_id: impl Into<String>, output: Value) -> Self {
        Self {
            id: None,
            call_id: call_id.into(),
            output,
            extra: Map::new(),
        }
    }

    /// The text of the output (string form, or the text parts joined with `\n`).
    pub fn text(&self) -> String {
        match &self.output {
            Value::String(s) => s.clone(),
            Value::Array(parts) => {
                let texts: Vec<&str> = parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect();
                texts.join("\n")
            }
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }
}

/// A hosted-tool item (`web_search_call`, `image_generation_call`) with fields in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenericItem {
    /// Item id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Item status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Everything else (`result`, `revised_prompt`, `action`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `response` object carried by lifecycle and terminal events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseObject {
    /// `resp_…`.
    #[serde(default)]
    pub id: String,
    /// `in_progress`, `completed`, `incomplete`, `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Upstream model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Output items; may be empty on `response.completed` (upstream.md §8).
    #[serde(default)]
    pub output: Vec<ResponseItem>,
    /// Token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ResponseUsage>,
    /// Set on `response.failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ResponseError>,
    /// Set on `response.incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incomplete_details: Option<IncompleteDetails>,
    /// The tier actually used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.error`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseError {
    /// E.g. `context_length_exceeded`, `server_is_overloaded`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Upstream message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// E.g. `usage_limit_reached`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Unknown fields (`resets_at`, `plan_type`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.incomplete_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IncompleteDetails {
    /// `max_output_tokens` or `content_filter`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `response.usage` (upstream.md §5.4). The details objects may be `null`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseUsage {
    /// Prompt tokens, cached included.
    #[serde(default)]
    pub input_tokens: u64,
    /// Completion tokens, reasoning included.
    #[serde(default)]
    pub output_tokens: u64,
    /// input + output.
    #[serde(default)]
    pub total_tokens: u64,
    /// Cache hits.
    #[serde(default)]
    pub input_tokens_details: Option<InputTokensDetails>,
    /// Reasoning share.
    #[serde(default)]
    pub output_tokens_details: Option<OutputTokensDetails>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ResponseUsage {
    /// Cached prompt tokens (0 when unknown).
    pub fn cached_tokens(&self) -> u64 {
        self.input_tokens_details
            .as_ref()
            .map_or(0, |d| d.cached_tokens)
    }

    /// Reasoning tokens (0 when unknown).
    pub fn reasoning_tokens(&self) -> u64 {
        self.output_tokens_details
            .as_ref()
            .map_or(0, |d| d.reasoning_tokens)
    }
}

/// `input_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InputTokensDetails {
    /// Cache hits.
    #[serde(default)]
    pub cached_tokens: u64,
}

/// `output_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    /// Reasoning tokens.
    #[serde(default)]
    pub reasoning_tokens: u64,
}
