//! SSE decoder tests: framing edge cases, and the property that splitting the upstream bytes
//! anywhere (inside `\r\n`, inside multi-byte UTF-8) changes neither the frames nor any
//! converter's output.

mod common;

use common::{anthropic_stream, chat_stream, decode_chunks, events, fixture, FIXTURES};
use gateway_protocol::responses::{native_frame_action, NativeFrameAction};
use gateway_protocol::sse::{encode_data, encode_event, SseDecoder};
use proptest::prelude::*;

fn split_at(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut start = 0;
    for p in points {
        chunks.push(bytes[start..p].to_vec());
        start = p;
    }
    chunks.push(bytes[start..].to_vec());
    chunks
}

proptest! {
    #[test]
    fn splitting_changes_nothing(which in 0..FIXTURES.len(), cuts in proptest::collection::vec(any::<usize>(), 0..40)) {
        let bytes = fixture(FIXTURES[which]);
        let whole = decode_chunks([bytes.as_slice()]);
        let chunks = split_at(&bytes, &cuts);
        let split = decode_chunks(chunks.iter().map(Vec::as_slice));
        prop_assert_eq!(&whole, &split);
        let raw: Vec<u8> = split.iter().flat_map(|f| f.raw.to_vec()).collect();
        prop_assert_eq!(&raw, &bytes);
        let (a, b) = (events(&whole), events(&split));
        prop_assert_eq!(chat_stream(&a, true), chat_stream(&b, true));
        prop_assert_eq!(anthropic_stream(&a, true), anthropic_stream(&b, true));
    }

    #[test]
    fn byte_by_byte_equals_whole(which in 0..FIXTURES.len()) {
        let bytes = fixture(FIXTURES[which]);
        let whole = decode_chunks([bytes.as_slice()]);
        let single = decode_chunks(bytes.chunks(1));
        prop_assert_eq!(whole, single);
    }
}

#[test]
fn multi_line_data_event_and_comments() {
    let mut d = SseDecoder::new();
    let frames = d.push(b": keepalive\n\nevent: x\ndata: a\ndata:b\n: c\n\n");
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].event.as_deref(), Some("x"));
    assert_eq!(frames[0].data, "a\nb");
    assert!(d.finish().is_none());
}

#[test]
fn crlf_split_between_cr_and_lf() {
    let mut d = SseDecoder::new();
    assert!(d.push(b"data: 1\r").is_empty());
    assert!(d.push(b"\n\r").is_empty());
    let frames = d.push(b"\ndata: 2\r\n\r\n");
    assert_eq!(
        frames.iter().map(|f| f.data.as_str()).collect::<Vec<_>>(),
        ["1", "2"]
    );
}

#[test]
fn finish_flushes_unterminated_frame_with_terminator() {
    let mut d = SseDecoder::new();
    assert!(d.push(b"event: e\ndata: tail").is_empty());
    let frame = d.finish().unwrap();
    assert_eq!(frame.data, "tail");
    assert_eq!(&frame.raw[..], b"event: e\ndata: tail\n\n");
    let mut d = SseDecoder::new();
    d.push(b"data: x\r");
    let frame = d.finish().unwrap();
    assert_eq!(frame.data, "x");
    assert_eq!(&frame.raw[..], b"data: x\r\r");
}

#[test]
fn split_utf8_is_reassembled() {
    let text = "data: 😀日本\n\n".as_bytes();
    let mut d = SseDecoder::new();
    let mut frames = Vec::new();
    for b in text.chunks(1) {
        frames.extend(d.push(b));
    }
    assert_eq!(frames[0].data, "😀日本");
}

#[test]
fn bom_is_skipped_and_empty_data_dispatches() {
    let mut d = SseDecoder::new();
    d.push(b"\xEF\xBB");
    let frames = d.push(b"\xBFdata:\n\n");
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].data, "");
}

#[test]
fn encoder_round_trips() {
    let bytes = encode_event("message_start", "{\"a\":1}\nsecond");
    assert_eq!(
        &bytes[..],
        b"event: message_start\ndata: {\"a\":1}\ndata: second\n\n"
    );
    let mut d = SseDecoder::new();
    let frames = d.push(&bytes);
    assert_eq!(frames[0].data, "{\"a\":1}\nsecond");
    assert_eq!(&encode_data("x")[..], b"data: x\n\n");
}

#[test]
fn native_drops_only_rate_limits() {
    let frames = decode_chunks([fixture("failed_before_content").as_slice()]);
    let actions: Vec<_> = frames.iter().map(native_frame_action).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == NativeFrameAction::Drop)
            .count(),
        1
    );
    let mut d = SseDecoder::new();
    let data_only = d.push(b"data: {\"type\":\"codex.rate_limits\"}\n\n");
    assert_eq!(native_frame_action(&data_only[0]), NativeFrameAction::Drop);
}
