//! Stream converters in events per second on a realistic Codex stream: Responses → Chat
//! chunks, Responses → Anthropic events (each including SSE encoding of the output), and the
//! native `/v1/responses` pass-through classification (commit class + forward/drop on the
//! raw frame). "parsed" variants start from parsed events; "full" ones from raw bytes.

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gateway_protocol::responses::{native_frame_action, NativeFrameAction};
use gateway_protocol::{
    classify_event, AnthropicStreamOptions, ChatStreamOptions, ResponsesStreamEvent,
    ResponsesToAnthropicStream, ResponsesToChatStream, SseDecoder, SseFrame,
};

fn chat_opts() -> ChatStreamOptions {
    ChatStreamOptions {
        id: "chatcmpl-bench".into(),
        created: 1_760_000_000,
        model: "gpt-5.5".into(),
        include_usage: true,
    }
}

fn anthropic_opts() -> AnthropicStreamOptions {
    AnthropicStreamOptions {
        message_id: "msg_bench".into(),
        model: "claude-sonnet-4-5".into(),
        thinking: true,
    }
}

fn to_chat(events: &[ResponsesStreamEvent]) -> usize {
    let mut conv = ResponsesToChatStream::new(chat_opts());
    let mut bytes: usize = conv.start().iter().map(|i| i.to_sse().len()).sum();
    for e in events {
        bytes += conv.push(e).iter().map(|i| i.to_sse().len()).sum::<usize>();
    }
    bytes
        + conv
            .finish()
            .iter()
            .map(|i| i.to_sse().len())
            .sum::<usize>()
}

fn to_anthropic(events: &[ResponsesStreamEvent]) -> usize {
    let mut conv = ResponsesToAnthropicStream::new(anthropic_opts());
    let mut bytes: usize = conv.start().iter().map(|i| i.to_sse().len()).sum();
    for e in events {
        bytes += conv.push(e).iter().map(|i| i.to_sse().len()).sum::<usize>();
    }
    bytes
        + conv
            .finish()
            .iter()
            .map(|i| i.to_sse().len())
            .sum::<usize>()
}

fn native(frames: &[SseFrame]) -> usize {
    let mut forwarded = 0;
    for frame in frames {
        if let Ok(event) = ResponsesStreamEvent::from_frame(frame) {
            black_box(classify_event(&event));
        }
        if native_frame_action(frame) == NativeFrameAction::Forward {
            forwarded += frame.raw.len();
        }
    }
    forwarded
}

fn bench(c: &mut Criterion) {
    let (stream, n) = common::codex_stream(200);
    let mut decoder = SseDecoder::new();
    let frames: Vec<SseFrame> = decoder.push(&stream);
    let events: Vec<ResponsesStreamEvent> = frames
        .iter()
        .filter_map(|f| ResponsesStreamEvent::from_frame(f).ok())
        .collect();
    let parse = |bytes: &[u8]| -> Vec<ResponsesStreamEvent> {
        let mut d = SseDecoder::new();
        d.push(bytes)
            .iter()
            .filter_map(|f| ResponsesStreamEvent::from_frame(f).ok())
            .collect()
    };
    let mut group = c.benchmark_group("convert_events");
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("chat_parsed", |b| b.iter(|| to_chat(black_box(&events))));
    group.bench_function("anthropic_parsed", |b| {
        b.iter(|| to_anthropic(black_box(&events)))
    });
    group.bench_function("native_classify_parsed_frames", |b| {
        b.iter(|| native(black_box(&frames)))
    });
    group.bench_function("chat_full", |b| {
        b.iter(|| to_chat(&parse(black_box(&stream))))
    });
    group.bench_function("anthropic_full", |b| {
        b.iter(|| to_anthropic(&parse(black_box(&stream))))
    });
    group.bench_function("native_full", |b| {
        b.iter(|| native(&SseDecoder::new().push(black_box(&stream))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
