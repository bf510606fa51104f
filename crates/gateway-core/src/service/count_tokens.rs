//! `POST /v1/messages/count_tokens`, answered locally (translation.md §7): translate the
//! Messages body as for a real call, then count what the upstream would bill with the
//! `o200k_base` tokenizer (embedded in `tiktoken-rs`, no network at run time): every text in
//! `instructions` and `input`, 4 per input item, each tool's compact JSON, and a flat
//! estimate per image.

use gateway_protocol::responses::{ContentPart, MessageContent, ResponseItem, ResponsesInput};
use gateway_protocol::{
    anthropic_to_responses, AnthropicOptions, MessagesRequest, ProtocolError, ResponsesRequest,
};
use serde_json::{json, Value};

/// Per-item framing overhead.
const PER_ITEM: u64 = 4;
/// An image whose dimensions we do not read: the 2048×2048 high-detail worst case.
const IMAGE_TOKENS: u64 = 765;

/// Tokens of a Messages request as the upstream would see it.
pub fn count_messages(req: &MessagesRequest) -> Result<u64, ProtocolError> {
    let translation = anthropic_to_responses(req, &AnthropicOptions::default())?;
    Ok(count_request(&translation.request))
}

/// Tokens of a Responses body: instructions, input items and tool definitions.
pub fn count_request(req: &ResponsesRequest) -> u64 {
    let mut total = req.instructions.as_deref().map_or(0, count_text);
    match &req.input {
        ResponsesInput::Text(text) => total += count_text(text) + PER_ITEM,
        ResponsesInput::Items(items) => {
            total += items
                .iter()
                .map(|item| count_item(item) + PER_ITEM)
                .sum::<u64>()
        }
    }
    for tool in req.tools.iter().flatten() {
        let compact = json!({
            "name": tool.get("name"),
            "description": tool.get("description"),
            "parameters": tool.get("parameters"),
        });
        total += count_text(&compact.to_string());
    }
    total
}

/// Tokens of one text in `o200k_base`, special tokens treated as ordinary text.
pub fn count_text(text: &str) -> u64 {
    if text.is_empty() {
        return 0;
    }
    let bpe = tiktoken_rs::o200k_base_singleton();
    u64::try_from(bpe.encode_ordinary(text).len()).unwrap_or(u64::MAX)
}

fn count_item(item: &ResponseItem) -> u64 {
    match item {
        ResponseItem::Message(m) => match &m.content {
            MessageContent::Text(text) => count_text(text),
            MessageContent::Parts(parts) => parts.iter().map(count_part).sum(),
        },
        ResponseItem::Reasoning(r) => r.summary.iter().map(|s| count_text(&s.text)).sum(),
        ResponseItem::FunctionCall(c) => count_text(&c.name) + count_text(&c.arguments),
        ResponseItem::CustomToolCall(c) => count_text(&c.name) + count_text(&c.input),
        ResponseItem::FunctionCallOutput(o) | ResponseItem::CustomToolCallOutput(o) => {
            count_output(&o.output)
        }
        ResponseItem::WebSearchCall(_)
        | ResponseItem::ImageGenerationCall(_)
        | ResponseItem::Unknown(_) => 0,
    }
}

fn count_part(part: &ContentPart) -> u64 {
    match part.kind.as_str() {
        "input_image" => IMAGE_TOKENS,
        _ => part.text.as_deref().map_or(0, count_text),
    }
}

fn count_output(output: &Value) -> u64 {
    match output {
        Value::String(text) => count_text(text),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p.get("type").and_then(Value::as_str) {
                Some("input_image") => IMAGE_TOKENS,
                _ => p.get("text").and_then(Value::as_str).map_or(0, count_text),
            })
            .sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned `o200k_base` counts. They were computed with the reference Python `tiktoken`
    /// (0.12) loading the very BPE file `tiktoken-rs` embeds — its SHA-256 is
    /// `446a9538…1a2d`, the `expected_hash` tiktoken pins for the official
    /// `o200k_base.tiktoken` — with tiktoken's own o200k pattern, because tiktoken downloads
    /// that file at run time and the network is closed here. Cross-check with a published
    /// count: "hello world" is 2 tokens in o200k_base.
    const FIXTURES: &[(&str, u64)] = &[
        ("hello world", 2),
        ("Hello, world!", 4),
        ("The quick brown fox jumps over the lazy dog.", 10),
        ("café 🦀", 5),
        ("こんにちは世界", 2),
        ("def add(a, b):\n    return a + b\n", 12),
        (
            r#"{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}"#,
            25,
        ),
        ("You are a helpful assistant.", 6),
        ("What is the weather in Paris?", 7),
    ];

    #[test]
    fn texts_match_the_reference_tokenizer() {
        for (text, expected) in FIXTURES {
            assert_eq!(count_text(text), *expected, "{text:?}");
        }
        assert_eq!(count_text(""), 0);
        assert_eq!(
            count_text("<|endoftext|>"),
            count_text("<|endoftext|>"),
            "special tokens count as text"
        );
    }

    #[test]
    fn a_messages_request_counts_system_messages_and_tools() {
        let base: MessagesRequest = serde_json::from_value(json!({
            "model": "claude-sonnet-4-5", "max_tokens": 10,
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}]
        }))
        .unwrap();
        assert_eq!(count_messages(&base).unwrap(), 7 + PER_ITEM);
        let mut with_system = base.clone();
        with_system.system = serde_json::from_value(json!("You are a helpful assistant.")).unwrap();
        assert_eq!(count_messages(&with_system).unwrap(), 7 + 6 + 2 * PER_ITEM);
        let mut with_tools = base.clone();
        with_tools.tools = serde_json::from_value(json!([{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])).unwrap();
        assert!(count_messages(&with_tools).unwrap() > count_messages(&base).unwrap() + 20);
    }
}
