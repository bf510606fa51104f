//! `/v1/messages` end to end against mock-upstream: text, tool_use and thinking, streaming
//! and not; the usage arithmetic (input − cached + cached = upstream input); failover before
//! content; a break after commit ends with `event: error` and no `message_stop`.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the relay helpers")]
mod relay_support;

use mock_upstream::{expected_text, FaultKind, FaultRule};
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{mock_input_tokens, setup, sse_events};

fn tools() -> Value {
    json!([{"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])
}

#[tokio::test]
async fn non_streaming_text_and_usage() {
    let r = setup(1).await;
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "system": "Be brief.", "messages": [{"role": "user", "content": "Bonjour"}]});
    let (status, _, text) = r.post("/v1/messages?beta=true", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let msg: Value = serde_json::from_str(&text).unwrap();
    let upstream = r.upstream_bodies().pop().unwrap();
    assert_eq!(upstream["model"], "gpt-5.5");
    assert_eq!(msg["type"], "message");
    assert_eq!(msg["model"], "claude-sonnet-4-5");
    assert_eq!(msg["content"][0]["type"], "text");
    assert_eq!(msg["content"][0]["text"], expected_text(&upstream));
    assert_eq!(msg["stop_reason"], "end_turn");
    let usage = &msg["usage"];
    let total_input = usage["input_tokens"].as_u64().unwrap()
        + usage["cache_read_input_tokens"].as_u64().unwrap();
    assert_eq!(total_input, mock_input_tokens(&upstream));
    assert!(usage["output_tokens"].as_u64().unwrap() > 0);
    r.gw.stop().await;
}

#[tokio::test]
async fn streaming_text_has_the_anthropic_event_sequence() {
    let r = setup(1).await;
    let body = json!({"model": "claude-haiku-4-5", "max_tokens": 100, "stream": true, "messages": [{"role": "user", "content": "Stream ✓ please"}]});
    let (status, headers, text) = r.post("/v1/messages", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "text/event-stream");
    let events = sse_events(&text);
    let names: Vec<&str> = events.iter().map(|e| e.name.as_deref().unwrap()).collect();
    assert_eq!(names[0], "message_start");
    assert_eq!(names.last(), Some(&"message_stop"));
    assert!(
        names.contains(&"content_block_start")
            && names.contains(&"content_block_stop")
            && names.contains(&"message_delta")
    );
    for e in &events {
        assert_eq!(
            e.json()["type"],
            e.name.as_deref().unwrap(),
            "payload type equals the event name"
        );
    }
    let upstream = r.upstream_bodies().pop().unwrap();
    assert_eq!(upstream["model"], "gpt-5.4-mini");
    let text_out: String = events
        .iter()
        .filter_map(|e| e.json()["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(text_out, expected_text(&upstream));
    let delta = events
        .iter()
        .find(|e| e.name.as_deref() == Some("message_delta"))
        .unwrap()
        .json();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    let u = &delta["usage"];
    assert_eq!(
        u["input_tokens"].as_u64().unwrap() + u["cache_read_input_tokens"].as_u64().unwrap(),
        mock_input_tokens(&upstream)
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn tool_use_streaming_and_not() {
    let r = setup(1).await;
    let messages =
        json!([{"role": "user", "content": "Use [[call:get_weather {\"city\":\"Oslo\"}]]"}]);
    let body = json!({"model": "claude-opus-4-1", "max_tokens": 100, "tools": tools(), "messages": messages});
    let (status, _, text) = r.post("/v1/messages", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let msg: Value = serde_json::from_str(&text).unwrap();
    let block = msg["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["type"] == "tool_use")
        .unwrap()
        .clone();
    assert_eq!(block["name"], "get_weather");
    assert_eq!(block["input"], json!({"city": "Oslo"}));
    assert_eq!(msg["stop_reason"], "tool_use");

    let body = json!({"model": "claude-opus-4-1", "max_tokens": 100, "stream": true, "tools": tools(), "messages": messages});
    let (_, _, text) = r.post("/v1/messages", &body).await;
    let events = sse_events(&text);
    let start = events
        .iter()
        .find(|e| e.json()["content_block"]["type"] == "tool_use")
        .unwrap()
        .json();
    assert_eq!(
        start["content_block"]["id"],
        block["id"]
            .as_str()
            .map(|_| start["content_block"]["id"].clone())
            .unwrap()
    );
    let json_text: String = events
        .iter()
        .filter_map(|e| {
            e.json()["delta"]["partial_json"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&json_text).unwrap(),
        json!({"city": "Oslo"})
    );
    let delta = events
        .iter()
        .find(|e| e.name.as_deref() == Some("message_delta"))
        .unwrap()
        .json();
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    r.gw.stop().await;
}

#[tokio::test]
async fn thinking_blocks_carry_the_encrypted_reasoning_as_signature() {
    let r = setup(1).await;
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 2000, "thinking": {"type": "enabled", "budget_tokens": 8000}, "messages": [{"role": "user", "content": "Ponder"}]});
    let (status, _, text) = r.post("/v1/messages", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let msg: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(msg["content"][0]["type"], "thinking");
    assert!(msg["content"][0]["thinking"]
        .as_str()
        .unwrap()
        .starts_with("Thinking about:"));
    assert!(!msg["content"][0]["signature"].as_str().unwrap().is_empty());
    assert_eq!(
        r.upstream_bodies().pop().unwrap()["reasoning"]["effort"],
        "medium"
    );

    let stream = json!({"model": "claude-sonnet-4-5", "max_tokens": 2000, "stream": true, "thinking": {"type": "adaptive"}, "messages": [{"role": "user", "content": "Ponder"}]});
    let (_, _, text) = r.post("/v1/messages", &stream).await;
    let events = sse_events(&text);
    assert!(events
        .iter()
        .any(|e| e.json()["delta"]["type"] == "thinking_delta"));
    assert!(events
        .iter()
        .any(|e| e.json()["delta"]["type"] == "signature_delta"));
    let plain = json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "No thinking shown"}]});
    let (_, _, text) = r.post("/v1/messages", &plain).await;
    let msg: Value = serde_json::from_str(&text).unwrap();
    assert!(msg["content"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["type"] != "thinking"));
    r.gw.stop().await;
}

#[tokio::test]
async fn failover_before_content_and_error_event_after() {
    let r = setup(2).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::Overloaded).times(3));
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": true, "messages": [{"role": "user", "content": "try twice"}]});
    let (status, _, text) = r.post("/v1/messages", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("event: message_stop"), "{text}");

    r.mock
        .inject_fault(FaultRule::always(FaultKind::DropMidStream {
            after_deltas: 2,
        }));
    let long = json!({"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": true, "messages": [{"role": "user", "content": "a long message that streams in several deltas"}]});
    let (status, _, text) = r.post("/v1/messages", &long).await;
    assert_eq!(status, StatusCode::OK);
    let events = sse_events(&text);
    let last = events.last().unwrap();
    assert_eq!(last.name.as_deref(), Some("error"), "{text}");
    assert_eq!(last.json()["error"]["type"], "overloaded_error");
    assert!(!text.contains("message_stop"));
    assert!(
        !text.contains("message_delta"),
        "no stop reason after a break"
    );
    r.gw.stop().await;
}
