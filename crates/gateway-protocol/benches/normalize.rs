//! Request normalisation per request: parse + `chat_to_responses` + `normalize_request`, and
//! parse + `anthropic_to_responses` + `normalize_request`, on a small and a tool-heavy
//! agent-style conversation.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gateway_protocol::{
    anthropic_to_responses, chat_to_responses, normalize_request, AnthropicOptions,
    ChatCompletionRequest, MessagesRequest, NormalizeOptions,
};
use serde_json::{json, Value};

fn tools() -> Value {
    (0..12)
        .map(|i| {
            json!({"type": "function", "function": {"name": format!("tool_{i}"), "description": "Reads a file from the workspace and returns its contents.", "parameters": {"type": "object", "properties": {"path": {"type": "string", "description": "File path"}, "limit": {"type": "integer"}}, "required": ["path"], "additionalProperties": false}}})
        })
        .collect()
}

fn chat_small() -> String {
    json!({"model": "gpt-5.5", "messages": [{"role": "system", "content": "You are a concise assistant."}, {"role": "user", "content": "Summarise why connection reuse matters for an HTTP gateway under load."}], "stream": true, "temperature": 0.2, "max_tokens": 512}).to_string()
}

fn chat_agent() -> String {
    let mut messages =
        vec![json!({"role": "system", "content": "You are a coding agent. ".repeat(40)})];
    for i in 0..10 {
        messages.push(json!({"role": "user", "content": format!("Step {i}: read src/lib.rs and explain it.")}));
        messages.push(json!({"role": "assistant", "content": null, "tool_calls": [{"id": format!("call_{i}"), "type": "function", "function": {"name": "tool_1", "arguments": "{\"path\":\"src/lib.rs\"}"}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": format!("call_{i}"), "content": "fn main() {}\n".repeat(30)}));
    }
    json!({"model": "gpt-5.5", "messages": messages, "tools": tools(), "stream": true, "reasoning_effort": "high"}).to_string()
}

fn anthropic_small() -> String {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 1024, "system": "You are a concise assistant.", "messages": [{"role": "user", "content": "Summarise why connection reuse matters for an HTTP gateway under load."}], "stream": true}).to_string()
}

fn anthropic_agent() -> String {
    let tools: Vec<Value> = (0..12).map(|i| json!({"name": format!("tool_{i}"), "description": "Reads a file from the workspace.", "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}})).collect();
    let mut messages = Vec::new();
    for i in 0..10 {
        messages.push(json!({"role": "user", "content": [{"type": "text", "text": format!("Step {i}: read src/lib.rs.")}]}));
        messages.push(json!({"role": "assistant", "content": [{"type": "text", "text": "Reading it."}, {"type": "tool_use", "id": format!("toolu_{i}"), "name": "tool_1", "input": {"path": "src/lib.rs"}}]}));
        messages.push(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": format!("toolu_{i}"), "content": "fn main() {}\n".repeat(30)}]}));
    }
    json!({"model": "claude-sonnet-4-5", "max_tokens": 4096, "system": "You are a coding agent. ".repeat(40), "messages": messages, "tools": tools, "stream": true, "thinking": {"type": "enabled", "budget_tokens": 2048}}).to_string()
}

fn chat_path(body: &str) -> usize {
    let Ok(req) = serde_json::from_str::<ChatCompletionRequest>(body) else {
        return 0;
    };
    let Ok(mut out) = chat_to_responses(&req) else {
        return 0;
    };
    let report = normalize_request(&mut out, &NormalizeOptions::default());
    report.deleted_fields.len() + serde_json::to_vec(&out).map_or(0, |v| v.len())
}

fn anthropic_path(body: &str) -> usize {
    let Ok(req) = serde_json::from_str::<MessagesRequest>(body) else {
        return 0;
    };
    let Ok(mut out) = anthropic_to_responses(&req, &AnthropicOptions::default()) else {
        return 0;
    };
    let report = normalize_request(&mut out.request, &NormalizeOptions::default());
    report.deleted_fields.len() + serde_json::to_vec(&out.request).map_or(0, |v| v.len())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalize_request");
    group.throughput(Throughput::Elements(1));
    for (name, body) in [("chat_small", chat_small()), ("chat_agent", chat_agent())] {
        assert!(chat_path(&body) > 0, "{name} must translate");
        group.bench_function(name, |b| b.iter(|| chat_path(black_box(&body))));
    }
    for (name, body) in [
        ("anthropic_small", anthropic_small()),
        ("anthropic_agent", anthropic_agent()),
    ] {
        assert!(anthropic_path(&body) > 0, "{name} must translate");
        group.bench_function(name, |b| b.iter(|| anthropic_path(black_box(&body))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
