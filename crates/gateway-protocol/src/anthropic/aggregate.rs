//! Non-streaming Messages (translation.md §5.1): a collected Responses stream becomes one
//! `message`. Empty text blocks are dropped, thinking blocks are kept only with a signature,
//! and `tool_use.input` is the parsed arguments (`{}` when they are not valid JSON).

use serde_json::{json, Value};

use super::stream::{stop_reason, AnthropicStreamOptions};
use super::types::{AnthropicMessageResponse, AnthropicUsage};
use crate::commit::UpstreamFailure;
use crate::responses::{CollectedResponse, ResponseItem, StreamOutcome};

/// Builds the Messages answer; a failed or broken stream is returned as the failure. The
/// second value lists trace notes (e.g. unparsable tool arguments).
pub fn aggregate_anthropic_message(
    collected: &CollectedResponse,
    opts: &AnthropicStreamOptions,
) -> Result<(AnthropicMessageResponse, Vec<String>), UpstreamFailure> {
    let incomplete = match &collected.outcome {
        StreamOutcome::Failed(failure) => return Err(failure.clone()),
        StreamOutcome::Incomplete { reason } => Some(reason.clone().unwrap_or_default()),
        StreamOutcome::Completed => None,
    };
    let mut content = Vec::new();
    let mut notes = Vec::new();
    let mut tool_used = false;
    for item in &collected.response.output {
        match item {
            ResponseItem::Reasoning(r) if opts.thinking => {
                if let Some(signature) = r.encrypted_content.as_deref().filter(|s| !s.is_empty()) {
                    content.push(json!({"type": "thinking", "thinking": r.summary_text(), "signature": signature}));
                }
            }
            ResponseItem::Message(m) => {
                let text = m.text() + &m.refusal();
                if !text.is_empty() {
                    content.push(json!({"type": "text", "text": text}));
                }
            }
            ResponseItem::FunctionCall(c) => {
                tool_used = true;
                content.push(tool_use(&c.call_id, &c.name, &c.arguments, &mut notes));
            }
            ResponseItem::CustomToolCall(c) => {
                tool_used = true;
                content.push(tool_use(&c.call_id, &c.name, &c.input, &mut notes));
            }
            _ => {}
        }
    }
    let message = AnthropicMessageResponse {
        id: opts.message_id.clone(),
        kind: "message".into(),
        role: "assistant".into(),
        model: opts.model.clone(),
        content,
        stop_reason: Some(stop_reason(tool_used, incomplete.as_deref()).to_owned()),
        stop_sequence: None,
        usage: collected
            .response
            .usage
            .as_ref()
            .map(AnthropicUsage::from)
            .unwrap_or_default(),
    };
    Ok((message, notes))
}

fn tool_use(call_id: &str, name: &str, arguments: &str, notes: &mut Vec<String>) -> Value {
    let input = if arguments.trim().is_empty() {
        json!({})
    } else {
        match serde_json::from_str::<Value>(arguments) {
            Ok(value @ Value::Object(_)) => value,
            _ => {
                notes.push(format!(
                    "tool_use {call_id}: arguments are not a JSON object"
                ));
                json!({})
            }
        }
    };
    json!({"type": "tool_use", "id": call_id, "name": name, "input": input})
}
