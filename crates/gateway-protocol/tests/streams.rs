//! Stream converter details not covered by the golden transcripts: pings every 40 deltas,
//! the Anthropic usage arithmetic, and slow-start opening frames.

use gateway_protocol::anthropic::AnthropicUsage;
use gateway_protocol::responses::{ResponseUsage, ResponsesStreamEvent};
use gateway_protocol::{
    AnthropicStreamEvent, AnthropicStreamOptions, ChatStreamItem, ChatStreamOptions,
    ResponsesToAnthropicStream, ResponsesToChatStream,
};
use proptest::prelude::*;
use serde_json::json;

fn anthropic() -> ResponsesToAnthropicStream {
    ResponsesToAnthropicStream::new(AnthropicStreamOptions {
        message_id: "msg".into(),
        model: "claude".into(),
        thinking: false,
    })
}

#[test]
fn ping_after_first_block_and_every_40_deltas() {
    let mut conv = anthropic();
    let delta: ResponsesStreamEvent = serde_json::from_value(
        json!({"type": "response.output_text.delta", "item_id": "m", "delta": "x"}),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    for _ in 0..80 {
        out.extend(conv.push(&delta));
    }
    let pings = out
        .iter()
        .filter(|e| matches!(e, AnthropicStreamEvent::Ping))
        .count();
    assert_eq!(pings, 3);
    assert!(matches!(out[0], AnthropicStreamEvent::MessageStart { .. }));
    assert!(matches!(out[2], AnthropicStreamEvent::Ping));
}

#[test]
fn slow_start_opening_frames_are_emitted_once() {
    let mut conv = anthropic();
    assert_eq!(conv.start().len(), 1);
    assert!(conv.start().is_empty());
    let mut chat = ResponsesToChatStream::new(ChatStreamOptions {
        id: "c".into(),
        created: 1,
        model: "m".into(),
        include_usage: false,
    });
    assert!(matches!(
        chat.start().as_slice(),
        [ChatStreamItem::Chunk(_)]
    ));
    assert!(chat.start().is_empty());
}

proptest! {
    #[test]
    fn anthropic_usage_adds_back_to_upstream_input(input in 0u64..1_000_000, cached in 0u64..1_000_000, output in 0u64..1_000) {
        let cached = cached.min(input);
        let upstream: ResponseUsage = serde_json::from_value(json!({
            "input_tokens": input, "output_tokens": output, "total_tokens": input + output,
            "input_tokens_details": {"cached_tokens": cached}
        })).unwrap_or_default();
        let usage = AnthropicUsage::from(&upstream);
        prop_assert_eq!(usage.input_tokens + usage.cache_read_input_tokens, input);
        prop_assert_eq!(usage.cache_read_input_tokens, cached);
        prop_assert_eq!(usage.cache_creation_input_tokens, 0);
    }
}
