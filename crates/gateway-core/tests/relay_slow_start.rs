//! Slow start (translation.md §10 rule 4) against mock-upstream, with the threshold cut to
//! 300 ms: a stream whose first content is late commits early (headers, Anthropic's
//! `message_start`), sends `: keepalive` comments, then the full answer; failover still works
//! after the early commit; a final failure arrives in-band with no success terminal;
//! non-streaming requests still wait and answer with a real status.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary does not count tokens")]
mod relay_support;

use mock_upstream::{expected_text, FaultKind, FaultRule};
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{setup, sse_events, Relay};

const KEEPALIVE: &str = ": keepalive";

/// `n` accounts, slow start after 300 ms (keep-alives every 150 ms).
async fn slow_setup(n: usize) -> Relay {
    let r = setup(n).await;
    let (status, body) = r
        .admin(
            reqwest::Method::PUT,
            "/settings",
            json!({"slow_start_commit_ms": 300}),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    r
}

/// The first byte of every answer waits 1.2 s (well past the 300 ms threshold).
fn slow_first_byte(r: &Relay) {
    r.mock
        .inject_fault(FaultRule::always(FaultKind::SlowFirstByte {
            delay_ms: 1200,
        }));
}

/// Capacity sheds: each account retries twice (0.5 s, 1.5 s) before the failover.
fn overloaded(r: &Relay, times: Option<u32>) {
    let rule = FaultRule::always(FaultKind::Overloaded);
    r.mock.inject_fault(match times {
        Some(n) => rule.times(n),
        None => rule,
    });
}

fn chat_body() -> Value {
    json!({"model": "gpt-5.4", "stream": true, "messages": [{"role": "user", "content": "Slow ünïcødé"}]})
}

fn messages_body() -> Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": true, "messages": [{"role": "user", "content": "Slow ✓"}]})
}

fn responses_body() -> Value {
    json!({"model": "gpt-5.4", "stream": true, "input": "Slow responses"})
}

/// Chat: keep-alives before the role chunk, one role chunk, the whole text, `[DONE]`.
fn check_chat(r: &Relay, text: &str) {
    let events = sse_events(text);
    assert_eq!(events.last().unwrap().data, "[DONE]", "{text}");
    let role = text.find("\"role\":\"assistant\"").expect("role chunk");
    assert!(text.find(KEEPALIVE).expect("keep-alive") < role, "{text}");
    assert_eq!(text.matches("\"role\":\"assistant\"").count(), 1, "{text}");
    let content: String = events
        .iter()
        .filter(|e| e.data != "[DONE]")
        .filter_map(|e| {
            e.json()["choices"][0]["delta"]["content"]
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(content, expected_text(&r.upstream_bodies().pop().unwrap()));
}

/// Anthropic: `message_start` first, keep-alives before any block, the text, `message_stop`.
fn check_messages(r: &Relay, text: &str) {
    let events = sse_events(text);
    assert_eq!(events[0].name.as_deref(), Some("message_start"), "{text}");
    let names: Vec<&str> = events.iter().filter_map(|e| e.name.as_deref()).collect();
    assert_eq!(names.iter().filter(|n| **n == "message_start").count(), 1);
    assert_eq!(names.last(), Some(&"message_stop"), "{text}");
    let block = text.find("event: content_block_start").expect("a block");
    let keepalive = text.find(KEEPALIVE).expect("keep-alive");
    assert!(text.find("event: message_start").unwrap() < keepalive && keepalive < block);
    let content: String = events
        .iter()
        .filter(|e| e.name.as_deref() == Some("content_block_delta"))
        .filter_map(|e| e.json()["delta"]["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(content, expected_text(&r.upstream_bodies().pop().unwrap()));
}

/// Native: keep-alives before the upstream's events, which follow unchanged to completion.
fn check_responses(r: &Relay, text: &str) {
    let events = sse_events(text);
    assert_eq!(
        events[0].name.as_deref(),
        Some("response.created"),
        "{text}"
    );
    assert!(text.find(KEEPALIVE).expect("keep-alive") < text.find("event:").unwrap());
    assert_eq!(
        events.last().unwrap().name.as_deref(),
        Some("response.completed")
    );
    let content: String = events
        .iter()
        .filter(|e| e.name.as_deref() == Some("response.output_text.delta"))
        .filter_map(|e| e.json()["delta"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(content, expected_text(&r.upstream_bodies().pop().unwrap()));
}

/// Sends a streaming request and reads it: the status and headers come (with the first
/// bytes) before the content, which `check` verifies by order inside the body.
async fn stream(r: &Relay, path: &str, body: &Value) -> (StatusCode, String) {
    let resp = r
        .http
        .post(r.url(path))
        .bearer_auth(&r.key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    if status == StatusCode::OK {
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
    }
    (status, resp.text().await.unwrap())
}

#[tokio::test]
async fn a_slow_first_byte_commits_early_then_streams_every_protocol() {
    let r = slow_setup(1).await;
    slow_first_byte(&r);
    let (status, text) = stream(&r, "/v1/chat/completions", &chat_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    check_chat(&r, &text);
    let (status, text) = stream(&r, "/v1/messages", &messages_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    check_messages(&r, &text);
    let (status, text) = stream(&r, "/v1/responses", &responses_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    check_responses(&r, &text);
    r.gw.stop().await;
}

#[tokio::test]
async fn failover_after_the_early_commit_delivers_the_second_account_intact() {
    let r = slow_setup(2).await;
    // The first account picked sheds three times (~2 s), then the second one answers.
    overloaded(&r, Some(3));
    let (status, text) = stream(&r, "/v1/chat/completions", &chat_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    check_chat(&r, &text);
    let served: Vec<u64> = r
        .accounts
        .iter()
        .map(|a| r.mock.counters(&a.account_id).unwrap().responses_requests)
        .collect();
    assert_eq!(served.iter().sum::<u64>(), 4, "{served:?}");
    assert!(
        served.iter().all(|n| *n > 0),
        "both accounts tried: {served:?}"
    );

    overloaded(&r, Some(3));
    let (status, text) = stream(&r, "/v1/messages", &messages_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    check_messages(&r, &text);
    r.gw.stop().await;
}

#[tokio::test]
async fn a_final_failure_after_the_early_commit_is_in_band() {
    let r = slow_setup(2).await;
    // Every attempt fails: the first account sheds until its retries are spent, the
    // second answers 500.
    r.mock
        .inject_fault(FaultRule::always(FaultKind::InternalError));
    overloaded(&r, Some(3));
    let (status, text) = stream(&r, "/v1/chat/completions", &chat_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.starts_with(KEEPALIVE), "{text}");
    let events = sse_events(&text);
    assert_eq!(events.len(), 1, "{text}");
    assert!(events[0].json()["error"]["message"].is_string(), "{text}");
    assert!(!text.contains("[DONE]") && !text.contains("finish_reason"));

    overloaded(&r, Some(3));
    let (status, text) = stream(&r, "/v1/messages", &messages_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let names: Vec<String> = sse_events(&text)
        .into_iter()
        .filter_map(|e| e.name)
        .collect();
    assert_eq!(names, ["message_start", "error"], "{text}");
    assert!(!text.contains("message_stop"));

    overloaded(&r, Some(3));
    let (status, text) = stream(&r, "/v1/responses", &responses_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let events = sse_events(&text);
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0].name.as_deref(), Some("response.failed"));
    assert_eq!(events[0].json()["response"]["status"], "failed");
    assert!(!text.contains("response.completed"));
    r.gw.stop().await;
}

#[tokio::test]
async fn a_pool_outcome_after_the_early_commit_is_in_band() {
    let r = slow_setup(1).await;
    // One account, shedding until its retries are spent: no other account to switch to.
    overloaded(&r, None);
    let (status, text) = stream(&r, "/v1/responses", &responses_body()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let events = sse_events(&text);
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(events[0].name.as_deref(), Some("response.failed"));
    assert!(events[0].json()["response"]["error"]["code"].is_string());
    r.gw.stop().await;
}

#[tokio::test]
async fn non_streaming_requests_still_wait_and_answer_with_a_status() {
    let r = slow_setup(1).await;
    slow_first_byte(&r);
    let body =
        json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "Not streamed"}]});
    let (status, headers, text) = r.post("/v1/chat/completions", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        answer["choices"][0]["message"]["content"],
        expected_text(&r.upstream_bodies().pop().unwrap())
    );
    r.mock.clear_faults(None);
    r.mock
        .inject_fault(FaultRule::always(FaultKind::InternalError));
    let (status, _, text) = r.post("/v1/chat/completions", &body).await;
    assert!(status.is_server_error(), "{status} {text}");
    r.gw.stop().await;
}
