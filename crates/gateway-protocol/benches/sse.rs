//! SSE decoding throughput on a realistic Codex stream (bytes/s and events/s), whole-body and
//! in socket-sized chunks, plus decode + event parsing (what the relay does per frame).

mod common;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gateway_protocol::{ResponsesStreamEvent, SseDecoder};

/// Splits `bytes` into chunks of `size` (what a socket read might hand over).
fn chunks(bytes: &[u8], size: usize) -> Vec<&[u8]> {
    bytes.chunks(size.max(1)).collect()
}

fn decode(chunks: &[&[u8]]) -> usize {
    let mut decoder = SseDecoder::new();
    let mut n = 0;
    for chunk in chunks {
        n += decoder.push(chunk).len();
    }
    n + usize::from(decoder.finish().is_some())
}

fn bench(c: &mut Criterion) {
    let (stream, events) = common::codex_stream(200);
    let whole = [stream.as_slice()];
    let small = chunks(&stream, 512);
    let socket = chunks(&stream, 4096);
    for (unit, throughput) in [
        ("bytes", Throughput::Bytes(stream.len() as u64)),
        ("events", Throughput::Elements(events as u64)),
    ] {
        let mut group = c.benchmark_group(format!("sse_decode_{unit}"));
        group.throughput(throughput);
        group.bench_function("one_chunk", |b| b.iter(|| decode(black_box(&whole))));
        group.bench_function("4k_chunks", |b| b.iter(|| decode(black_box(&socket))));
        group.bench_function("512b_chunks", |b| b.iter(|| decode(black_box(&small))));
        group.finish();
    }
    let mut group = c.benchmark_group("sse_decode_and_parse_events");
    group.throughput(Throughput::Elements(events as u64));
    group.bench_function("4k_chunks", |b| {
        b.iter(|| {
            let mut decoder = SseDecoder::new();
            let mut parsed = 0usize;
            for chunk in &socket {
                for frame in decoder.push(black_box(chunk)) {
                    parsed += usize::from(ResponsesStreamEvent::from_frame(&frame).is_ok());
                }
            }
            parsed
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
