//! Golden transcripts: upstream SSE fixtures through every converter, snapshotted with insta.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly on bad input")]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use common::{
    anthropic_opts, anthropic_stream, chat_opts, chat_stream, decode_chunks, events, fixture,
};
use gateway_protocol::anthropic::aggregate_anthropic_message;
use gateway_protocol::chat::aggregate_chat_completion;
use gateway_protocol::classify_event;
use gateway_protocol::responses::{collect_events, ResponsesStreamEvent};

/// Every converter's output for one upstream transcript, as one reviewable text.
fn transcript(events: &[ResponsesStreamEvent]) -> String {
    let classes: Vec<String> = events
        .iter()
        .map(|e| format!("{:<45} {:?}", e.type_name(), classify_event(e)))
        .collect();
    let collected = collect_events(events);
    let chat = match aggregate_chat_completion(&collected, &chat_opts(false)) {
        Ok(c) => serde_json::to_string_pretty(&c).unwrap(),
        Err(f) => format!(
            "{} {}",
            f.status,
            serde_json::to_string_pretty(&f.to_openai_json()).unwrap()
        ),
    };
    let anthropic = match aggregate_anthropic_message(&collected, &anthropic_opts(true)) {
        Ok((m, notes)) => format!(
            "{}\nnotes: {notes:?}",
            serde_json::to_string_pretty(&m).unwrap()
        ),
        Err(f) => format!(
            "{} {}",
            f.status,
            serde_json::to_string_pretty(&f.to_anthropic_json()).unwrap()
        ),
    };
    format!(
        "== commit classes ==\n{}\n\n== chat stream (include_usage) ==\n{}\n== chat stream ==\n{}\n== anthropic stream (thinking) ==\n{}\n== anthropic stream (no thinking) ==\n{}\n== chat completion ==\n{chat}\n\n== anthropic message ==\n{anthropic}\n\n== native response ==\noutcome: {:?}\n{}\n",
        classes.join("\n"),
        chat_stream(events, true),
        chat_stream(events, false),
        anthropic_stream(events, true),
        anthropic_stream(events, false),
        collected.outcome,
        serde_json::to_string_pretty(&collected.response).unwrap(),
    )
}

fn golden(name: &str) {
    let bytes = fixture(name);
    let frames = decode_chunks([bytes.as_slice()]);
    let events = events(&frames);
    insta::assert_snapshot!(name, transcript(&events));
}

#[test]
fn text_only() {
    golden("text_only");
}

#[test]
fn reasoning_text() {
    golden("reasoning_text");
}

#[test]
fn function_call() {
    golden("function_call");
}

#[test]
fn parallel_function_calls() {
    golden("parallel_function_calls");
}

#[test]
fn custom_tool_call() {
    golden("custom_tool_call");
}

#[test]
fn failed_before_content() {
    golden("failed_before_content");
}

#[test]
fn incomplete_max_tokens() {
    golden("incomplete_max_tokens");
}

#[test]
fn completed_empty_output() {
    golden("completed_empty_output");
}

#[test]
fn fixture_hello() {
    golden("fixture_hello");
}

#[test]
fn utf8_multibyte() {
    golden("utf8_multibyte");
}

#[test]
fn truncated_stream_is_an_error_never_a_stop() {
    let bytes = fixture("text_only");
    let text = String::from_utf8(bytes).unwrap();
    let cut = text.find("event: response.output_text.done").unwrap();
    let frames = decode_chunks([&text.as_bytes()[..cut]]);
    let events = events(&frames);
    let chat = common::chat_stream(&events, true);
    assert!(chat.contains("upstream_stream_break"));
    assert!(!chat.contains("[DONE]"));
    assert!(!chat.contains("\"finish_reason\":\"stop\""));
    let anthropic = common::anthropic_stream(&events, true);
    assert!(anthropic.contains("event: error"));
    assert!(anthropic.contains("overloaded_error"));
    assert!(!anthropic.contains("message_stop"));
    assert!(anthropic.contains("content_block_stop"));
}
