//! Shared helpers for the integration tests: fixture loading, decoding and rendering every
//! converter's output as text for snapshots.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail loudly on bad fixtures"
)]

use gateway_protocol::responses::ResponsesStreamEvent;
use gateway_protocol::{
    AnthropicStreamOptions, ChatStreamOptions, ResponsesToAnthropicStream, ResponsesToChatStream,
    SseDecoder, SseFrame,
};

/// Every recorded upstream stream in `tests/fixtures`, by name.
pub const FIXTURES: &[&str] = &[
    "text_only",
    "reasoning_text",
    "function_call",
    "parallel_function_calls",
    "custom_tool_call",
    "failed_before_content",
    "incomplete_max_tokens",
    "completed_empty_output",
    "fixture_hello",
    "utf8_multibyte",
];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.sse", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(path).unwrap()
}

pub fn decode_chunks<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<SseFrame> {
    let mut decoder = SseDecoder::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        frames.extend(decoder.push(chunk));
    }
    frames.extend(decoder.finish());
    frames
}

pub fn events(frames: &[SseFrame]) -> Vec<ResponsesStreamEvent> {
    frames
        .iter()
        .map(|f| ResponsesStreamEvent::from_frame(f).unwrap())
        .collect()
}

pub fn chat_opts(include_usage: bool) -> ChatStreamOptions {
    ChatStreamOptions {
        id: "chatcmpl-test".into(),
        created: 1_700_000_000,
        model: "gpt-5.5".into(),
        include_usage,
    }
}

pub fn anthropic_opts(thinking: bool) -> AnthropicStreamOptions {
    AnthropicStreamOptions {
        message_id: "msg_test".into(),
        model: "claude-sonnet-5".into(),
        thinking,
    }
}

pub fn chat_stream(events: &[ResponsesStreamEvent], include_usage: bool) -> String {
    let mut conv = ResponsesToChatStream::new(chat_opts(include_usage));
    let mut out = Vec::new();
    for e in events {
        out.extend(conv.push(e));
    }
    out.extend(conv.finish());
    out.iter()
        .map(|i| String::from_utf8(i.to_sse().to_vec()).unwrap())
        .collect()
}

pub fn anthropic_stream(events: &[ResponsesStreamEvent], thinking: bool) -> String {
    let mut conv = ResponsesToAnthropicStream::new(anthropic_opts(thinking));
    let mut out = Vec::new();
    for e in events {
        out.extend(conv.push(e));
    }
    out.extend(conv.finish());
    out.iter()
        .map(|i| String::from_utf8(i.to_sse().to_vec()).unwrap())
        .collect()
}
