//! Non-streaming Chat Completions (translation.md §3.1): a collected Responses stream becomes
//! one `chat.completion`. Items come from `response.output_item.done` events.

use super::stream::ChatStreamOptions;
use super::types::{
    ChatChoice, ChatCompletion, ChatFunctionCall, ChatResponseMessage, ChatToolCall, ChatUsage,
};
use crate::commit::UpstreamFailure;
use crate::responses::{CollectedResponse, ResponseItem, StreamOutcome};

/// Builds the `chat.completion`; a failed or broken stream is returned as the failure, for
/// the caller to render as an HTTP error. `include_usage` in `opts` is ignored.
pub fn aggregate_chat_completion(
    collected: &CollectedResponse,
    opts: &ChatStreamOptions,
) -> Result<ChatCompletion, UpstreamFailure> {
    let mut text = String::new();
    let mut refusal = String::new();
    let mut reasoning: Vec<String> = Vec::new();
    let mut calls = Vec::new();
    for item in &collected.response.output {
        match item {
            ResponseItem::Message(m) => {
                text.push_str(&m.text());
                refusal.push_str(&m.refusal());
            }
            ResponseItem::Reasoning(r) if !r.summary.is_empty() => reasoning.push(r.summary_text()),
            ResponseItem::FunctionCall(c) => {
                calls.push(tool_call(&c.call_id, &c.name, &c.arguments))
            }
            ResponseItem::CustomToolCall(c) => calls.push(tool_call(&c.call_id, &c.name, &c.input)),
            _ => {}
        }
    }
    let finish_reason = match &collected.outcome {
        StreamOutcome::Failed(failure) => return Err(failure.clone()),
        StreamOutcome::Incomplete { reason } if reason.as_deref() == Some("content_filter") => {
            "content_filter"
        }
        StreamOutcome::Incomplete { .. } => "length",
        StreamOutcome::Completed if !calls.is_empty() => "tool_calls",
        StreamOutcome::Completed => "stop",
    };
    let reasoning = (!reasoning.is_empty()).then(|| reasoning.join("\n\n"));
    let message = ChatResponseMessage {
        role: "assistant".into(),
        content: if text.is_empty() && !calls.is_empty() {
            None
        } else {
            Some(text)
        },
        refusal: (!refusal.is_empty()).then_some(refusal),
        reasoning_content: reasoning.clone(),
        reasoning,
        tool_calls: (!calls.is_empty()).then_some(calls),
    };
    Ok(ChatCompletion {
        id: opts.id.clone(),
        object: "chat.completion".into(),
        created: opts.created,
        model: opts.model.clone(),
        choices: vec![ChatChoice {
            index: 0,
            message,
            finish_reason: Some(finish_reason.into()),
        }],
        usage: collected.response.usage.as_ref().map(ChatUsage::from),
    })
}

fn tool_call(call_id: &str, name: &str, arguments: &str) -> ChatToolCall {
    ChatToolCall {
        id: call_id.to_owned(),
        kind: "function".into(),
        function: ChatFunctionCall {
            name: name.to_owned(),
            arguments: arguments.to_owned(),
        },
    }
}
