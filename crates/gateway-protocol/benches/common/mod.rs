//! A realistic Codex Responses stream for the benchmarks: lifecycle events carrying the
//! response object, a reasoning item with summary deltas and an `encrypted_content` blob, a
//! message streamed as many small `output_text.delta` events (a few characters each, with the
//! `obfuscation` padding Codex adds), and `response.completed` with the full output and usage.

use std::fmt::Write as _;

use serde_json::{json, Value};

fn frame(out: &mut String, seq: &mut u64, mut payload: Value) {
    if let Some(map) = payload.as_object_mut() {
        map.insert("sequence_number".into(), json!(*seq));
    }
    *seq += 1;
    let kind = payload["type"].as_str().unwrap_or_default().to_owned();
    let _ = write!(out, "event: {kind}\ndata: {payload}\n\n");
}

fn response(status: &str, output: Value, usage: Value) -> Value {
    json!({
        "id": "resp_0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        "object": "response",
        "created_at": 1_760_000_000,
        "status": status,
        "model": "gpt-5.5",
        "instructions": "You are a concise assistant. Answer in one short paragraph.",
        "output": output,
        "parallel_tool_calls": false,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": false,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    })
}

/// The stream as SSE bytes and its number of events; `deltas` text deltas.
pub fn codex_stream(deltas: usize) -> (Vec<u8>, usize) {
    let mut out = String::new();
    let mut seq = 0;
    let words = [
        "Connection ",
        "reuse ",
        "avoids ",
        "a ",
        "TCP ",
        "and ",
        "TLS ",
        "handshake ",
        "per ",
        "request, ",
        "which ",
        "saves ",
        "latency ",
        "— café 🦀 ",
    ];
    let text: String = (0..deltas).map(|i| words[i % words.len()]).collect();
    let summary = "Thinking about connection reuse under load.";
    let encrypted = "gAAAAABo".to_owned() + &"Zm9vYmFyYmF6".repeat(90);
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.created", "response": response("in_progress", json!([]), Value::Null)}),
    );
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.in_progress", "response": response("in_progress", json!([]), Value::Null)}),
    );
    let rs = json!({"id": "rs_01", "type": "reasoning", "summary": []});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.output_item.added", "output_index": 0, "item": rs}),
    );
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.reasoning_summary_part.added", "item_id": "rs_01", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
    );
    for word in summary.split_inclusive(' ') {
        frame(
            &mut out,
            &mut seq,
            json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_01", "output_index": 0, "summary_index": 0, "delta": word, "obfuscation": "x7Qa"}),
        );
    }
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_01", "output_index": 0, "summary_index": 0, "text": summary}),
    );
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.reasoning_summary_part.done", "item_id": "rs_01", "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": summary}}),
    );
    let rs_done = json!({"id": "rs_01", "type": "reasoning", "summary": [{"type": "summary_text", "text": summary}], "encrypted_content": encrypted});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.output_item.done", "output_index": 0, "item": rs_done}),
    );
    let msg = json!({"id": "msg_01", "type": "message", "role": "assistant", "status": "in_progress", "content": []});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.output_item.added", "output_index": 1, "item": msg}),
    );
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.content_part.added", "item_id": "msg_01", "output_index": 1, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}}),
    );
    for i in 0..deltas {
        frame(
            &mut out,
            &mut seq,
            json!({"type": "response.output_text.delta", "item_id": "msg_01", "output_index": 1, "content_index": 0, "delta": words[i % words.len()], "logprobs": [], "obfuscation": "Ab3dE"}),
        );
    }
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.output_text.done", "item_id": "msg_01", "output_index": 1, "content_index": 0, "text": text, "logprobs": []}),
    );
    let part = json!({"type": "output_text", "text": text, "annotations": []});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.content_part.done", "item_id": "msg_01", "output_index": 1, "content_index": 0, "part": part}),
    );
    let msg_done = json!({"id": "msg_01", "type": "message", "role": "assistant", "status": "completed", "content": [part]});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.output_item.done", "output_index": 1, "item": msg_done}),
    );
    let usage = json!({"input_tokens": 1200, "input_tokens_details": {"cached_tokens": 1024}, "output_tokens": deltas * 2 + 40, "output_tokens_details": {"reasoning_tokens": 40}, "total_tokens": 1200 + deltas * 2 + 40});
    frame(
        &mut out,
        &mut seq,
        json!({"type": "response.completed", "response": response("completed", json!([rs_done, msg_done]), usage)}),
    );
    (out.into_bytes(), usize::try_from(seq).unwrap_or(0))
}
