//! Chat Completions request → Responses request (translation.md §2). Validation failures are
//! `ProtocolError`s naming the offending parameter; orphan repair happens later, in
//! normalisation, for every protocol alike.

use serde_json::{json, Value};

use super::types::{ChatCompletionRequest, ChatContent, ChatContentPart, ChatMessage};
use crate::error::ProtocolError;
use crate::normalize::{response_format_to_text_format, sanitize_schema};
use crate::responses::{
    ContentPart, FunctionCall, MessageItem, Reasoning, ResponseItem, ResponsesInput,
    ResponsesRequest, TextConfig, ToolCallOutput,
};

/// The developer message added for `json_object` when no message mentions JSON.
pub const JSON_OBJECT_INSTRUCTION: &str = "Respond with a single JSON object.";

/// Translates a Chat request. The model is copied as given (resolve it with
/// [`crate::resolve_model`]); normalise the result with [`crate::normalize_request`].
pub fn chat_to_responses(req: &ChatCompletionRequest) -> Result<ResponsesRequest, ProtocolError> {
    if req.n.is_some_and(|n| n > 1) {
        return Err(ProtocolError::invalid(
            "n greater than 1 is not supported",
            "n",
        ));
    }
    let mut items = Vec::with_capacity(req.messages.len());
    for (index, message) in req.messages.iter().enumerate() {
        convert_message(index, message, &mut items)?;
    }
    let mut out = ResponsesRequest {
        model: req.model.clone().unwrap_or_default(),
        instructions: Some(String::new()),
        tools: convert_tools(req)?,
        tool_choice: convert_tool_choice(req),
        parallel_tool_calls: req.parallel_tool_calls,
        reasoning: Some(Reasoning {
            effort: req.reasoning_effort.clone(),
            summary: Some("auto".into()),
            ..Reasoning::default()
        }),
        service_tier: req.service_tier.clone(),
        ..ResponsesRequest::default()
    };
    let format = req
        .response_format
        .as_ref()
        .and_then(response_format_to_text_format);
    let wants_json_object = format
        .as_ref()
        .and_then(|f| f.get("type"))
        .and_then(Value::as_str)
        == Some("json_object");
    if wants_json_object && !mentions_json(&req.messages) {
        items.insert(
            0,
            ResponseItem::text_message("developer", JSON_OBJECT_INSTRUCTION),
        );
    }
    if format.is_some() || req.verbosity.is_some() {
        out.text = Some(TextConfig {
            format,
            verbosity: req.verbosity.clone(),
            ..TextConfig::default()
        });
    }
    out.input = ResponsesInput::Items(items);
    Ok(out)
}

fn mentions_json(messages: &[ChatMessage]) -> bool {
    messages.iter().any(|m| match &m.content {
        Some(ChatContent::Text(t)) => t.to_ascii_lowercase().contains("json"),
        Some(ChatContent::Parts(parts)) => parts
            .iter()
            .filter_map(|p| p.text.as_deref())
            .any(|t| t.to_ascii_lowercase().contains("json")),
        None => false,
    })
}

fn convert_message(
    index: usize,
    message: &ChatMessage,
    items: &mut Vec<ResponseItem>,
) -> Result<(), ProtocolError> {
    let at = |field: &str| format!("messages[{index}].{field}");
    match message.role.as_str() {
        "system" | "developer" | "user" => {
            let role = if message.role == "user" {
                "user"
            } else {
                "developer"
            };
            let parts = input_parts(message.content.as_ref(), &at("content"))?;
            if parts.is_empty() && message.content.is_none() {
                return Err(ProtocolError::invalid(
                    "message content is required",
                    at("content"),
                ));
            }
            items.push(ResponseItem::Message(MessageItem::new(role, parts)));
        }
        "assistant" => convert_assistant(index, message, items)?,
        "tool" => {
            let call_id = message
                .tool_call_id
                .clone()
                .filter(|id| !id.is_empty())
                .ok_or_else(|| {
                    ProtocolError::invalid("tool messages need a tool_call_id", at("tool_call_id"))
                })?;
            let output = tool_output(message.content.as_ref(), &at("content"))?;
            items.push(ResponseItem::FunctionCallOutput(ToolCallOutput::new(
                call_id, output,
            )));
        }
        "" => {
            return Err(ProtocolError::invalid(
                "message role is required",
                at("role"),
            ))
        }
        other => {
            return Err(ProtocolError::invalid(
                format!("unknown message role '{other}'"),
                at("role"),
            ))
        }
    }
    Ok(())
}

fn convert_assistant(
    index: usize,
    message: &ChatMessage,
    items: &mut Vec<ResponseItem>,
) -> Result<(), ProtocolError> {
    let text = match &message.content {
        Some(ChatContent::Text(t)) => t.clone(),
        Some(ChatContent::Parts(parts)) => parts
            .iter()
            .filter_map(|p| {
                p.text
                    .as_deref()
                    .or_else(|| p.extra.get("refusal")?.as_str())
            })
            .collect(),
        None => String::new(),
    };
    if !text.is_empty() {
        items.push(ResponseItem::text_message("assistant", text));
    }
    for (call_index, call) in message.tool_calls.iter().flatten().enumerate() {
        if call.function.name.is_empty() {
            let param = format!("messages[{index}].tool_calls[{call_index}].function.name");
            return Err(ProtocolError::invalid(
                "tool call function name is empty",
                param,
            ));
        }
        items.push(ResponseItem::FunctionCall(FunctionCall {
            call_id: call.id.clone(),
            name: call.function.name.clone(),
            arguments: call.function.arguments.clone(),
            ..FunctionCall::default()
        }));
    }
    Ok(())
}

/// User/system content → Responses input parts.
fn input_parts(
    content: Option<&ChatContent>,
    param: &str,
) -> Result<Vec<ContentPart>, ProtocolError> {
    match content {
        None => Ok(Vec::new()),
        Some(ChatContent::Text(t)) => Ok(vec![ContentPart::input_text(t.clone())]),
        Some(ChatContent::Parts(parts)) => parts
            .iter()
            .enumerate()
            .map(|(i, part)| input_part(part, &format!("{param}[{i}]")))
            .collect(),
    }
}

fn input_part(part: &ChatContentPart, param: &str) -> Result<ContentPart, ProtocolError> {
    match part.kind.as_str() {
        "text" | "input_text" => Ok(ContentPart::input_text(
            part.text.clone().unwrap_or_default(),
        )),
        "image_url" => {
            let (url, detail) = match &part.image_url {
                Some(Value::String(url)) => (url.clone(), None),
                Some(Value::Object(obj)) => (
                    obj.get("url")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    obj.get("detail").and_then(Value::as_str).map(str::to_owned),
                ),
                _ => (String::new(), None),
            };
            if url.is_empty() {
                return Err(ProtocolError::invalid("image_url.url is required", param));
            }
            Ok(ContentPart::input_image(url, detail))
        }
        "file" => {
            let file = part.file.as_ref();
            let data = file
                .and_then(|f| f.get("file_data"))
                .and_then(Value::as_str);
            let Some(data) = data else {
                return Err(ProtocolError::unsupported(
                    "only inline file_data is supported",
                    param,
                ));
            };
            let name = file.and_then(|f| f.get("filename")).and_then(Value::as_str);
            Ok(ContentPart::input_file(name.map(str::to_owned), data))
        }
        "input_audio" => Err(ProtocolError::unsupported(
            "audio input is not supported",
            param,
        )),
        other => Err(ProtocolError::unsupported(
            format!("unsupported content part '{other}'"),
            param,
        )),
    }
}

/// Tool message content: text only → a string; with images → an array of parts.
fn tool_output(content: Option<&ChatContent>, param: &str) -> Result<Value, ProtocolError> {
    match content {
        None => Ok(json!("")),
        Some(ChatContent::Text(t)) => Ok(json!(t)),
        Some(ChatContent::Parts(_)) => {
            let parts = input_parts(content, param)?;
            if parts.iter().all(|p| p.kind == "input_text") {
                let texts: Vec<&str> = parts.iter().filter_map(|p| p.text.as_deref()).collect();
                Ok(json!(texts.join("\n")))
            } else {
                serde_json::to_value(parts)
                    .map_err(|e| ProtocolError::invalid(e.to_string(), param))
            }
        }
    }
}

fn convert_tools(req: &ChatCompletionRequest) -> Result<Option<Vec<Value>>, ProtocolError> {
    let mut tools = Vec::new();
    for (i, tool) in req.tools.iter().flatten().enumerate() {
        let kind = tool.kind.as_deref().unwrap_or("function");
        let (Some(function), "function") = (&tool.function, kind) else {
            let message = format!("unsupported tool type '{kind}'");
            return Err(ProtocolError::unsupported(
                message,
                format!("tools[{i}].type"),
            ));
        };
        tools.push(function_tool(
            function,
            &format!("tools[{i}].function.name"),
        )?);
    }
    for (i, function) in req.functions.iter().flatten().enumerate() {
        tools.push(function_tool(function, &format!("functions[{i}].name"))?);
    }
    if req.web_search_options.is_some() {
        tools.push(json!({"type": "web_search"}));
    }
    Ok((!tools.is_empty()).then_some(tools))
}

fn function_tool(f: &super::types::ChatFunction, param: &str) -> Result<Value, ProtocolError> {
    if f.name.trim().is_empty() {
        return Err(ProtocolError::invalid(
            "function name must not be empty",
            param,
        ));
    }
    let mut parameters = f
        .parameters
        .clone()
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    sanitize_schema(&mut parameters);
    let mut tool = json!({"type": "function", "name": f.name, "parameters": parameters});
    if let Some(d) = &f.description {
        tool["description"] = json!(d);
    }
    if let Some(s) = f.strict {
        tool["strict"] = json!(s);
    }
    Ok(tool)
}

fn convert_tool_choice(req: &ChatCompletionRequest) -> Option<Value> {
    let choice = req.tool_choice.as_ref().or(req.function_call.as_ref())?;
    match choice {
        Value::String(_) => Some(choice.clone()),
        Value::Object(obj) => {
            let name = obj
                .get("function")
                .and_then(|f| f.get("name"))
                .or_else(|| obj.get("name"))
                .and_then(Value::as_str)?;
            Some(json!({"type": "function", "name": name}))
        }
        _ => None,
    }
}
