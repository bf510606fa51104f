//! Usage accounting through the real relay: every request through the public API leaves
//! exactly one usage row with the account, the models, the mock's token counts, time to first
//! token and the final status — failures included.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the relay helpers")]
mod relay_support;

use std::time::{Duration, Instant};

use mock_upstream::{FaultKind, FaultRule};
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{mock_input_tokens, setup};

async fn logs(r: &relay_support::Relay, want: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, page) = r
            .admin(
                reqwest::Method::GET,
                "/usage/logs?page_size=100",
                Value::Null,
            )
            .await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() >= want {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {want} usage rows after 20 s",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn each_relayed_request_is_logged_once_with_the_mocks_usage() {
    let r = setup(2).await;
    r.flush_usage_every_second().await;

    let chat = json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "count me"}]});
    let (s, _, _) = r.post("/v1/chat/completions", &chat).await;
    assert_eq!(s, StatusCode::OK);
    let mut streamed = chat.clone();
    streamed["stream"] = json!(true);
    let (s, _, _) = r.post("/v1/chat/completions", &streamed).await;
    assert_eq!(s, StatusCode::OK);
    let messages = json!({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": true,
        "messages": [{"role": "user", "content": "and me"}]});
    let (s, _, _) = r.post("/v1/messages", &messages).await;
    assert_eq!(s, StatusCode::OK);
    let upstream = r.upstream_bodies();
    assert_eq!(upstream.len(), 3);

    for a in &r.accounts {
        r.mock
            .inject_fault(FaultRule::always(FaultKind::InternalError).for_account(&a.account_id));
    }
    let (s, _, _) = r.post("/v1/chat/completions", &chat).await;
    assert!(s.is_server_error(), "{s}");

    let rows = logs(&r, 4).await;
    assert_eq!(rows.len(), 4, "exactly one row per request: {rows:#?}");
    let ok: Vec<&Value> = rows
        .iter()
        .filter(|row| row["status_code"] == 200)
        .collect();
    assert_eq!(ok.len(), 3, "{rows:#?}");
    let mut expected_inputs: Vec<u64> = upstream.iter().map(mock_input_tokens).collect();
    let mut logged_inputs: Vec<u64> = ok
        .iter()
        .map(|row| row["input_tokens"].as_u64().unwrap())
        .collect();
    expected_inputs.sort_unstable();
    logged_inputs.sort_unstable();
    assert_eq!(
        logged_inputs, expected_inputs,
        "input tokens equal the mock's"
    );
    for row in &ok {
        assert!(row["account_id"].as_i64().is_some(), "{row}");
        assert!(row["output_tokens"].as_u64().unwrap() > 0, "{row}");
        assert!(row["first_token_ms"].as_u64().is_some(), "{row}");
        assert_eq!(
            row["effective_model"]
                .as_str()
                .map(|m| m.starts_with("gpt-")),
            Some(true),
            "{row}"
        );
    }
    let endpoints: Vec<&str> = ok
        .iter()
        .map(|row| row["endpoint"].as_str().unwrap())
        .collect();
    assert_eq!(
        endpoints
            .iter()
            .filter(|e| **e == "/v1/chat/completions")
            .count(),
        2
    );
    assert!(endpoints.contains(&"/v1/messages"));
    assert_eq!(ok.iter().filter(|row| row["stream"] == true).count(), 2);
    let failed = rows.iter().find(|row| row["status_code"] != 200).unwrap();
    assert!(failed["status_code"].as_u64().unwrap() >= 500, "{failed}");
    assert!(failed["error_kind"].as_str().is_some(), "{failed}");
    assert_eq!(failed["attempts"], 2, "both accounts were tried: {failed}");
    // The routing trace says where each request went and why.
    for row in &ok {
        let attempts = row["trace"]["attempts"].as_array().unwrap();
        assert_eq!(attempts.last().unwrap()["decision"], "commit", "{row}");
        assert_eq!(
            attempts.last().unwrap()["account_id"],
            row["account_id"],
            "{row}"
        );
    }
    let failed_attempts = failed["trace"]["attempts"].as_array().unwrap();
    assert_eq!(failed_attempts.len(), 2, "{failed}");
    assert!(
        failed_attempts.iter().all(|a| a["status"] == 500),
        "{failed}"
    );
}
