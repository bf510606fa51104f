//! Anthropic Messages request → Responses request (translation.md §4): system prompts,
//! mid-conversation system messages, content blocks in order, tool ids verbatim (§4.3), and
//! thinking ⇄ reasoning (§4.4): a thinking block's `signature` is the reasoning item's
//! `encrypted_content`, byte for byte, so the signatures we issue come back as replayable
//! reasoning. Unsigned thinking is dropped.

use serde_json::{json, Value};

use super::types::{
    AnthropicContent, AnthropicTool, AnthropicToolChoice, ContentBlock, DocumentBlock, ImageSource,
    MessagesRequest, SystemPrompt, ThinkingConfig, ToolResultBlock, ToolResultContent,
};
use crate::error::ProtocolError;
use crate::normalize::{response_format_to_text_format, sanitize_schema};
use crate::responses::{
    ContentPart, FunctionCall, MessageItem, Reasoning, ReasoningItem, ResponseItem, ResponsesInput,
    ResponsesRequest, SummaryPart, TextConfig, ToolCallOutput,
};

/// Settings for the translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnthropicOptions {
    /// Effort when neither `output_config.effort` nor `thinking` says (setting; `medium`).
    pub default_effort: String,
}

impl Default for AnthropicOptions {
    fn default() -> Self {
        Self {
            default_effort: "medium".into(),
        }
    }
}

/// The translated request plus what the stream converter and the trace need.
#[derive(Debug, Clone, PartialEq)]
pub struct AnthropicTranslation {
    /// The Responses body (model not yet resolved, not yet normalised).
    pub request: ResponsesRequest,
    /// Thinking enabled (`enabled` or `adaptive`): emit thinking blocks in the answer.
    pub thinking: bool,
    /// Trace notes (dropped server tools, dropped blocks).
    pub notes: Vec<String>,
}

/// Translates a Messages request.
pub fn anthropic_to_responses(
    req: &MessagesRequest,
    opts: &AnthropicOptions,
) -> Result<AnthropicTranslation, ProtocolError> {
    let mut notes = Vec::new();
    let mut items = Vec::new();
    if let Some(system) = &req.system {
        let text = system_text(system);
        if !text.is_empty() {
            items.push(ResponseItem::text_message("developer", text));
        }
    }
    for (index, message) in req.messages.iter().enumerate() {
        let mut builder = TurnBuilder {
            items: &mut items,
            notes: &mut notes,
            parts: Vec::new(),
        };
        builder.message(index, &message.role, &message.content)?;
    }
    let thinking_kind = req.thinking.as_ref().map(|t| t.kind.as_str());
    let thinking = matches!(thinking_kind, Some("enabled" | "adaptive"));
    let effort = req
        .output_config
        .as_ref()
        .and_then(|c| c.effort.clone())
        .or_else(|| req.thinking.as_ref().and_then(effort_for_thinking))
        .unwrap_or_else(|| opts.default_effort.clone());
    let format = req
        .output_config
        .as_ref()
        .and_then(|c| c.format.as_ref())
        .and_then(response_format_to_text_format);
    let (tool_choice, parallel) = convert_tool_choice(req.tool_choice.as_ref());
    let request = ResponsesRequest {
        model: req.model.clone(),
        instructions: Some(String::new()),
        input: ResponsesInput::Items(items),
        tools: convert_tools(req.tools.as_deref(), &mut notes)?,
        tool_choice,
        parallel_tool_calls: parallel,
        reasoning: Some(Reasoning {
            effort: Some(effort),
            summary: Some("auto".into()),
            ..Reasoning::default()
        }),
        service_tier: (req.speed.as_deref() == Some("fast")).then(|| "priority".to_owned()),
        text: format.map(|f| TextConfig {
            format: Some(f),
            ..TextConfig::default()
        }),
        ..ResponsesRequest::default()
    };
    Ok(AnthropicTranslation {
        request,
        thinking,
        notes,
    })
}

/// Effort implied by `thinking` (translation.md §4.4 rules 2–4).
pub fn effort_for_thinking(thinking: &ThinkingConfig) -> Option<String> {
    let effort = match thinking.kind.as_str() {
        "enabled" => match thinking.budget_tokens.unwrap_or(0) {
            0..4_096 => "low",
            4_096..16_384 => "medium",
            16_384..32_768 => "high",
            _ => "xhigh",
        },
        "adaptive" => "high",
        "disabled" => "low",
        _ => return None,
    };
    Some(effort.to_owned())
}

fn system_text(system: &SystemPrompt) -> String {
    match system {
        SystemPrompt::Text(t) => t.clone(),
        SystemPrompt::Blocks(blocks) => join_texts(blocks, "\n\n"),
    }
}

fn join_texts(blocks: &[ContentBlock], sep: &str) -> String {
    let texts: Vec<&str> = blocks
        .iter()
        .filter_map(|b| match b {
            ContentBlock::Text(t) => Some(t.text.as_str()),
            _ => None,
        })
        .collect();
    texts.join(sep)
}

/// Builds the items of one message: consecutive text/image blocks merge into one message
/// item; `tool_use`, `thinking` and `tool_result` close it.
struct TurnBuilder<'a> {
    items: &'a mut Vec<ResponseItem>,
    notes: &'a mut Vec<String>,
    parts: Vec<ContentPart>,
}

impl TurnBuilder<'_> {
    fn message(
        &mut self,
        index: usize,
        role: &str,
        content: &AnthropicContent,
    ) -> Result<(), ProtocolError> {
        let role = match role {
            "user" | "assistant" => role,
            "system" => {
                let text = match content {
                    AnthropicContent::Text(t) => t.clone(),
                    AnthropicContent::Blocks(blocks) => join_texts(blocks, "\n\n"),
                };
                self.items
                    .push(ResponseItem::text_message("developer", text));
                return Ok(());
            }
            "" => {
                return Err(ProtocolError::invalid(
                    "role is required",
                    format!("messages[{index}].role"),
                ))
            }
            other => {
                let message = format!("unknown message role '{other}'");
                return Err(ProtocolError::invalid(
                    message,
                    format!("messages[{index}].role"),
                ));
            }
        };
        match content {
            AnthropicContent::Text(t) => self.text(role, t),
            AnthropicContent::Blocks(blocks) => {
                for (b, block) in blocks.iter().enumerate() {
                    self.block(role, block, &format!("messages[{index}].content[{b}]"))?;
                }
            }
        }
        self.flush(role);
        Ok(())
    }

    fn text(&mut self, role: &str, text: &str) {
        let part = if role == "assistant" {
            ContentPart::output_text(text)
        } else {
            ContentPart::input_text(text)
        };
        self.parts.push(part);
    }

    fn flush(&mut self, role: &str) {
        if !self.parts.is_empty() {
            let parts = std::mem::take(&mut self.parts);
            self.items
                .push(ResponseItem::Message(MessageItem::new(role, parts)));
        }
    }

    fn push_item(&mut self, role: &str, item: ResponseItem) {
        self.flush(role);
        self.items.push(item);
    }

    fn block(
        &mut self,
        role: &str,
        block: &ContentBlock,
        param: &str,
    ) -> Result<(), ProtocolError> {
        match block {
            ContentBlock::Text(t) => self.text(role, &t.text),
            ContentBlock::Image(img) => self.parts.push(image_part(&img.source, param)?),
            ContentBlock::Document(doc) => self.parts.push(document_part(doc, param)?),
            ContentBlock::ToolUse(tool) => {
                let arguments = match &tool.input {
                    Value::Null => "{}".to_owned(),
                    input => input.to_string(),
                };
                let call = FunctionCall {
                    call_id: tool.id.clone(),
                    name: tool.name.clone(),
                    arguments,
                    ..FunctionCall::default()
                };
                self.push_item(role, ResponseItem::FunctionCall(call));
            }
            ContentBlock::ToolResult(result) => {
                let output = tool_result_output(result, param)?;
                let item = ToolCallOutput::new(result.tool_use_id.clone(), output);
                self.push_item(role, ResponseItem::FunctionCallOutput(item));
            }
            ContentBlock::Thinking(thinking) => match thinking.signature.as_deref() {
                Some(signature) if !signature.is_empty() => {
                    let summary = if thinking.thinking.is_empty() {
                        Vec::new()
                    } else {
                        vec![SummaryPart::new(thinking.thinking.clone())]
                    };
                    let item = ReasoningItem {
                        summary,
                        encrypted_content: Some(signature.to_owned()),
                        ..ReasoningItem::default()
                    };
                    self.push_item(role, ResponseItem::Reasoning(item));
                }
                _ => self
                    .notes
                    .push(format!("{param}: unsigned thinking block dropped")),
            },
            ContentBlock::Unknown(value) => {
                let kind = value
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                self.notes.push(format!("{param}: {kind} block dropped"));
            }
        }
        Ok(())
    }
}

fn image_part(source: &ImageSource, param: &str) -> Result<ContentPart, ProtocolError> {
    match source {
        ImageSource::Base64 { media_type, data } => Ok(ContentPart::input_image(
            format!("data:{media_type};base64,{data}"),
            None,
        )),
        ImageSource::Url { url } => Ok(ContentPart::input_image(url.clone(), None)),
        _ => Err(ProtocolError::unsupported(
            "unsupported image source",
            format!("{param}.source"),
        )),
    }
}

fn document_part(doc: &DocumentBlock, param: &str) -> Result<ContentPart, ProtocolError> {
    match &doc.source {
        ImageSource::Text { data } => Ok(ContentPart::input_text(data.clone())),
        ImageSource::Base64 { media_type, data } => {
            let name = doc
                .extra
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_owned);
            Ok(ContentPart::input_file(
                name,
                format!("data:{media_type};base64,{data}"),
            ))
        }
        _ => Err(ProtocolError::unsupported(
            "unsupported document source",
            format!("{param}.source"),
        )),
    }
}

/// `tool_result` content: string as is, text blocks joined with `\n`, images as parts;
/// `is_error` prefixes the text with `[error] `.
fn tool_result_output(result: &ToolResultBlock, param: &str) -> Result<Value, ProtocolError> {
    let prefix = if result.is_error == Some(true) {
        "[error] "
    } else {
        ""
    };
    let blocks = match &result.content {
        None => return Ok(json!(prefix.trim_end())),
        Some(ToolResultContent::Text(t)) => return Ok(json!(format!("{prefix}{t}"))),
        Some(ToolResultContent::Blocks(blocks)) => blocks,
    };
    let has_image = blocks.iter().any(|b| matches!(b, ContentBlock::Image(_)));
    if !has_image {
        return Ok(json!(format!("{prefix}{}", join_texts(blocks, "\n"))));
    }
    let mut parts = Vec::new();
    if !prefix.is_empty() {
        parts.push(ContentPart::input_text(prefix.trim_end()));
    }
    for (i, block) in blocks.iter().enumerate() {
        match block {
            ContentBlock::Text(t) => parts.push(ContentPart::input_text(t.text.clone())),
            ContentBlock::Image(img) => {
                parts.push(image_part(&img.source, &format!("{param}.content[{i}]"))?);
            }
            _ => {}
        }
    }
    serde_json::to_value(parts).map_err(|e| ProtocolError::invalid(e.to_string(), param))
}

fn convert_tools(
    tools: Option<&[AnthropicTool]>,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<Value>>, ProtocolError> {
    let Some(tools) = tools else { return Ok(None) };
    let mut out = Vec::with_capacity(tools.len());
    for (i, tool) in tools.iter().enumerate() {
        match tool.kind.as_deref() {
            None | Some("custom") => {
                if tool.name.trim().is_empty() {
                    return Err(ProtocolError::invalid(
                        "tool name must not be empty",
                        format!("tools[{i}].name"),
                    ));
                }
                let mut schema = tool
                    .input_schema
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
                sanitize_schema(&mut schema);
                let mut def = json!({"type": "function", "name": tool.name, "parameters": schema});
                if let Some(d) = &tool.description {
                    def["description"] = json!(d);
                }
                out.push(def);
            }
            Some(kind) if kind.starts_with("web_search_") => {
                out.push(json!({"type": "web_search"}))
            }
            Some(kind) => notes.push(format!("tools[{i}]: server tool {kind} dropped")),
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

fn convert_tool_choice(choice: Option<&AnthropicToolChoice>) -> (Option<Value>, Option<bool>) {
    let Some(choice) = choice else {
        return (None, None);
    };
    let value = match (choice.kind.as_str(), &choice.name) {
        ("auto", _) => Some(json!("auto")),
        ("any", _) => Some(json!("required")),
        ("none", _) => Some(json!("none")),
        ("tool", Some(name)) => Some(json!({"type": "function", "name": name})),
        _ => None,
    };
    let parallel = (choice.disable_parallel_tool_use == Some(true)).then_some(false);
    (value, parallel)
}
