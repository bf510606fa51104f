//! Gateway fixes found by driving the real clients (e2e/clients): `previous_response_id`
//! expanded from the gateway's own history (translation.md §6.3; the openai SDK chains
//! responses by id and the backend keeps nothing) and the Anthropic shape of `/v1/models`
//! (translation.md §9; `@anthropic-ai/sdk` `models.list()`), against mock-upstream.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the relay helpers")]
mod relay_support;

use mock_upstream::expected_text;
use reqwest::StatusCode;
use serde_json::{json, Value};

use relay_support::{mock_input_tokens, setup, sse_events, Relay};

fn weather_tool() -> Value {
    json!({"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}})
}

/// The `/responses` requests the mock logged: (body, account id), oldest first.
fn upstream_turns(r: &Relay) -> Vec<(Value, String)> {
    r.mock
        .request_log()
        .into_iter()
        .filter(|l| l.path.ends_with("/responses"))
        .filter_map(|l| Some((l.body?, l.account_id?)))
        .collect()
}

fn item_types(input: &Value) -> Vec<String> {
    input
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap_or("message").to_owned())
        .collect()
}

#[tokio::test]
async fn previous_response_id_prepends_the_kept_conversation_on_the_same_account() {
    let r = setup(3).await;
    // Turn 1, streamed: a tool call with encrypted reasoning.
    let first = json!({"model": "gpt-5.5", "stream": true, "reasoning": {"effort": "low"},
        "tools": [weather_tool()], "input": "go [[call:get_weather {\"city\":\"Oslo\"}]]"});
    let (status, _, text) = r.post("/v1/responses", &first).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let events = sse_events(&text);
    let completed = events
        .iter()
        .find(|e| e.name.as_deref() == Some("response.completed"))
        .unwrap()
        .json();
    let id = completed["response"]["id"].as_str().unwrap().to_owned();
    let call = events
        .iter()
        .map(|e| e.json())
        .find(|e| e["type"] == "response.output_item.done" && e["item"]["type"] == "function_call")
        .unwrap()["item"]
        .clone();

    // Turn 2, not streamed: only the tool output and the id.
    let second = json!({"model": "gpt-5.5", "previous_response_id": id, "reasoning": {"effort": "low"},
        "tools": [weather_tool()],
        "input": [{"type": "function_call_output", "call_id": call["call_id"], "output": "snow"}]});
    let (status, _, text) = r.post("/v1/responses", &second).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();

    let turns = upstream_turns(&r);
    assert_eq!(turns.len(), 2);
    let (body1, account1) = &turns[0];
    let (body2, account2) = &turns[1];
    assert_eq!(account1, account2, "routed to the account that produced it");
    assert_eq!(body1["prompt_cache_key"], body2["prompt_cache_key"]);
    assert!(
        body2.get("previous_response_id").is_none(),
        "never sent upstream"
    );
    assert_eq!(
        item_types(&body2["input"]),
        [
            "message",
            "reasoning",
            "function_call",
            "function_call_output"
        ]
    );
    assert_eq!(body2["input"][2]["call_id"], call["call_id"]);
    assert_eq!(
        body2["input"][3]["call_id"], call["call_id"],
        "output still paired"
    );
    let out_text: String = answer["output"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "message")
        .flat_map(|i| i["content"].as_array().unwrap().iter())
        .filter_map(|p| p["text"].as_str())
        .collect();
    assert_eq!(out_text, expected_text(body2));
    assert_eq!(answer["usage"]["input_tokens"], mock_input_tokens(body2));
    assert!(out_text.starts_with("Tool output: snow"));

    // Turn 3 chains on turn 2 (kept from the non-streaming path).
    let third =
        json!({"model": "gpt-5.5", "previous_response_id": answer["id"], "input": "and then?"});
    let (status, _, text) = r.post("/v1/responses", &third).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let turns = upstream_turns(&r);
    let body3 = &turns[2].0;
    assert_eq!(
        item_types(&body3["input"]),
        [
            "message",
            "reasoning",
            "function_call",
            "function_call_output",
            "reasoning",
            "message",
            "message"
        ]
    );
    assert_eq!(body3["input"][6]["role"], "user");
    assert_eq!(turns[2].1, *account1);
    r.gw.stop().await;
}

#[tokio::test]
async fn unknown_foreign_or_unstored_previous_response_id_is_a_400() {
    let r = setup(1).await;
    let check = |status: StatusCode, text: &str| {
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(v["error"]["code"], "previous_response_not_found");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["param"], "previous_response_id");
    };
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.5", "previous_response_id": "resp_nope", "input": "hi"}),
        )
        .await;
    check(status, &text);
    assert!(r.upstream_bodies().is_empty(), "nothing sent upstream");

    // store:false: the client said not to keep it.
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.5", "store": false, "input": "unstored"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = serde_json::from_str::<Value>(&text).unwrap()["id"].clone();
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.5", "previous_response_id": id, "input": "hi"}),
        )
        .await;
    check(status, &text);

    // Kept responses belong to the key that made them.
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.5", "input": "mine"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id = serde_json::from_str::<Value>(&text).unwrap()["id"].clone();
    let (status, created) = r
        .admin(reqwest::Method::POST, "/keys", json!({"name": "other"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let other = created["key"].as_str().unwrap();
    let resp = r
        .http
        .post(r.url("/v1/responses"))
        .bearer_auth(other)
        .json(&json!({"model": "gpt-5.5", "previous_response_id": id, "input": "yours?"}))
        .send()
        .await
        .unwrap();
    let status = resp.status();
    check(status, &resp.text().await.unwrap());
    // The owner can chain on it.
    let (status, _, text) = r
        .post(
            "/v1/responses",
            &json!({"model": "gpt-5.5", "previous_response_id": id, "input": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    r.gw.stop().await;
}

#[tokio::test]
async fn models_with_anthropic_version_is_the_anthropic_list() {
    let r = setup(1).await;
    let list: Value = r
        .http
        .get(r.url("/v1/models"))
        .header("x-api-key", &r.key)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = list["data"].as_array().unwrap();
    assert!(!data.is_empty());
    for m in data {
        assert_eq!(m["type"], "model");
        assert!(m["id"].as_str().unwrap().starts_with("claude-"));
        assert!(m["display_name"].as_str().unwrap().starts_with("Claude "));
        assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    }
    assert!(data
        .iter()
        .any(|m| m["id"] == "claude-opus-5-5" && m["display_name"] == "Claude Opus 5.5"));
    assert_eq!(list["has_more"], false);
    assert_eq!(list["first_id"], data[0]["id"]);
    assert_eq!(list["last_id"], data[data.len() - 1]["id"]);

    // Without the header: the OpenAI list, unchanged.
    let openai: Value = r
        .http
        .get(r.url("/v1/models"))
        .bearer_auth(&r.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(openai["object"], "list");
    r.gw.stop().await;
}
