//! Chat Completions wire types: the request (with unknown fields kept in `extra`), the
//! `chat.completion.chunk` stream object and the `chat.completion` object.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::responses::ResponseUsage;

/// A `POST /v1/chat/completions` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionRequest {
    /// Requested model; absent means the Chat default.
    #[serde(default)]
    pub model: Option<String>,
    /// The conversation.
    pub messages: Vec<ChatMessage>,
    /// Tool definitions.
    #[serde(default)]
    pub tools: Option<Vec<ChatTool>>,
    /// Legacy function definitions, read like `tools`.
    #[serde(default)]
    pub functions: Option<Vec<ChatFunction>>,
    /// `"auto"`, `"none"`, `"required"` or `{"type":"function","function":{"name"}}`.
    #[serde(default)]
    pub tool_choice: Option<Value>,
    /// Legacy `function_call`, read like `tool_choice`.
    #[serde(default)]
    pub function_call: Option<Value>,
    /// Forwarded.
    #[serde(default)]
    pub parallel_tool_calls: Option<bool>,
    /// → `reasoning.effort`.
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    /// → `text.format`.
    #[serde(default)]
    pub response_format: Option<Value>,
    /// → `text.verbosity`.
    #[serde(default)]
    pub verbosity: Option<String>,
    /// → `service_tier` (mapped during normalisation).
    #[serde(default)]
    pub service_tier: Option<String>,
    /// Adds a `web_search` tool.
    #[serde(default)]
    pub web_search_options: Option<Value>,
    /// Affinity input only.
    #[serde(default)]
    pub prompt_cache_key: Option<String>,
    /// Shapes our output only.
    #[serde(default)]
    pub stream: Option<bool>,
    /// `include_usage`.
    #[serde(default)]
    pub stream_options: Option<StreamOptions>,
    /// Absent or 1.
    #[serde(default)]
    pub n: Option<u32>,
    /// Everything else (dropped on translation).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `stream_options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StreamOptions {
    /// Send a final usage chunk with `choices: []`.
    #[serde(default)]
    pub include_usage: bool,
}

/// One chat message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `developer`, `user`, `assistant`, `tool`.
    #[serde(default)]
    pub role: String,
    /// A string or parts; may be null on assistant tool-call turns.
    #[serde(default)]
    pub content: Option<ChatContent>,
    /// Dropped.
    #[serde(default)]
    pub name: Option<String>,
    /// Assistant tool calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<ChatToolCall>>,
    /// The call a `tool` message answers.
    #[serde(default)]
    pub tool_call_id: Option<String>,
    /// Dropped (nothing encrypted to pair it with).
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Message content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ChatContent {
    /// Plain text.
    Text(String),
    /// Content parts.
    Parts(Vec<ChatContentPart>),
}

/// A content part: `text`, `image_url`, `file`, `input_audio`, `refusal`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatContentPart {
    /// The part type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text of `text` parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// `{"url","detail"?}` or a bare string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<Value>,
    /// `{"file_data","filename"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Value>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An assistant tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatToolCall {
    /// The call id, copied verbatim to `call_id`.
    #[serde(default)]
    pub id: String,
    /// `function`.
    #[serde(rename = "type", default = "function_type")]
    pub kind: String,
    /// Name and arguments.
    #[serde(default)]
    pub function: ChatFunctionCall,
}

fn function_type() -> String {
    "function".into()
}

/// `{"name","arguments"}` of a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatFunctionCall {
    /// Function name.
    #[serde(default)]
    pub name: String,
    /// JSON arguments as a string.
    #[serde(default)]
    pub arguments: String,
}

/// A tool definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatTool {
    /// `function` (assumed when absent but `function` is set).
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The function.
    #[serde(default)]
    pub function: Option<ChatFunction>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A function definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatFunction {
    /// Must not be empty.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    /// Strict mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

/// A `chat.completion.chunk`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionChunk {
    /// `chatcmpl-…`, fixed for the stream.
    pub id: String,
    /// `chat.completion.chunk`.
    pub object: String,
    /// Unix seconds, fixed for the stream.
    pub created: u64,
    /// The requested model name.
    pub model: String,
    /// One choice, or none on the usage chunk.
    pub choices: Vec<ChunkChoice>,
    /// Usage on the finish or usage chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChatUsage>,
}

/// `choices[0]` of a chunk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkChoice {
    /// Always 0.
    pub index: u32,
    /// The delta.
    pub delta: ChatDelta,
    /// `null` until the finish chunk.
    pub finish_reason: Option<String>,
}

/// A chunk delta.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatDelta {
    /// `assistant` on the first chunk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Text fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Refusal fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Reasoning fragment (DeepSeek-style name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// The same fragment under the OpenRouter-style name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Tool-call fragments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ChatToolCallDelta>>,
}

/// A tool-call fragment; `index` identifies the call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatToolCallDelta {
    /// Call index, from 0 in order of appearance.
    pub index: u32,
    /// The call id, on the first fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `function`, on the first fragment.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name and/or argument fragment.
    pub function: ChatToolCallFunctionDelta,
}

/// `function` of a tool-call fragment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatToolCallFunctionDelta {
    /// On the first fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Argument fragment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// Chat usage (translation.md §3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatUsage {
    /// Upstream `input_tokens` (cached included).
    pub prompt_tokens: u64,
    /// Upstream `output_tokens`.
    pub completion_tokens: u64,
    /// Their sum.
    pub total_tokens: u64,
    /// Cached tokens.
    pub prompt_tokens_details: PromptTokensDetails,
    /// Reasoning tokens.
    pub completion_tokens_details: CompletionTokensDetails,
}

impl From<&ResponseUsage> for ChatUsage {
    fn from(u: &ResponseUsage) -> Self {
        Self {
            prompt_tokens: u.input_tokens,
            completion_tokens: u.output_tokens,
            total_tokens: u.input_tokens + u.output_tokens,
            prompt_tokens_details: PromptTokensDetails {
                cached_tokens: u.cached_tokens(),
            },
            completion_tokens_details: CompletionTokensDetails {
                reasoning_tokens: u.reasoning_tokens(),
            },
        }
    }
}

/// `prompt_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PromptTokensDetails {
    /// Cache hits.
    pub cached_tokens: u64,
}

/// `completion_tokens_details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompletionTokensDetails {
    /// Reasoning share.
    pub reasoning_tokens: u64,
}

/// A non-streaming `chat.completion`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletion {
    /// `chatcmpl-…`.
    pub id: String,
    /// `chat.completion`.
    pub object: String,
    /// Unix seconds.
    pub created: u64,
    /// The requested model name.
    pub model: String,
    /// One choice.
    pub choices: Vec<ChatChoice>,
    /// Usage, when the upstream reported it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChatUsage>,
}

/// `choices[0]` of a completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatChoice {
    /// Always 0.
    pub index: u32,
    /// The answer.
    pub message: ChatResponseMessage,
    /// `stop`, `tool_calls`, `length`, `content_filter`.
    pub finish_reason: Option<String>,
}

/// The assistant message of a completion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponseMessage {
    /// `assistant`.
    pub role: String,
    /// Text, or `null` when there are tool calls and no text.
    pub content: Option<String>,
    /// Refusal text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<String>,
    /// Concatenated reasoning summaries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_content: Option<String>,
    /// The same, OpenRouter-style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// Finished calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ChatToolCall>>,
}
