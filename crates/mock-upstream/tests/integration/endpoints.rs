//! Compaction, the model manifest with ETag, wham/usage, and the control API's bookkeeping.

use mock_upstream::{FaultKind, FaultRule, RateLimitUpdate, MODEL_SLUGS};
use serde_json::{json, Value};

use crate::common::{body, client, post, start};

#[tokio::test]
async fn compact_returns_a_compaction_item() {
    let (mock, acc) = start().await;
    let url = format!("{}/responses/compact", mock.upstream_base_url());
    let req = json!({"model": "gpt-5.5", "instructions": "x",
                     "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
                               {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "yo"}]}]});
    let send = |b: Value| {
        client()
            .post(&url)
            .bearer_auth(&acc.access_token)
            .json(&b)
            .send()
    };
    let r = send(req.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let v: Value = r.json().await.unwrap();
    let out = v["output"].as_array().unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0]["role"], "user");
    assert_eq!(out[1]["type"], "compaction");
    assert!(out[1]["encrypted_content"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let again: Value = send(req.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(again, v, "deterministic");

    for field in ["stream", "store", "include"] {
        let mut bad = req.clone();
        bad[field] = json!(false);
        let r = send(bad).await.unwrap();
        assert_eq!(r.status(), 400);
        let e: Value = r.json().await.unwrap();
        assert_eq!(e["detail"], format!("Unsupported parameter: {field}"));
    }
    let r = client()
        .post(&url)
        .bearer_auth("bad")
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    mock.inject_fault(FaultRule::always(FaultKind::Overloaded).times(1));
    assert_eq!(send(req).await.unwrap().status(), 503);
    assert_eq!(mock.counters(&acc.account_id).unwrap().compact_requests, 6);
}

#[tokio::test]
async fn models_manifest_and_etag() {
    let (mock, acc) = start().await;
    let url = format!("{}/models?client_version=0.169.0", mock.upstream_base_url());
    let r = client()
        .get(&url)
        .bearer_auth(&acc.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let v: Value = r.json().await.unwrap();
    let models = v["models"].as_array().unwrap();
    let slugs: Vec<&str> = models.iter().map(|m| m["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, MODEL_SLUGS);
    for m in models {
        for k in [
            "slug",
            "display_name",
            "supported_reasoning_levels",
            "shell_type",
            "visibility",
            "supported_in_api",
            "priority",
            "base_instructions",
            "supports_reasoning_summaries",
            "support_verbosity",
            "truncation_policy",
            "supports_parallel_tool_calls",
            "experimental_supported_tools",
            "context_window",
            "default_reasoning_level",
        ] {
            assert!(!m[k].is_null(), "{k} present");
        }
        assert!(m["supported_reasoning_levels"][0]["effort"].is_string());
        assert!(m["supported_reasoning_levels"][0]["description"].is_string());
        assert!(
            m["truncation_policy"]["mode"].is_string() && m["truncation_policy"]["limit"].is_i64()
        );
    }
    let r = client()
        .get(&url)
        .bearer_auth(&acc.access_token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"], etag.as_str());
    let r = client()
        .get(&url)
        .bearer_auth(&acc.access_token)
        .header("if-none-match", "\"stale\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // `/responses` advertises the same tag.
    let r = post(&mock, &acc.access_token, &body("x")).await;
    assert_eq!(r.headers()["x-models-etag"], etag.as_str());
}

#[tokio::test]
async fn wham_usage_mirrors_rate_limits() {
    let (mock, acc) = start().await;
    mock.set_rate_limits(
        None,
        &RateLimitUpdate {
            primary_used_percent: Some(100.0),
            secondary_used_percent: Some(37.4),
            plan_type: Some("pro".into()),
            credits_has_credits: Some(true),
            ..Default::default()
        },
    );
    let r = client()
        .get(mock.wham_usage_url())
        .bearer_auth(&acc.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["plan_type"], "pro");
    let rl = &v["rate_limit"];
    assert_eq!(rl["allowed"], false);
    assert_eq!(rl["limit_reached"], true);
    assert_eq!(rl["primary_window"]["used_percent"], 100);
    assert_eq!(rl["primary_window"]["limit_window_seconds"], 18_000);
    assert_eq!(rl["secondary_window"]["used_percent"], 37);
    assert_eq!(rl["secondary_window"]["limit_window_seconds"], 604_800);
    let rs = mock.rate_limits(&acc.account_id).unwrap();
    assert_eq!(rl["primary_window"]["reset_at"], rs.primary_reset_at);
    assert!(
        rl["primary_window"]["reset_after_seconds"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert_eq!(v["credits"]["has_credits"], true);
    let r = client()
        .get(mock.wham_usage_url())
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn control_api_seeds_logs_and_counts() {
    let (mock, first) = start().await;
    let ctl = mock.control_url();
    let v: Value = client()
        .post(format!("{ctl}/accounts"))
        .json(&json!({"count": 2, "plan": "pro"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let seeded = v["accounts"].as_array().unwrap();
    assert_eq!(seeded.len(), 2);
    for a in seeded {
        for k in [
            "account_id",
            "email",
            "refresh_token",
            "plan",
            "access_token",
        ] {
            assert!(a[k].is_string(), "{k}");
        }
        assert_eq!(a["plan"], "pro");
    }
    let second = seeded[0]["access_token"].as_str().unwrap();
    let second_id = seeded[0]["account_id"].as_str().unwrap();

    client()
        .post(format!("{ctl}/rate-limits"))
        .json(&json!({"account_id": second_id, "primary_used_percent": 55.0}))
        .send()
        .await
        .unwrap();
    client()
        .post(format!("{ctl}/delay"))
        .json(&json!({"delta_delay_ms": 0}))
        .send()
        .await
        .unwrap();
    let r = client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .bearer_auth(second)
        .header("chatgpt-account-id", second_id)
        .header("x-api-key", "client-secret")
        .json(&body("logged"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-codex-primary-used-percent"], "55");
    r.text().await.unwrap();
    post(&mock, &first.access_token, &body("one"))
        .await
        .text()
        .await
        .unwrap();

    let log = mock.request_log();
    let entry = log
        .iter()
        .find(|e| e.account_id.as_deref() == Some(second_id))
        .unwrap();
    assert_eq!(entry.method, "POST");
    assert_eq!(entry.path, "/backend-api/codex/responses");
    assert_eq!(entry.status, 200);
    assert_eq!(entry.header("x-api-key"), Some("client-secret"));
    assert_eq!(
        entry.header("Authorization"),
        Some(format!("Bearer {second}").as_str())
    );
    assert_eq!(
        entry.body.as_ref().unwrap()["input"][0]["content"][0]["text"],
        "logged"
    );

    let http_log: Value = client()
        .get(format!("{ctl}/log"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(http_log["requests"].as_array().unwrap().len(), log.len());
    client().delete(format!("{ctl}/log")).send().await.unwrap();
    assert!(mock.request_log().is_empty());

    let counters: Value = client()
        .get(format!("{ctl}/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["accounts"][second_id]["responses_requests"], 1);
    assert_eq!(
        counters["accounts"][&first.account_id]["responses_requests"],
        1
    );
    client()
        .delete(format!("{ctl}/counters"))
        .send()
        .await
        .unwrap();
    assert_eq!(mock.counters(second_id).unwrap().responses_requests, 0);

    let list: Value = client()
        .get(format!("{ctl}/accounts"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["accounts"].as_array().unwrap().len(), 3);
    let tokens: Value = client()
        .post(format!("{ctl}/accounts/{second_id}/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(tokens["refresh_token"].is_string());
    mock.shutdown().await;
}
