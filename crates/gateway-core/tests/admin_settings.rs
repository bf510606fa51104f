//! `GET|PUT /api/admin/settings`: values with their schema, validation of every key before
//! any write, and the runtime settings reloaded after a save.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use reqwest::StatusCode;
use serde_json::{json, Value};

const SECRET: &str = "test-admin-secret-123";

async fn put(http: &reqwest::Client, url: &str, body: Value) -> (StatusCode, Value) {
    let r = http
        .put(url)
        .header("x-admin-key", SECRET)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn settings_schema_validation_and_reload() {
    let gw = common::start(|c| {
        c.admin_secret = Some(gateway_core::secrets::SecretString::new(SECRET));
    })
    .await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/admin/settings", gw.base_url);

    let body: Value = http
        .get(&url)
        .header("x-admin-key", SECRET)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["settings"]["max_concurrency"], 2);
    let schema = body["schema"].as_array().unwrap();
    let row = schema
        .iter()
        .find(|r| r["key"] == "max_concurrency")
        .unwrap();
    assert_eq!(row["type"], "integer");
    assert_eq!(row["default"], 2);
    assert!(row["help"].as_str().unwrap().contains("0 = unlimited"));
    let mode = schema.iter().find(|r| r["key"] == "affinity_mode").unwrap();
    assert_eq!(mode["options"], json!(["off", "bounded", "strict"]));

    // One bad key refuses the whole request and writes nothing.
    let (status, err) = put(
        &http,
        &url,
        json!({"max_concurrency": 5, "max_retries": "three", "nope": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["code"], "invalid_settings");
    let msg = err["error"].as_str().unwrap();
    assert!(
        msg.contains("max_retries must be a whole number") && msg.contains("unknown setting nope"),
        "{msg}"
    );
    assert_eq!(gw.state.runtime_settings().max_concurrency, 2);

    let (status, saved) = put(
        &http,
        &url,
        json!({"max_concurrency": 5, "model_mapping": {"claude-*": "gpt-5"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["settings"]["max_concurrency"], 5);
    assert_eq!(
        gw.state.runtime_settings().max_concurrency,
        5,
        "reloaded without a restart"
    );
    assert_eq!(
        gw.state.runtime_settings().model_mapping,
        vec![("claude-*".to_owned(), "gpt-5".to_owned())]
    );

    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
