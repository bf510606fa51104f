//! Native `/v1/responses`, `/v1/responses/compact` and `/v1/models` against mock-upstream:
//! upstream frames pass through byte for byte (minus `codex.rate_limits`), non-streaming
//! answers are the aggregated response, a break after commit is a `response.failed` with
//! `upstream_stream_break`, and pool outcomes have the shapes of scheduling.md §9.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the relay helpers")]
mod relay_support;

use mock_upstream::{expected_text, FaultKind, FaultRule};
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{mock_input_tokens, setup, sse_events};

#[tokio::test]
async fn streaming_passes_upstream_frames_through() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.5", "stream": true, "reasoning": {"effort": "low"}, "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "native hello"}]}]});
    let (status, _, text) = r.post("/v1/responses", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let events = sse_events(&text);
    assert!(
        events.iter().all(|e| e.name.is_some()),
        "event: lines are kept"
    );
    assert_eq!(events[0].name.as_deref(), Some("response.created"));
    assert_eq!(
        events.last().unwrap().name.as_deref(),
        Some("response.completed")
    );
    assert!(events
        .iter()
        .all(|e| e.name.as_deref() != Some("codex.rate_limits")));
    for (i, e) in events.iter().enumerate() {
        assert_eq!(
            e.json()["sequence_number"],
            i as u64,
            "sequence numbers are untouched"
        );
    }
    let upstream = r.upstream_bodies().pop().unwrap();
    let out: String = events
        .iter()
        .filter(|e| e.name.as_deref() == Some("response.output_text.delta"))
        .map(|e| e.json()["delta"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(out, expected_text(&upstream));
    let usage = &events.last().unwrap().json()["response"]["usage"];
    assert_eq!(usage["input_tokens"], mock_input_tokens(&upstream));
    assert!(events
        .iter()
        .any(|e| e.name.as_deref() == Some("response.reasoning_summary_text.delta")));
    r.gw.stop().await;
}

#[tokio::test]
async fn non_streaming_returns_the_aggregated_response() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4", "input": "plain string input", "temperature": 0.3, "max_output_tokens": 10});
    let (status, _, text) = r.post("/responses", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let resp: Value = serde_json::from_str(&text).unwrap();
    let upstream = r.upstream_bodies().pop().unwrap();
    assert_eq!(upstream["stream"], true);
    assert_eq!(upstream["store"], false);
    assert!(upstream.get("temperature").is_none() && upstream.get("max_output_tokens").is_none());
    assert_eq!(resp["status"], "completed");
    assert_eq!(
        resp["output"].as_array().unwrap().last().unwrap()["content"][0]["text"],
        expected_text(&upstream)
    );
    assert_eq!(resp["usage"]["input_tokens"], mock_input_tokens(&upstream));
    r.gw.stop().await;
}

#[tokio::test]
async fn a_break_after_commit_is_a_response_failed_frame() {
    let r = setup(1).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::DropMidStream {
            after_deltas: 2,
        }));
    let body = json!({"model": "gpt-5.4", "stream": true, "input": "a long enough message to produce several deltas"});
    let (status, _, text) = r.post("/v1/responses", &body).await;
    assert_eq!(status, StatusCode::OK);
    let events = sse_events(&text);
    let last = events.last().unwrap();
    assert_eq!(last.name.as_deref(), Some("response.failed"), "{text}");
    let payload = last.json();
    assert_eq!(
        payload["response"]["error"]["code"],
        "upstream_stream_break"
    );
    assert_eq!(payload["response"]["status"], "failed");
    let created_id = events[0].json()["response"]["id"].clone();
    assert_eq!(payload["response"]["id"], created_id);
    let prev_seq = events[events.len() - 2].json()["sequence_number"]
        .as_u64()
        .unwrap();
    assert_eq!(payload["sequence_number"], prev_seq + 1);
    assert!(!text.contains("response.completed"));
    r.gw.stop().await;
}

#[tokio::test]
async fn upstream_response_failed_before_content_with_retries_exhausted() {
    let r = setup(1).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::ResponseFailed {
            code: "context_length_exceeded".into(),
            message: Some("too long".into()),
        }));
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.4", "stream": true, "input": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["code"], "context_length_exceeded");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    r.gw.stop().await;
}

#[tokio::test]
async fn quota_exhaustion_everywhere_is_429_usage_limit_reached() {
    let r = setup(2).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::UsageLimitReached {
            resets_in_seconds: 600,
        }));
    let (status, headers, text) = r
        .post("/v1/responses", &json!({"model": "gpt-5.4", "input": "x"}))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["type"], "usage_limit_reached");
    assert_eq!(body["error"]["code"], "usage_limit_reached");
    assert!(body["error"]["resets_at"].as_i64().is_some());
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    let (status, _, text) = r.post("/v1/messages", &json!({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["error"]["type"], "rate_limit_error");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("UTC"),
        "{text}"
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn no_account_is_503_in_both_shapes() {
    let r = setup(0).await;
    let (status, headers, text) = r
        .post(
            "/v1/chat/completions",
            &json!({"messages": [{"role": "user", "content": "x"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["code"],
        "account_pool_unavailable"
    );
    assert_eq!(headers["retry-after"], "30");
    let (status, _, text) = r.post("/v1/messages", &json!({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]})).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap()["error"]["type"],
        "overloaded_error"
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn compact_returns_the_upstream_json() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4-openai-compact", "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "summarise"}]}], "store": false, "stream": true});
    let (status, _, text) = r.post("/v1/responses/compact", &body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert!(json["output"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["type"] == "compaction"));
    let log = r.mock.request_log();
    let sent = log
        .iter()
        .find(|l| l.path.ends_with("/responses/compact"))
        .unwrap();
    let sent_body = sent.body.as_ref().unwrap();
    assert_eq!(sent_body["model"], "gpt-5.4");
    assert!(sent_body.get("stream").is_none() && sent_body.get("store").is_none());
    r.gw.stop().await;
}

#[tokio::test]
async fn models_list_and_manifest_passthrough() {
    let r = setup(1).await;
    let list: Value = r
        .http
        .get(r.url("/v1/models"))
        .bearer_auth(&r.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["object"], "list");
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"gpt-5.5") && ids.contains(&"gpt-5.4-mini"));
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["object"] == "model" && m["owned_by"] == "openai"));
    let resp = r
        .http
        .get(r.url("/models?client_version=0.169.0"))
        .bearer_auth(&r.key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().contains_key("etag"));
    let manifest: Value = resp.json().await.unwrap();
    assert_eq!(manifest, mock_upstream::manifest_json());
    r.gw.stop().await;
}
