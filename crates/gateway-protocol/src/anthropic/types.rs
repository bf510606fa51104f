//! Anthropic Messages wire types: the request (system as string or blocks, content blocks,
//! tools, tool_choice, thinking, output_config) with unknown fields kept, the non-streaming
//! response and the usage shape.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::responses::ResponseUsage;

/// A `POST /v1/messages` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// The requested (Claude) model name.
    #[serde(default)]
    pub model: String,
    /// System prompt: a string or text blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemPrompt>,
    /// The conversation, possibly with mid-conversation `role:"system"` messages.
    pub messages: Vec<AnthropicMessage>,
    /// Client and server tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<AnthropicTool>>,
    /// `auto`, `any`, `tool`, `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<AnthropicToolChoice>,
    /// `enabled` (with `budget_tokens`), `adaptive`, `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<ThinkingConfig>,
    /// `effort` and `format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<OutputConfig>,
    /// `user_id`: affinity input only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<AnthropicMetadata>,
    /// Not sent upstream (the backend refuses `max_output_tokens`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Not sent upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    /// Streaming answer wanted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `fast` → `service_tier: priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed: Option<String>,
    /// Everything else (`temperature`, `context_management`, …), not sent upstream.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `system`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SystemPrompt {
    /// A string.
    Text(String),
    /// Text blocks (with `cache_control`, ignored).
    Blocks(Vec<ContentBlock>),
}

/// One message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnthropicMessage {
    /// `user`, `assistant` or `system`.
    #[serde(default)]
    pub role: String,
    /// A string or blocks.
    pub content: AnthropicContent,
}

/// Message content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnthropicContent {
    /// A string.
    Text(String),
    /// Content blocks.
    Blocks(Vec<ContentBlock>),
}

/// A content block, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ContentBlock {
    /// `text`.
    #[serde(rename = "text")]
    Text(TextBlock),
    /// `image`.
    #[serde(rename = "image")]
    Image(ImageBlock),
    /// `document`.
    #[serde(rename = "document")]
    Document(DocumentBlock),
    /// `tool_use`.
    #[serde(rename = "tool_use")]
    ToolUse(ToolUseBlock),
    /// `tool_result`.
    #[serde(rename = "tool_result")]
    ToolResult(ToolResultBlock),
    /// `thinking`.
    #[serde(rename = "thinking")]
    Thinking(ThinkingBlock),
    /// Any other block (`redacted_thinking`, `server_tool_use`, …), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// `{"type":"text","text"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextBlock {
    /// The text.
    #[serde(default)]
    pub text: String,
    /// `cache_control`, `citations`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"image","source"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    /// Base64 or URL source.
    pub source: ImageSource,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"document","source"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentBlock {
    /// Text, base64 (PDF) or URL source.
    pub source: ImageSource,
    /// `title`, `context`, …
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An image or document source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ImageSource {
    /// `{"type":"base64","media_type","data"}`.
    #[serde(rename = "base64")]
    Base64 {
        /// MIME type.
        #[serde(default)]
        media_type: String,
        /// Base64 payload.
        #[serde(default)]
        data: String,
    },
    /// `{"type":"url","url"}`.
    #[serde(rename = "url")]
    Url {
        /// The URL.
        #[serde(default)]
        url: String,
    },
    /// `{"type":"text","data"}` (documents).
    #[serde(rename = "text")]
    Text {
        /// Plain text.
        #[serde(default)]
        data: String,
    },
    /// Any other source (`file`, `content`), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// `{"type":"tool_use","id","name","input"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolUseBlock {
    /// Copied verbatim to `call_id`.
    #[serde(default)]
    pub id: String,
    /// Tool name.
    #[serde(default)]
    pub name: String,
    /// Arguments object.
    #[serde(default)]
    pub input: Value,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `{"type":"tool_result","tool_use_id","content","is_error"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolResultBlock {
    /// Copied verbatim to `call_id`.
    #[serde(default)]
    pub tool_use_id: String,
    /// A string or blocks.
    #[serde(default)]
    pub content: Option<ToolResultContent>,
    /// Prefixes the text with `[error] `.
    #[serde(default)]
    pub is_error: Option<bool>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `tool_result.content`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    /// A string.
    Text(String),
    /// Text and image blocks.
    Blocks(Vec<ContentBlock>),
}

/// `{"type":"thinking","thinking","signature"}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThinkingBlock {
    /// The (summary) text.
    #[serde(default)]
    pub thinking: String,
    /// The signature the gateway issued: the reasoning `encrypted_content`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A tool definition (client tool with `input_schema`, or a server tool with `type`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnthropicTool {
    /// Tool name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Absent or `custom` for client tools; e.g. `web_search_20250305` for server tools.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `tool_choice`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnthropicToolChoice {
    /// `auto`, `any`, `tool`, `none`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// For `tool`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `true` → `parallel_tool_calls: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
}

/// `thinking`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ThinkingConfig {
    /// `enabled`, `adaptive`, `disabled`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// For `enabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_tokens: Option<u64>,
}

/// `output_config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutputConfig {
    /// `low` … `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// `{"type":"json_schema","schema",…}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnthropicMetadata {
    /// Affinity input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Anthropic usage: `input_tokens` excludes cache reads (translation.md §5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnthropicUsage {
    /// Upstream input minus cached.
    pub input_tokens: u64,
    /// Upstream output.
    pub output_tokens: u64,
    /// Upstream cached.
    pub cache_read_input_tokens: u64,
    /// Always 0: the backend has no cache writes.
    pub cache_creation_input_tokens: u64,
}

impl From<&ResponseUsage> for AnthropicUsage {
    fn from(u: &ResponseUsage) -> Self {
        let cached = u.cached_tokens().min(u.input_tokens);
        Self {
            input_tokens: u.input_tokens - cached,
            output_tokens: u.output_tokens,
            cache_read_input_tokens: cached,
            cache_creation_input_tokens: 0,
        }
    }
}

/// A non-streaming Messages answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnthropicMessageResponse {
    /// `msg_…`.
    pub id: String,
    /// `message`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `assistant`.
    pub role: String,
    /// The requested Claude name.
    pub model: String,
    /// `thinking`, `text` and `tool_use` blocks.
    pub content: Vec<Value>,
    /// `end_turn`, `tool_use`, `max_tokens`, `refusal`.
    pub stop_reason: Option<String>,
    /// Always `null`.
    pub stop_sequence: Option<String>,
    /// Usage.
    pub usage: AnthropicUsage,
}
