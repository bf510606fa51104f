//! The account test: one small request through the real upstream path, pinned to one account
//! (`GET /api/admin/accounts/{id}/test`), reporting each step as it happens. Its outcome feeds
//! the scheduler like any request, so a passing test can clear a stale cooldown.

use std::time::Instant;

use axum::http::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use gateway_protocol::responses::{ResponseCollector, ResponsesStreamEvent, StreamOutcome};
use gateway_protocol::{normalize_request, NormalizeOptions, ResponsesRequest, SseDecoder};
use serde::Serialize;
use serde_json::json;
use tokio::sync::mpsc;

use crate::scheduler::AttemptOutcome;
use crate::service::public_api::PublicApi;
use crate::state::AppState;
use crate::upstream::client::CallContext;
use crate::upstream::headers::CompatMode;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TestEvent {
    Start {
        account_id: i64,
        model: String,
    },
    Progress {
        stage: &'static str,
        message: String,
    },
    Delta {
        text: String,
    },
    Complete(TestResult),
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TestResult {
    pub ok: bool,
    pub status: Option<u16>,
    pub latency_ms: i64,
    pub first_token_ms: Option<i64>,
    pub text: String,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub error: Option<String>,
}

/// Runs the test, sending events as it goes; returns the final result.
pub async fn run(
    state: &AppState,
    api: &PublicApi,
    account_id: i64,
    model: Option<String>,
    events: &mpsc::Sender<TestEvent>,
) -> TestResult {
    let settings = state.runtime_settings();
    let model = model
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| settings.test_model.clone());
    let started = Instant::now();
    let elapsed = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let _ = events
        .send(TestEvent::Start {
            account_id,
            model: model.clone(),
        })
        .await;
    let fail = |status: Option<u16>, error: String| TestResult {
        status,
        error: Some(error),
        latency_ms: elapsed(),
        ..TestResult::default()
    };
    let Ok(client) = api.upstream() else {
        return fail(None, "the upstream URL is misconfigured".into());
    };
    let grant = match state.pool().grant_for(state, account_id, &model).await {
        Ok(grant) => grant,
        Err(e) => return fail(None, e.to_string()),
    };
    let _ = events
        .send(TestEvent::Progress {
            stage: "token",
            message: "access token ready".into(),
        })
        .await;
    let body = test_body(&model, &settings.test_content);
    let call = CallContext {
        inbound: &HeaderMap::new(),
        prompt_cache_key: None,
        model: &model,
        service_tier: None,
        compat: CompatMode::Preserve,
    };
    let resp = match client.send_responses(&grant, body, &call).await {
        Ok(resp) => resp,
        Err(e) => {
            state.pool().report(&grant, &e.kind.outcome());
            return fail(
                e.status,
                e.message.unwrap_or_else(|| e.kind.as_str().to_owned()),
            );
        }
    };
    state.observe_upstream_headers(account_id, resp.headers());
    let status = resp.status().as_u16();
    let _ = events
        .send(TestEvent::Progress {
            stage: "connected",
            message: format!("upstream answered {status}"),
        })
        .await;
    let mut result = TestResult {
        status: Some(status),
        ..TestResult::default()
    };
    let mut collector = ResponseCollector::new();
    let mut decoder = SseDecoder::new();
    let mut bytes = resp.bytes_stream();
    while let Some(chunk) = bytes.next().await {
        let Ok(chunk) = chunk else { break };
        for frame in decoder.push(&chunk) {
            let Ok(event) = ResponsesStreamEvent::from_frame(&frame) else {
                continue;
            };
            if let ResponsesStreamEvent::OutputTextDelta(d) = &event {
                result.first_token_ms.get_or_insert_with(elapsed);
                result.text.push_str(&d.delta);
                let _ = events
                    .send(TestEvent::Delta {
                        text: d.delta.clone(),
                    })
                    .await;
            }
            collector.push_owned(event);
        }
        if collector.is_finished() {
            break;
        }
    }
    let collected = collector.finish();
    result.latency_ms = elapsed();
    if let Some(usage) = &collected.response.usage {
        result.input_tokens = Some(usage.input_tokens);
        result.output_tokens = Some(usage.output_tokens);
    }
    match &collected.outcome {
        StreamOutcome::Failed(f) => {
            result.error = Some(f.message.clone());
            state.pool().report(&grant, &AttemptOutcome::ServerError);
        }
        _ => {
            result.ok = true;
            state.pool().report(&grant, &AttemptOutcome::Success);
        }
    }
    result
}

fn test_body(model: &str, content: &str) -> Bytes {
    let raw = json!({
        "model": model,
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": content}]}],
    });
    let mut req: ResponsesRequest = serde_json::from_value(raw).unwrap_or_default();
    normalize_request(&mut req, &NormalizeOptions::default());
    Bytes::from(serde_json::to_vec(&req).unwrap_or_default())
}
