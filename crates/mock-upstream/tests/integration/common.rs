//! Shared helpers for the integration tests: start a mock, send requests, parse SSE.

use mock_upstream::{MockConfig, MockUpstream, SeededAccount};
use serde_json::{json, Value};

pub async fn start() -> (MockUpstream, SeededAccount) {
    start_with(MockConfig::default()).await
}

pub async fn start_with(config: MockConfig) -> (MockUpstream, SeededAccount) {
    let mock = MockUpstream::start(config).await.unwrap();
    let account = mock.seed_accounts(1).remove(0);
    (mock, account)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// A minimal valid Codex request whose last user message is `text`.
pub fn body(text: &str) -> Value {
    json!({
        "model": "gpt-5.5",
        "instructions": "be brief",
        "stream": true,
        "store": false,
        "input": [{"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": text}]}],
    })
}

pub async fn post(mock: &MockUpstream, token: &str, body: &Value) -> reqwest::Response {
    client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .bearer_auth(token)
        .header("chatgpt-account-id", "ignored-unless-strict")
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Parses `event:`/`data:` frames; asserts the `event:` line matches the payload `type`.
pub fn parse_sse(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter(|f| !f.trim().is_empty())
        .map(|frame| {
            let mut event = None;
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_owned());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            let v: Value = serde_json::from_str(&data).unwrap();
            assert_eq!(
                event.as_deref(),
                v["type"].as_str(),
                "event line matches type"
            );
            v
        })
        .collect()
}

/// Sends a request, expects 200, returns the events.
pub async fn events(mock: &MockUpstream, token: &str, body: &Value) -> Vec<Value> {
    let resp = post(mock, token, body).await;
    assert_eq!(resp.status(), 200);
    let events = parse_sse(&resp.text().await.unwrap());
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e["sequence_number"], i as u64,
            "sequence numbers count from 0"
        );
    }
    events
}

pub fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// Concatenation of the `delta` fields of events of type `ty`.
pub fn deltas(events: &[Value], ty: &str) -> String {
    events
        .iter()
        .filter(|e| e["type"] == ty)
        .map(|e| e["delta"].as_str().unwrap())
        .collect()
}

pub fn error_code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or_default()
}
