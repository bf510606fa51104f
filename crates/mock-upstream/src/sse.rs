//! Builds the Responses SSE event sequence (upstream.md §8) as pre-serialised frames.
//!
//! Frames are `event: <type>\ndata: <json>\n\n`; every payload repeats `type` and carries a
//! `sequence_number` counted from 0.

use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::content::{chunks, ExpectedOutput, ToolCallKind};
use crate::state::State;

/// Deltas per streamed text, at most (arguments and summaries use fewer).
const TEXT_DELTAS: usize = 6;
const SMALL_DELTAS: usize = 3;

/// One serialised event; `delta` marks the events that pacing and drop faults count.
pub(crate) struct Frame {
    pub bytes: Bytes,
    pub delta: bool,
}

/// Token counts reported in the terminal event.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Usage {
    pub input: u64,
    pub cached: u64,
    pub output: u64,
    pub reasoning: u64,
}

impl Usage {
    pub fn reported(self) -> crate::log::ReportedUsage {
        crate::log::ReportedUsage {
            input_tokens: self.input,
            cached_tokens: self.cached,
            output_tokens: self.output,
            reasoning_tokens: self.reasoning,
        }
    }

    fn json(self) -> Value {
        json!({
            "input_tokens": self.input,
            "input_tokens_details": {"cached_tokens": self.cached},
            "output_tokens": self.output,
            "output_tokens_details": {"reasoning_tokens": self.reasoning},
            "total_tokens": self.input + self.output,
        })
    }
}

/// How the stream ends.
pub(crate) enum Terminal {
    Completed,
    Failed { code: String, message: String },
    Incomplete { reason: String },
}

pub(crate) struct StreamSpec<'a> {
    pub model: &'a str,
    pub account_id: &'a str,
    pub service_tier: Option<&'a str>,
    pub output: &'a ExpectedOutput,
    pub usage: Usage,
    pub terminal: Terminal,
}

struct Writer {
    seq: u64,
    frames: Vec<Frame>,
}

impl Writer {
    fn push(&mut self, ty: &str, payload: Value, delta: bool) {
        let mut obj = match payload {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        obj.insert("type".to_owned(), Value::from(ty));
        obj.insert("sequence_number".to_owned(), Value::from(self.seq));
        self.seq += 1;
        let data = Value::Object(obj).to_string();
        let text = format!("event: {ty}\ndata: {data}\n\n");
        self.frames.push(Frame {
            bytes: Bytes::from(text),
            delta,
        });
    }
}

/// Serialises the whole event sequence for one response.
pub(crate) fn build(state: &State, spec: &StreamSpec<'_>) -> Vec<Frame> {
    let mut w = Writer {
        seq: 0,
        frames: Vec::with_capacity(24),
    };
    let mut response = json!({
        "id": state.next_id("resp_"),
        "object": "response",
        "created_at": crate::util::now_unix(),
        "status": "in_progress",
        "background": false,
        "error": null,
        "incomplete_details": null,
        "model": spec.model,
        "output": [],
        "service_tier": spec.service_tier.unwrap_or("default"),
        "store": false,
        "usage": null,
    });
    w.push("response.created", json!({"response": response}), false);
    w.push("response.in_progress", json!({"response": response}), false);

    if let Terminal::Failed { code, message } = &spec.terminal {
        response["status"] = json!("failed");
        response["error"] = json!({"code": code, "message": message});
        w.push("response.failed", json!({"response": response}), false);
        return w.frames;
    }

    let mut items = Vec::new();
    if let Some(summary) = &spec.output.reasoning_summary {
        items.push(reasoning(
            &mut w,
            state,
            spec.account_id,
            summary,
            items.len(),
        ));
    }
    if let Some(text) = &spec.output.text {
        items.push(message(&mut w, state, text, items.len()));
    }
    for call in &spec.output.tool_calls {
        let custom = call.kind == ToolCallKind::Custom;
        let (ty, field, ev) = if custom {
            (
                "custom_tool_call",
                "input",
                "response.custom_tool_call_input",
            )
        } else {
            (
                "function_call",
                "arguments",
                "response.function_call_arguments",
            )
        };
        let idx = items.len();
        let id = state.next_id(if custom { "ctc_" } else { "fc_" });
        let mut item = json!({
            "id": id, "type": ty, "status": "in_progress",
            "call_id": state.next_id("call_"), "name": call.name, field: "",
        });
        if let Some(ns) = &call.namespace {
            item["namespace"] = json!(ns);
        }
        w.push(
            "response.output_item.added",
            json!({"output_index": idx, "item": item}),
            false,
        );
        for d in chunks(&call.arguments, SMALL_DELTAS) {
            let p = json!({"item_id": id, "output_index": idx, "delta": d});
            w.push(&format!("{ev}.delta"), p, true);
        }
        let p = json!({"item_id": id, "output_index": idx, field: call.arguments});
        w.push(&format!("{ev}.done"), p, false);
        item["status"] = json!("completed");
        item[field] = json!(call.arguments);
        w.push(
            "response.output_item.done",
            json!({"output_index": idx, "item": item}),
            false,
        );
        items.push(item);
    }

    response["output"] = Value::Array(items);
    response["usage"] = spec.usage.json();
    match &spec.terminal {
        Terminal::Incomplete { reason } => {
            response["status"] = json!("incomplete");
            response["incomplete_details"] = json!({"reason": reason});
            w.push("response.incomplete", json!({"response": response}), false);
        }
        _ => {
            response["status"] = json!("completed");
            w.push("response.completed", json!({"response": response}), false);
        }
    }
    w.frames
}

fn reasoning(w: &mut Writer, state: &State, account: &str, summary: &str, idx: usize) -> Value {
    let id = state.next_id("rs_");
    let added = json!({"id": id, "type": "reasoning", "summary": []});
    w.push(
        "response.output_item.added",
        json!({"output_index": idx, "item": added}),
        false,
    );
    let part = |text: &str| json!({"type": "summary_text", "text": text});
    let base = json!({"item_id": id, "output_index": idx, "summary_index": 0});
    let with = |k: &str, v: Value| {
        let mut p = base.clone();
        p[k] = v;
        p
    };
    w.push(
        "response.reasoning_summary_part.added",
        with("part", part("")),
        false,
    );
    for d in chunks(summary, SMALL_DELTAS) {
        w.push(
            "response.reasoning_summary_text.delta",
            with("delta", json!(d)),
            true,
        );
    }
    w.push(
        "response.reasoning_summary_text.done",
        with("text", json!(summary)),
        false,
    );
    w.push(
        "response.reasoning_summary_part.done",
        with("part", part(summary)),
        false,
    );
    let item = json!({
        "id": id, "type": "reasoning", "summary": [part(summary)],
        "encrypted_content": state.seal(account),
    });
    w.push(
        "response.output_item.done",
        json!({"output_index": idx, "item": item}),
        false,
    );
    item
}

fn message(w: &mut Writer, state: &State, text: &str, idx: usize) -> Value {
    let id = state.next_id("msg_");
    let added = json!({
        "id": id, "type": "message", "status": "in_progress", "role": "assistant", "content": [],
    });
    w.push(
        "response.output_item.added",
        json!({"output_index": idx, "item": added}),
        false,
    );
    let part = |t: &str| json!({"type": "output_text", "text": t, "annotations": []});
    let base = json!({"item_id": id, "output_index": idx, "content_index": 0});
    let with = |k: &str, v: Value| {
        let mut p = base.clone();
        p[k] = v;
        p
    };
    w.push("response.content_part.added", with("part", part("")), false);
    for d in chunks(text, TEXT_DELTAS) {
        let mut p = with("delta", json!(d));
        p["logprobs"] = json!([]);
        w.push("response.output_text.delta", p, true);
    }
    w.push(
        "response.output_text.done",
        with("text", json!(text)),
        false,
    );
    w.push(
        "response.content_part.done",
        with("part", part(text)),
        false,
    );
    let item = json!({
        "id": id, "type": "message", "status": "completed", "role": "assistant",
        "content": [part(text)],
    });
    w.push(
        "response.output_item.done",
        json!({"output_index": idx, "item": item}),
        false,
    );
    item
}
