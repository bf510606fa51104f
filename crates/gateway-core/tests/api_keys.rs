//! Client API keys (issue 4): the admin CRUD under `/api/admin/keys`, and public-API
//! authentication and limits in the caller's protocol shape (admin-api.md §2,
//! scheduling.md §12).
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod relay_support;

use std::time::Duration;

use mock_upstream::{FaultKind, FaultRule};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use relay_support::{setup, setup_with, Relay};

const CHAT: &str = "/v1/chat/completions";

fn chat_body() -> Value {
    json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "hi"}]})
}

fn messages_body() -> Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
}

async fn call(
    r: &Relay,
    path: &str,
    body: &Value,
    auth: Option<(&str, &str)>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = r.http.post(r.url(path)).json(body);
    if let Some((name, value)) = auth {
        req = req.header(name, value);
    }
    let resp = req.send().await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    (status, headers, resp.json().await.unwrap_or(Value::Null))
}

async fn new_key(r: &Relay, body: Value) -> (i64, String) {
    let (status, created) = r.admin(Method::POST, "/keys", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["id"].as_i64().unwrap(),
        created["key"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn admin_crud_shows_the_key_once_and_masks_it_after() {
    let r = setup(0).await;
    let (status, created) = r.admin(Method::POST, "/keys", json!({"name": "ci", "rpm": 10, "quota": 1000, "allowed_models": ["gpt-5.4"], "expires_in_days": 7})).await;
    assert_eq!(status, StatusCode::CREATED);
    let key = created["key"].as_str().unwrap();
    assert!(key.starts_with("sk-") && key.len() == 51);
    assert_eq!(created["token_quota"], 1000);
    assert!(created["expires_at"].as_str().unwrap().ends_with('Z'));
    let (_, list) = r.admin(Method::GET, "/keys", Value::Null).await;
    let listed = list["keys"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    let text = list.to_string();
    assert!(!text.contains(key) && !text.contains("key_hash"), "{text}");
    assert!(listed
        .iter()
        .any(|k| k["key_preview"] == format!("{}…{}", &key[..7], &key[key.len() - 4..])));

    let supplied = "sk-my-own-key-0123456789";
    let (status, own) = r
        .admin(Method::POST, "/keys", json!({"key": supplied}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(own["key"], supplied);
    let (status, dup) = r
        .admin(Method::POST, "/keys", json!({"key": supplied}))
        .await;
    assert_eq!(
        (status, dup["code"].as_str()),
        (StatusCode::CONFLICT, Some("key_exists"))
    );
    for bad in [
        json!({"key": "sk-short"}),
        json!({"key": "pk-0123456789012345678901"}),
        json!({"rpm": -1}),
        json!({"expires_at": true}),
    ] {
        let (status, body) = r.admin(Method::POST, "/keys", bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert!(body["code"].is_string() && body["error"].is_string());
    }
    let id = created["id"].as_i64().unwrap();
    let (status, patched) = r
        .admin(
            Method::PATCH,
            &format!("/keys/{id}"),
            json!({"name": "renamed", "enabled": false, "expires_at": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        (patched["name"].as_str(), patched["enabled"].as_bool()),
        (Some("renamed"), Some(false))
    );
    assert!(patched["expires_at"].is_null());
    assert_eq!(
        r.admin(Method::PATCH, "/keys/99999", json!({"name": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        r.admin(Method::DELETE, &format!("/keys/{id}"), Value::Null)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        r.admin(Method::DELETE, &format!("/keys/{id}"), Value::Null)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let anonymous = r.http.get(r.url("/api/admin/keys")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    r.gw.stop().await;
}

#[tokio::test]
async fn authentication_errors_in_both_protocol_shapes() {
    let r = setup(1).await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), None).await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["type"].as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("missing_api_key"),
            Some("authentication_error")
        )
    );
    let (s, _, b) = call(&r, "/v1/messages", &messages_body(), None).await;
    assert_eq!(
        (s, b["type"].as_str(), b["error"]["type"].as_str()),
        (
            StatusCode::UNAUTHORIZED,
            Some("error"),
            Some("authentication_error")
        )
    );
    let (s, _, b) = call(
        &r,
        CHAT,
        &chat_body(),
        Some(("authorization", "Bearer sk-wrong-wrong-wrong-wrong")),
    )
    .await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_api_key"))
    );
    let bearer = format!("Bearer {}", r.key);
    for auth in [
        ("authorization", bearer.as_str()),
        ("x-api-key", r.key.as_str()),
        ("anthropic-auth-token", r.key.as_str()),
    ] {
        let (s, _, b) = call(&r, "/v1/messages", &messages_body(), Some(auth)).await;
        assert_eq!(s, StatusCode::OK, "{auth:?}: {b}");
    }
    let (_, expired) = new_key(&r, json!({"expires_at": "2020-01-01T00:00:00Z"})).await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &expired))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_auth"))
    );
    let (id, disabled) = new_key(&r, json!({})).await;
    assert_eq!(
        call(&r, CHAT, &chat_body(), Some(("x-api-key", &disabled)))
            .await
            .0,
        StatusCode::OK
    );
    r.admin(
        Method::PATCH,
        &format!("/keys/{id}"),
        json!({"enabled": false}),
    )
    .await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &disabled))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_auth")),
        "a disabled key stops at once"
    );
    r.admin(Method::DELETE, &format!("/keys/{id}"), Value::Null)
        .await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &disabled))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_api_key")),
        "a deleted key stops at once"
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn without_any_key_the_gateway_fails_closed_unless_anonymous() {
    let r = setup(1).await;
    let (_, list) = r.admin(Method::GET, "/keys", Value::Null).await;
    let id = list["keys"][0]["id"].as_i64().unwrap();
    r.admin(Method::DELETE, &format!("/keys/{id}"), Value::Null)
        .await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), None).await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["type"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("service_unavailable"),
            Some("server_error")
        )
    );
    r.gw.stop().await;

    let anon = setup_with(1, |c| c.allow_anonymous = true).await;
    let (_, list) = anon.admin(Method::GET, "/keys", Value::Null).await;
    let id = list["keys"][0]["id"].as_i64().unwrap();
    anon.admin(Method::DELETE, &format!("/keys/{id}"), Value::Null)
        .await;
    let (s, _, b) = call(&anon, CHAT, &chat_body(), None).await;
    assert_eq!(s, StatusCode::OK, "{b}");
    anon.gw.stop().await;
}

#[tokio::test]
async fn token_quota_is_enforced() {
    let r = setup(1).await;
    // Key usage is charged when the usage writer flushes its batch.
    r.flush_usage_every_second().await;
    let (id, key) = new_key(&r, json!({"token_quota": 1})).await;
    assert_eq!(
        call(&r, CHAT, &chat_body(), Some(("x-api-key", &key)))
            .await
            .0,
        StatusCode::OK
    );
    let mut used = 0;
    for _ in 0..250 {
        let (_, list) = r.admin(Method::GET, "/keys", Value::Null).await;
        used = list["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .unwrap()["tokens_used"]
            .as_i64()
            .unwrap();
        if used > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(used > 1, "usage is recorded against the key");
    // Any admin change clears the lookup cache, so the new total is seen at once.
    r.admin(Method::PATCH, &format!("/keys/{id}"), json!({"name": "q"}))
        .await;
    let (s, _, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &key))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limit_reached"))
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn per_key_rpm_and_model_allow_list() {
    let r = setup(1).await;
    let (_, limited) = new_key(&r, json!({"rpm": 1})).await;
    assert_eq!(
        call(&r, CHAT, &chat_body(), Some(("x-api-key", &limited)))
            .await
            .0,
        StatusCode::OK
    );
    let (s, h, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &limited))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str(), b["error"]["type"].as_str()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("rate_limit_exceeded"),
            Some("rate_limit_error")
        )
    );
    assert!(h["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    // count_tokens and /v1/models are exempt from the limiter.
    let counted = r
        .http
        .post(r.url("/v1/messages/count_tokens"))
        .header("x-api-key", &limited)
        .json(&messages_body())
        .send()
        .await
        .unwrap();
    assert_eq!(counted.status(), StatusCode::OK);

    let (_, narrow) = new_key(&r, json!({"allowed_models": ["gpt-5.4"]})).await;
    let (s, _, b) = call(
        &r,
        CHAT,
        &json!({"model": "gpt-5.5", "messages": [{"role": "user", "content": "x"}]}),
        Some(("x-api-key", &narrow)),
    )
    .await;
    assert_eq!(
        (s, b["error"]["type"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_error"))
    );
    let (s, _, b) = call(
        &r,
        "/v1/messages",
        &messages_body(),
        Some(("x-api-key", &narrow)),
    )
    .await;
    assert_eq!(
        (s, b["error"]["type"].as_str()),
        (StatusCode::FORBIDDEN, Some("permission_error"))
    );
    assert_eq!(
        call(&r, CHAT, &chat_body(), Some(("x-api-key", &narrow)))
            .await
            .0,
        StatusCode::OK
    );
    let models: Value = r
        .http
        .get(r.url("/v1/models"))
        .header("x-api-key", &narrow)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(models["data"].as_array().unwrap().len(), 1);
    r.gw.stop().await;
}

#[tokio::test]
async fn per_key_concurrency_cap() {
    let r = setup(1).await;
    let (_, key) = new_key(&r, json!({"max_concurrency": 1})).await;
    r.mock
        .inject_fault(FaultRule::always(FaultKind::SlowFirstByte { delay_ms: 600 }).times(1));
    let first = {
        let req = r
            .http
            .post(r.url(CHAT))
            .header("x-api-key", &key)
            .json(&chat_body());
        tokio::spawn(async move { req.send().await.unwrap().status() })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (s, h, b) = call(&r, CHAT, &chat_body(), Some(("x-api-key", &key))).await;
    assert_eq!(
        (s, b["error"]["code"].as_str()),
        (
            StatusCode::TOO_MANY_REQUESTS,
            Some("concurrency_limit_exceeded")
        )
    );
    assert_eq!(h["retry-after"], "1");
    assert_eq!(first.await.unwrap(), StatusCode::OK);
    assert_eq!(
        call(&r, CHAT, &chat_body(), Some(("x-api-key", &key)))
            .await
            .0,
        StatusCode::OK,
        "the slot is released"
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn count_tokens_is_local_and_survives_a_burst() {
    let r = setup(1).await;
    let (_, key) = new_key(&r, json!({"rpm": 1})).await;
    let body = json!({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "What is the weather in Paris?"}]});
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let req = r
            .http
            .post(r.url("/v1/messages/count_tokens?beta=true"))
            .header("x-api-key", &key)
            .json(&body);
        tasks.push(tokio::spawn(async move {
            let resp = req.send().await.unwrap();
            (resp.status(), resp.json::<Value>().await.unwrap())
        }));
    }
    for task in tasks {
        let (status, json) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            json,
            json!({"input_tokens": 11}),
            "7 text tokens + 4 per item"
        );
    }
    let mut with_system = body.clone();
    with_system["system"] = json!("You are a helpful assistant.");
    let counted: Value = r
        .http
        .post(r.url("/messages/count_tokens"))
        .header("x-api-key", &key)
        .json(&with_system)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counted["input_tokens"], 21);
    assert!(
        r.mock.request_log().is_empty(),
        "count_tokens never calls upstream"
    );
    let unauth = r
        .http
        .post(r.url("/v1/messages/count_tokens"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(unauth.status(), StatusCode::UNAUTHORIZED);
    r.gw.stop().await;
}
