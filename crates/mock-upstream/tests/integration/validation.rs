//! Request validation: body rules, deny-listed parameters, authentication, encrypted content.

use mock_upstream::MockConfig;
use serde_json::{json, Value};

use crate::common::{body, client, error_code, events, post, start, start_with};

async fn status_body(resp: reqwest::Response) -> (u16, Value) {
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn stream_and_store_are_required() {
    let (mock, acc) = start().await;
    let mut req = body("x");
    req["stream"] = json!(false);
    let (s, v) = status_body(post(&mock, &acc.access_token, &req).await).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (400, Some("Stream must be set to true"))
    );

    let mut req = body("x");
    req["store"] = json!(true);
    let (s, v) = status_body(post(&mock, &acc.access_token, &req).await).await;
    assert_eq!(
        (s, v["detail"].as_str()),
        (400, Some("Store must be set to false"))
    );

    let mut req = body("x");
    req.as_object_mut().unwrap().remove("store");
    let (s, _) = status_body(post(&mock, &acc.access_token, &req).await).await;
    assert_eq!(
        s, 400,
        "store defaults to true upstream, so it must be sent"
    );

    let resp = client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .bearer_auth(&acc.access_token)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn unsupported_parameters_are_named() {
    let (mock, acc) = start().await;
    for param in [
        "max_output_tokens",
        "temperature",
        "top_p",
        "max_tokens",
        "metadata",
        "previous_response_id",
        "type",
        "truncation",
    ] {
        let mut req = body("x");
        req[param] = json!(1);
        let (s, v) = status_body(post(&mock, &acc.access_token, &req).await).await;
        assert_eq!(s, 400);
        assert_eq!(v["detail"], format!("Unsupported parameter: {param}"));
    }
    // Unknown fields outside the deny-list pass.
    let mut req = body("x");
    req["client_metadata"] = json!({"x-codex-installation-id": "abc"});
    assert_eq!(post(&mock, &acc.access_token, &req).await.status(), 200);
}

#[tokio::test]
async fn authentication_failures() {
    let (mock, acc) = start().await;
    let resp = client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .json(&body("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);

    let (s, v) = status_body(post(&mock, "not-a-token", &body("x")).await).await;
    assert_eq!((s, error_code(&v)), (401, "token_invalidated"));

    assert_eq!(mock.expire_access_tokens(Some(&acc.account_id)), 1);
    let (s, v) = status_body(post(&mock, &acc.access_token, &body("x")).await).await;
    assert_eq!((s, error_code(&v)), (401, "token_expired"));
    assert_eq!(v["error"]["type"], "invalid_request_error");
    assert!(v["error"]["param"].is_null());
    assert_eq!(
        mock.counters(&acc.account_id).unwrap().responses_requests,
        0
    );

    // Expiring over the control API, for all accounts.
    let fresh = mock.issue_tokens(&acc.account_id).unwrap();
    assert_eq!(
        post(&mock, &fresh.access_token, &body("x")).await.status(),
        200
    );
    let v: Value = client()
        .post(format!("{}/expire-tokens", mock.control_url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["expired"].as_u64().unwrap() >= 2);
    assert_eq!(
        post(&mock, &fresh.access_token, &body("x")).await.status(),
        401
    );
}

#[tokio::test]
async fn strict_account_header_mode() {
    let config = MockConfig {
        require_account_header: true,
        ..MockConfig::default()
    };
    let (mock, acc) = start_with(config).await;
    // `post` sends a wrong header.
    assert_eq!(
        post(&mock, &acc.access_token, &body("x")).await.status(),
        403
    );
    let resp = client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .bearer_auth(&acc.access_token)
        .header("ChatGPT-Account-ID", &acc.account_id)
        .json(&body("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn foreign_or_garbage_encrypted_content_is_refused() {
    let (mock, a) = start().await;
    let b = mock.seed_accounts(1).remove(0);
    let mut req = body("think");
    req["reasoning"] = json!({"effort": "low"});
    let ev = events(&mock, &a.access_token, &req).await;
    let item = ev
        .iter()
        .find(|e| e["type"] == "response.output_item.done")
        .unwrap()["item"]
        .clone();
    assert_eq!(item["type"], "reasoning");

    let mut replay = body("again");
    replay["input"] = json!([item, {"role": "user", "content": "again"}]);
    let (s, v) = status_body(post(&mock, &b.access_token, &replay).await).await;
    assert_eq!((s, error_code(&v)), (400, "invalid_encrypted_content"));

    replay["input"][0]["encrypted_content"] = json!("garbage!!");
    let (s, v) = status_body(post(&mock, &a.access_token, &replay).await).await;
    assert_eq!((s, error_code(&v)), (400, "invalid_encrypted_content"));
}
