//! `/v1/chat/completions` end to end against mock-upstream: text, tools and reasoning,
//! streaming and not; usage equals the mock's; failover before the first content; a break
//! after commit ends with one error frame and never a `[DONE]`.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the relay helpers")]
mod relay_support;

use mock_upstream::{expected_text, FaultKind, FaultRule};
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{mock_input_tokens, setup, sse_events};

fn weather_tool() -> Value {
    json!([{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])
}

#[tokio::test]
async fn non_streaming_text_matches_the_mock_and_reports_its_usage() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello there"}]});
    let (status, _, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let upstream = r.upstream_bodies().pop().unwrap();
    assert_eq!(answer["object"], "chat.completion");
    assert_eq!(answer["model"], "gpt-5.4");
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        expected_text(&upstream)
    );
    assert!(answer["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .ends_with("café 🦀"));
    assert_eq!(answer["choices"][0]["finish_reason"], "stop");
    let input = mock_input_tokens(&upstream);
    assert_eq!(answer["usage"]["prompt_tokens"], input);
    let completion = answer["usage"]["completion_tokens"].as_u64().unwrap();
    assert!(completion > 0);
    assert_eq!(answer["usage"]["total_tokens"], input + completion);
    r.gw.stop().await;
}

#[tokio::test]
async fn streaming_text_arrives_intact_and_ends_with_done() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "Stream me ünïcødé"}]});
    let (status, headers, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "text/event-stream");
    let events = sse_events(&text);
    assert_eq!(events.last().unwrap().data, "[DONE]");
    assert!(
        events.iter().all(|e| e.name.is_none()),
        "Chat frames are data-only, as OpenAI sends them"
    );
    let chunks: Vec<Value> = events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| e.json())
        .collect();
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let content: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    let upstream = r.upstream_bodies().pop().unwrap();
    assert_eq!(content, expected_text(&upstream));
    let finish: Vec<&Value> = chunks
        .iter()
        .filter(|c| !c["choices"][0]["finish_reason"].is_null())
        .collect();
    assert_eq!(finish.len(), 1);
    assert_eq!(finish[0]["choices"][0]["finish_reason"], "stop");
    let usage = &chunks.last().unwrap()["usage"];
    assert_eq!(usage["prompt_tokens"], mock_input_tokens(&upstream));
    assert!(chunks.iter().all(|c| c["model"] == "gpt-5.4"));
    r.gw.stop().await;
}

#[tokio::test]
async fn tool_calls_streaming_and_not() {
    let r = setup(1).await;
    let messages = json!([{"role": "user", "content": "Check [[call:get_weather {\"city\":\"Paris\"}]] please"}]);
    let body = json!({"model": "gpt-5.4", "tools": weather_tool(), "messages": messages});
    let (status, _, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    let call = &answer["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(
        serde_json::from_str::<Value>(call["function"]["arguments"].as_str().unwrap()).unwrap(),
        json!({"city": "Paris"})
    );
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(answer["choices"][0]["finish_reason"], "tool_calls");

    let body =
        json!({"model": "gpt-5.4", "stream": true, "tools": weather_tool(), "messages": messages});
    let (_, _, text) = r.post("/v1/chat/completions", &body).await;
    let chunks: Vec<Value> = sse_events(&text)
        .iter()
        .filter(|e| e.data != "[DONE]")
        .map(|e| e.json())
        .collect();
    let args: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str())
        .collect();
    assert_eq!(
        serde_json::from_str::<Value>(&args).unwrap(),
        json!({"city": "Paris"})
    );
    assert!(chunks
        .iter()
        .any(|c| c["choices"][0]["finish_reason"] == "tool_calls"));
    r.gw.stop().await;
}

#[tokio::test]
async fn reasoning_is_reported_as_reasoning_content() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.5", "reasoning_effort": "high", "messages": [{"role": "user", "content": "Think hard"}]});
    let (status, _, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert!(answer["choices"][0]["message"]["reasoning_content"]
        .as_str()
        .unwrap()
        .starts_with("Thinking about:"));
    assert!(
        answer["usage"]["completion_tokens_details"]["reasoning_tokens"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        r.upstream_bodies().pop().unwrap()["reasoning"]["effort"],
        "high"
    );
    let body = json!({"model": "gpt-5.5", "stream": true, "reasoning_effort": "high", "messages": [{"role": "user", "content": "Think hard"}]});
    let (_, _, text) = r.post("/v1/chat/completions", &body).await;
    let reasoning: String = sse_events(&text)
        .iter()
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["reasoning_content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert!(reasoning.starts_with("Thinking about:"), "{reasoning}");
    r.gw.stop().await;
}

#[tokio::test]
async fn failures_before_the_first_content_fail_over_to_another_account() {
    for fault in [
        FaultKind::InternalError,
        FaultKind::RateLimited,
        FaultKind::UsageLimitReached {
            resets_in_seconds: 3600,
        },
        FaultKind::DropMidStream { after_deltas: 0 },
        FaultKind::ResponseFailed {
            code: "server_error".into(),
            message: None,
        },
        FaultKind::BadGateway,
    ] {
        // A fresh pool per fault: the cooldowns one fault leaves would steer the next case.
        let r = setup(2).await;
        r.mock
            .inject_fault(FaultRule::always(fault.clone()).times(1));
        let body = json!({"model": "gpt-5.4", "stream": true, "messages": [{"role": "user", "content": "retry me"}]});
        let (status, _, text) = r.post("/v1/chat/completions", &body).await;
        assert_eq!(status, StatusCode::OK, "{fault:?}: {text}");
        let content: String = sse_events(&text)
            .iter()
            .filter_map(|e| {
                e.json()["choices"][0]["delta"]["content"]
                    .as_str()
                    .map(str::to_owned)
            })
            .collect();
        assert!(content.starts_with("Echo: retry me"), "{fault:?}: {text}");
        assert!(text.ends_with("data: [DONE]\n\n"), "{fault:?}");
        let accounts: Vec<_> = r
            .mock
            .request_log()
            .into_iter()
            .filter(|l| l.path.ends_with("/responses"))
            .map(|l| l.account_id)
            .collect();
        assert_eq!(accounts.len(), 2, "{fault:?}");
        assert_ne!(
            accounts[0], accounts[1],
            "{fault:?}: the retry must use another account"
        );
        r.gw.stop().await;
    }
}

#[tokio::test]
async fn a_break_after_commit_ends_with_one_error_frame_and_no_done() {
    let r = setup(2).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::DropMidStream {
            after_deltas: 2,
        }));
    let body = json!({"model": "gpt-5.4", "stream": true, "messages": [{"role": "user", "content": "a fairly long message to stream in many deltas"}]});
    let (status, _, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK);
    let events = sse_events(&text);
    assert!(!text.contains("[DONE]"), "{text}");
    let last = events.last().unwrap().json();
    assert_eq!(last["error"]["code"], "upstream_stream_break", "{text}");
    assert!(
        events
            .iter()
            .all(|e| e.json()["choices"][0]["finish_reason"].is_null()),
        "no synthetic stop"
    );
    assert!(
        events
            .iter()
            .filter(|e| e.json().get("error").is_some())
            .count()
            == 1
    );
    let (status, _, text) = r.post("/v1/chat/completions", &json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "non-stream break"}]})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["code"],
        "upstream_stream_break"
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn one_conversation_keeps_its_cache_key_and_account() {
    let r = setup(3).await;
    let turn1 = json!({"model": "gpt-5.4", "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": "first question"}]});
    let turn2 = json!({"model": "gpt-5.4", "messages": [
        {"role": "system", "content": "sys"}, {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "an answer"}, {"role": "user", "content": "follow-up"}]});
    let other =
        json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "a different chat"}]});
    for body in [&turn1, &turn2, &other] {
        let (status, _, text) = r.post("/v1/chat/completions", body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    let log: Vec<_> = r
        .mock
        .request_log()
        .into_iter()
        .filter(|l| l.path.ends_with("/responses"))
        .collect();
    let key = |i: usize| {
        log[i].body.as_ref().unwrap()["prompt_cache_key"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(key(0), key(1));
    assert_ne!(key(0), key(2));
    assert_eq!(log[0].header("session-id"), Some(key(0).as_str()));
    r.gw.stop().await;
}
