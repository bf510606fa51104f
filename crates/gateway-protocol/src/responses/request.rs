//! The Responses request body: typed core fields plus a flattened `extra` map, so unknown
//! top-level fields (e.g. Codex CLI's `client_metadata`) survive untouched (upstream.md §3).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::items::ResponseItem;

/// A `POST /responses` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponsesRequest {
    /// Model name; resolved by [`crate::resolve_model`].
    #[serde(default)]
    pub model: String,
    /// System prompt; the CLI omits it and puts its prompt in a developer item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// A bare string or a list of items.
    #[serde(default)]
    pub input: ResponsesInput,
    /// Tool definitions, kept as JSON: they are sanitised at every depth (upstream.md §3.5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `"auto"`, `"none"`, `"required"` or an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// Whether the model may call several tools in one turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Reasoning settings (`effort`, `summary`, `context`); `null` stays `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<Reasoning>,
    /// Always `true` upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Always `false` upstream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// E.g. `["reasoning.encrypted_content"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    /// `priority` or `flex` after normalisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// The affinity-derived cache key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    /// Text output settings (`format`, `verbosity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    /// Every other top-level field, verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `input`: the API accepts a bare string or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ResponsesInput {
    /// A bare user prompt.
    Text(String),
    /// Input items.
    Items(Vec<ResponseItem>),
}

impl Default for ResponsesInput {
    fn default() -> Self {
        Self::Items(Vec::new())
    }
}

impl ResponsesInput {
    /// The items, or an empty slice for the string form.
    pub fn items(&self) -> &[ResponseItem] {
        match self {
            Self::Items(items) => items,
            Self::Text(_) => &[],
        }
    }
}

/// `reasoning` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reasoning {
    /// `none` … `xhigh`, `max`, `ultra` or a model-defined level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// `auto`, `concise`, `detailed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Unknown fields such as `context`.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `text` settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TextConfig {
    /// `{"type":"json_schema",…}`, `{"type":"json_object"}` or `{"type":"text"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// `low`, `medium`, `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<String>,
    /// Unknown fields.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
