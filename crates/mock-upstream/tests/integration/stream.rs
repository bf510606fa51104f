//! The SSE stream: event order for text, reasoning, function and custom tool calls; the
//! deterministic content helper; usage and the prompt cache; pacing.

use mock_upstream::{expected_output, expected_text, MockConfig, ToolCallKind, TEXT_SUFFIX};
use serde_json::{json, Value};

use crate::common::{body, deltas, events, post, start, start_with, types};

#[tokio::test]
async fn text_turn_event_order_and_content() {
    let (mock, acc) = start().await;
    let req = body("héllo wörld, tell me something");
    let ev = events(&mock, &acc.access_token, &req).await;
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let text = deltas(&ev, "response.output_text.delta");
    assert_eq!(text, expected_text(&req));
    assert_eq!(
        text,
        format!("Echo: héllo wörld, tell me something{TEXT_SUFFIX}")
    );
    assert!(text.contains('é') && text.contains('🦀'));
    assert_eq!(ev[10]["text"], text.as_str());
    assert_eq!(ev[12]["item"]["content"][0]["text"], text.as_str());
    assert_eq!(ev[12]["item"]["role"], "assistant");
    let done = &ev[13]["response"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["output"][0]["type"], "message");
    let usage = &done["usage"];
    let input = usage["input_tokens"].as_u64().unwrap();
    let output = usage["output_tokens"].as_u64().unwrap();
    assert_eq!(input, (serde_json::to_vec(&req).unwrap().len() / 4) as u64);
    assert_eq!(usage["total_tokens"].as_u64().unwrap(), input + output);
    assert_eq!(usage["input_tokens_details"]["cached_tokens"], 0);
    assert_eq!(usage["output_tokens_details"]["reasoning_tokens"], 0);
}

#[tokio::test]
async fn bare_string_input_is_echoed() {
    let (mock, acc) = start().await;
    let mut req = body("");
    req["input"] = json!("plain string");
    let ev = events(&mock, &acc.access_token, &req).await;
    assert_eq!(
        deltas(&ev, "response.output_text.delta"),
        format!("Echo: plain string{TEXT_SUFFIX}")
    );
}

#[tokio::test]
async fn reasoning_precedes_the_message() {
    let (mock, acc) = start().await;
    let mut req = body("think first");
    req["reasoning"] = json!({"effort": "high", "summary": "auto"});
    let ev = events(&mock, &acc.access_token, &req).await;
    let t = types(&ev);
    assert_eq!(
        t[..10],
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.delta",
            "response.reasoning_summary_text.done",
            "response.reasoning_summary_part.done",
            "response.output_item.done",
        ]
    );
    assert_eq!(t[10], "response.output_item.added");
    assert_eq!(ev[10]["item"]["type"], "message");
    assert_eq!(*t.last().unwrap(), "response.completed");
    let expected = expected_output(&req);
    let summary = deltas(&ev, "response.reasoning_summary_text.delta");
    assert_eq!(Some(summary), expected.reasoning_summary);
    let item = &ev[9]["item"];
    assert_eq!(item["type"], "reasoning");
    assert!(item["encrypted_content"]
        .as_str()
        .is_some_and(|s| s.len() > 20));
    let usage = &ev.last().unwrap()["response"]["usage"];
    assert!(
        usage["output_tokens_details"]["reasoning_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );

    // Replaying the reasoning item on the same account is accepted.
    let mut next = body("continue");
    next["input"] = json!([req["input"][0], item, {"role": "user", "content": "continue"}]);
    let ev = events(&mock, &acc.access_token, &next).await;
    assert_eq!(ev.last().unwrap()["type"], "response.completed");
}

fn tools() -> Value {
    json!([
        {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}},
        {"type": "custom", "name": "apply_patch", "format": {"type": "grammar"}},
        {"type": "namespace", "name": "mcp__fs", "description": "files",
         "tools": [{"type": "function", "name": "read_file"}]},
    ])
}

#[tokio::test]
async fn function_call_events() {
    let (mock, acc) = start().await;
    let mut req = body(r#"please [[call:get_weather {"city": "Paris"}]]"#);
    req["tools"] = tools();
    let ev = events(&mock, &acc.access_token, &req).await;
    let t = types(&ev);
    assert_eq!(t[2], "response.output_item.added");
    assert_eq!(ev[2]["item"]["type"], "function_call");
    assert_eq!(ev[2]["item"]["name"], "get_weather");
    assert_eq!(ev[2]["item"]["arguments"], "");
    let call_id = ev[2]["item"]["call_id"].as_str().unwrap();
    assert!(
        t.iter()
            .filter(|x| **x == "response.function_call_arguments.delta")
            .count()
            >= 2
    );
    let args = deltas(&ev, "response.function_call_arguments.delta");
    assert_eq!(args, r#"{"city":"Paris"}"#);
    let n = t.len();
    assert_eq!(t[n - 3], "response.function_call_arguments.done");
    assert_eq!(ev[n - 3]["arguments"], args.as_str());
    assert_eq!(t[n - 2], "response.output_item.done");
    assert_eq!(ev[n - 2]["item"]["arguments"], args.as_str());
    assert_eq!(ev[n - 2]["item"]["call_id"], call_id);
    assert_eq!(t[n - 1], "response.completed");
    assert!(!t.contains(&"response.output_text.delta"));
    assert_eq!(expected_output(&req).tool_calls[0].arguments, args);

    // Round trip: the tool output comes back in the answer.
    let mut next = body("");
    next["tools"] = tools();
    next["input"] = json!([
        req["input"][0],
        ev[n - 2]["item"],
        {"type": "function_call_output", "call_id": call_id, "output": "22°C and sunny"},
    ]);
    let ev = events(&mock, &acc.access_token, &next).await;
    let text = deltas(&ev, "response.output_text.delta");
    assert_eq!(text, format!("Tool output: 22°C and sunny{TEXT_SUFFIX}"));
    assert_eq!(text, expected_text(&next));
}

#[tokio::test]
async fn namespaced_and_custom_tool_calls() {
    let (mock, acc) = start().await;
    let mut req = body(
        "[[call:mcp__fs.read_file {\"path\":\"a\"}]] then [[call:apply_patch *** Begin Patch]]",
    );
    req["tools"] = tools();
    let ev = events(&mock, &acc.access_token, &req).await;
    let items: Vec<&Value> = ev
        .iter()
        .filter(|e| e["type"] == "response.output_item.done")
        .map(|e| &e["item"])
        .collect();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["type"], "function_call");
    assert_eq!(items[0]["name"], "read_file");
    assert_eq!(items[0]["namespace"], "mcp__fs");
    assert_eq!(items[1]["type"], "custom_tool_call");
    assert_eq!(items[1]["name"], "apply_patch");
    assert_eq!(items[1]["input"], "*** Begin Patch");
    let input = deltas(&ev, "response.custom_tool_call_input.delta");
    assert_eq!(input, "*** Begin Patch");
    let done = ev
        .iter()
        .find(|e| e["type"] == "response.custom_tool_call_input.done")
        .unwrap();
    assert_eq!(done["input"], "*** Begin Patch");
    let added = ev
        .iter()
        .filter(|e| e["type"] == "response.output_item.added")
        .nth(1)
        .unwrap();
    assert_eq!(added["item"]["input"], "");
    let expected = expected_output(&req);
    assert_eq!(expected.tool_calls[1].kind, ToolCallKind::Custom);

    // A marker for an undeclared tool is just text.
    let mut req = body("[[call:nope]]");
    req["tools"] = tools();
    let ev = events(&mock, &acc.access_token, &req).await;
    assert_eq!(
        deltas(&ev, "response.output_text.delta"),
        format!("Echo: [[call:nope]]{TEXT_SUFFIX}")
    );
}

#[tokio::test]
async fn prompt_cache_reports_cached_tokens_per_account() {
    let (mock, acc) = start().await;
    let other = mock.seed_accounts(1).remove(0);
    let mut req = body("cache me");
    req["prompt_cache_key"] = json!("thread-1");
    let cached = |ev: &[Value]| {
        ev.last().unwrap()["response"]["usage"]["input_tokens_details"]["cached_tokens"]
            .as_u64()
            .unwrap()
    };
    let ev = events(&mock, &acc.access_token, &req).await;
    assert_eq!(cached(&ev), 0);
    let input = ev.last().unwrap()["response"]["usage"]["input_tokens"]
        .as_u64()
        .unwrap();
    let ev = events(&mock, &acc.access_token, &req).await;
    assert_eq!(cached(&ev), input);
    let ev = events(&mock, &other.access_token, &req).await;
    assert_eq!(cached(&ev), 0, "caches are per account");
}

#[tokio::test]
async fn pacing_sends_deltas_incrementally() {
    let config = MockConfig {
        delta_delay: std::time::Duration::from_millis(15),
        ..MockConfig::default()
    };
    let (mock, acc) = start_with(config).await;
    let mut resp = post(&mock, &acc.access_token, &body("slowly please")).await;
    let mut chunks = 0;
    let mut all = Vec::new();
    while let Some(c) = resp.chunk().await.unwrap() {
        chunks += 1;
        all.extend_from_slice(&c);
    }
    assert!(
        chunks >= 6,
        "paced deltas arrive as separate chunks, got {chunks}"
    );
    let ev = crate::common::parse_sse(std::str::from_utf8(&all).unwrap());
    assert_eq!(ev.last().unwrap()["type"], "response.completed");

    // A per-account setting overrides the default: zero delay → one chunk.
    mock.set_account_delta_delay(&acc.account_id, Some(std::time::Duration::ZERO));
    let mut resp = post(&mock, &acc.access_token, &body("fast")).await;
    let mut chunks = 0;
    while resp.chunk().await.unwrap().is_some() {
        chunks += 1;
    }
    assert_eq!(chunks, 1);
}

#[tokio::test]
async fn rate_limit_headers_follow_control() {
    let (mock, acc) = start().await;
    let resp = post(&mock, &acc.access_token, &body("x")).await;
    let h = resp.headers();
    assert_eq!(h["x-codex-primary-window-minutes"], "300");
    assert_eq!(h["x-codex-secondary-window-minutes"], "10080");
    assert_eq!(h["x-codex-plan-type"], "plus");
    assert_eq!(h["x-codex-primary-used-percent"], "0");
    assert!(
        h["x-codex-primary-reset-at"]
            .to_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
            > 1_700_000_000
    );
    assert_eq!(h["x-codex-credits-has-credits"], "false");
    assert_eq!(h["openai-model"], "gpt-5.5");
    assert!(h["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));

    mock.set_rate_limits(
        Some(&acc.account_id),
        &mock_upstream::RateLimitUpdate {
            primary_used_percent: Some(42.5),
            primary_reset_at: Some(1_900_000_000),
            credits_balance: Some("12.5".into()),
            ..Default::default()
        },
    );
    let resp = post(&mock, &acc.access_token, &body("x")).await;
    let h = resp.headers();
    assert_eq!(h["x-codex-primary-used-percent"], "42.5");
    assert_eq!(h["x-codex-primary-reset-at"], "1900000000");
    assert_eq!(h["x-codex-credits-balance"], "12.5");
}
