//! Every fault kind: status and body, or the in-band event; scoping and `times`.

use std::time::Duration;

use mock_upstream::{FaultKind, FaultRule, MockUpstream, SeededAccount, CODEX_CLIENT_ID};
use serde_json::{json, Value};

use crate::common::{body, client, error_code, parse_sse, post, start, types};

async fn answer(mock: &MockUpstream, acc: &SeededAccount) -> (u16, String) {
    let r = post(mock, &acc.access_token, &body("x")).await;
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn status_faults() {
    let (mock, acc) = start().await;
    let cases: Vec<(FaultKind, u16, &str)> = vec![
        (FaultKind::RateLimited, 429, "rate_limit_exceeded"),
        (FaultKind::Unauthorized, 401, "token_invalidated"),
        (
            FaultKind::Forbidden,
            403,
            "unsupported_country_region_territory",
        ),
        (FaultKind::InternalError, 500, "server_error"),
        (FaultKind::Overloaded, 503, "server_is_overloaded"),
    ];
    for (kind, status, code) in cases {
        mock.inject_fault(FaultRule::always(kind).times(1));
        let (s, text) = answer(&mock, &acc).await;
        assert_eq!(s, status);
        assert_eq!(error_code(&serde_json::from_str(&text).unwrap()), code);
        assert_eq!(answer(&mock, &acc).await.0, 200, "times(1) fires once");
    }
    mock.inject_fault(FaultRule::always(FaultKind::DeactivatedWorkspace).times(1));
    let (s, text) = answer(&mock, &acc).await;
    assert_eq!(s, 402);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["detail"]["code"], "deactivated_workspace");
    mock.inject_fault(FaultRule::always(FaultKind::BadGateway).times(1));
    let r = post(&mock, &acc.access_token, &body("x")).await;
    assert_eq!(r.status(), 502);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("502 Bad Gateway"));
}

#[tokio::test]
async fn usage_limit_reached_body_and_headers() {
    let (mock, acc) = start().await;
    mock.inject_fault(
        FaultRule::always(FaultKind::UsageLimitReached {
            resets_in_seconds: 120,
        })
        .for_account(&acc.account_id),
    );
    let r = post(&mock, &acc.access_token, &body("x")).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-codex-primary-window-minutes"], "300");
    let v: Value = r.json().await.unwrap();
    let e = &v["error"];
    assert_eq!(e["type"], "usage_limit_reached");
    assert_eq!(e["plan_type"], "plus");
    assert_eq!(e["resets_in_seconds"], 120);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let resets_at = e["resets_at"].as_u64().unwrap();
    assert!(resets_at >= now + 110 && resets_at <= now + 130);
    // Until cleared: still failing; another account unaffected.
    assert_eq!(answer(&mock, &acc).await.0, 429);
    let other = mock.seed_accounts(1).remove(0);
    assert_eq!(answer(&mock, &other).await.0, 200);
    mock.clear_faults(Some(&acc.account_id));
    assert_eq!(answer(&mock, &acc).await.0, 200);
}

#[tokio::test]
async fn in_band_failures() {
    let (mock, acc) = start().await;
    mock.inject_fault(
        FaultRule::always(FaultKind::ResponseFailed {
            code: "server_is_overloaded".into(),
            message: None,
        })
        .times(1),
    );
    let (s, text) = answer(&mock, &acc).await;
    assert_eq!(s, 200);
    let ev = parse_sse(&text);
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.failed"
        ]
    );
    assert_eq!(ev[2]["response"]["status"], "failed");
    assert_eq!(ev[2]["response"]["error"]["code"], "server_is_overloaded");

    mock.inject_fault(
        FaultRule::always(FaultKind::ResponseIncomplete {
            reason: "max_output_tokens".into(),
        })
        .times(1),
    );
    let ev = parse_sse(&answer(&mock, &acc).await.1);
    let last = ev.last().unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    assert!(last["response"]["usage"]["output_tokens"]
        .as_u64()
        .is_some());
    assert!(!types(&ev).contains(&"response.completed"));
}

#[tokio::test]
async fn drop_mid_stream_cuts_without_terminal() {
    let (mock, acc) = start().await;
    mock.inject_fault(FaultRule::always(FaultKind::DropMidStream { after_deltas: 2 }).times(1));
    let mut r = post(
        &mock,
        &acc.access_token,
        &body("a long enough message to split"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let mut got = Vec::new();
    let failed = loop {
        match r.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(failed, "the connection is aborted, not closed cleanly");
    let text = String::from_utf8(got).unwrap();
    let ev = parse_sse(&text);
    assert_eq!(
        ev.iter()
            .filter(|e| e["type"] == "response.output_text.delta")
            .count(),
        2
    );
    assert!(!text.contains("response.completed"));
}

#[tokio::test]
async fn slow_first_byte_then_normal_answer() {
    let (mock, acc) = start().await;
    mock.inject_fault(FaultRule::always(FaultKind::SlowFirstByte { delay_ms: 300 }).times(1));
    let fast = client()
        .post(format!("{}/responses", mock.upstream_base_url()))
        .bearer_auth(&acc.access_token)
        .json(&body("x"))
        .timeout(Duration::from_millis(50))
        .send()
        .await;
    assert!(
        fast.unwrap_err().is_timeout(),
        "no headers before the delay"
    );
    mock.inject_fault(FaultRule::always(FaultKind::SlowFirstByte { delay_ms: 50 }).times(1));
    let (s, text) = answer(&mock, &acc).await;
    assert_eq!(s, 200);
    assert!(text.contains("response.completed"));
}

#[tokio::test]
async fn hang_until_cleared_and_in_flight_counts() {
    let (mock, acc) = start().await;
    mock.inject_fault(FaultRule::always(FaultKind::Hang));
    let tasks: Vec<_> = (0..3)
        .map(|_| {
            let url = format!("{}/responses", mock.upstream_base_url());
            let token = acc.access_token.clone();
            tokio::spawn(async move {
                let r = client()
                    .post(url)
                    .bearer_auth(token)
                    .json(&body("x"))
                    .send()
                    .await
                    .unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            })
        })
        .collect();
    while mock.counters(&acc.account_id).unwrap().in_flight < 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    mock.clear_faults(None);
    for t in tasks {
        let (s, text) = t.await.unwrap();
        assert_eq!(s, 200);
        assert!(text.contains("response.completed"));
    }
    let c = mock.counters(&acc.account_id).unwrap();
    assert_eq!(c.max_in_flight, 3);
    assert_eq!(c.responses_requests, 3);
    while mock.counters(&acc.account_id).unwrap().in_flight > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn refresh_faults() {
    let (mock, acc) = start().await;
    let refresh = |rt: String| {
        let url = mock.oauth_token_url();
        async move {
            let r = client()
                .post(url)
                .json(&json!({"client_id": CODEX_CLIENT_ID, "grant_type": "refresh_token", "refresh_token": rt}))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    mock.inject_fault(FaultRule::always(FaultKind::RefreshServerError).times(1));
    let (s, v) = refresh(acc.refresh_token.clone()).await;
    assert_eq!((s, v["error"].as_str()), (500, Some("temporary-failure")));
    mock.inject_fault(FaultRule::always(FaultKind::RefreshRateLimited).times(1));
    assert_eq!(refresh(acc.refresh_token.clone()).await.0, 429);
    mock.inject_fault(
        FaultRule::always(FaultKind::RefreshInvalidGrant)
            .for_account(&acc.account_id)
            .times(1),
    );
    let (s, v) = refresh(acc.refresh_token.clone()).await;
    assert_eq!((s, v["error"].as_str()), (400, Some("invalid_grant")));
    // Faults did not consume the token, and refresh faults leave /responses alone.
    assert_eq!(refresh(acc.refresh_token.clone()).await.0, 200);
    mock.inject_fault(FaultRule::always(FaultKind::RefreshServerError));
    assert_eq!(answer(&mock, &acc).await.0, 200);
}

#[tokio::test]
async fn faults_over_the_control_api() {
    let (mock, acc) = start().await;
    let ctl = mock.control_url();
    let v: Value = client()
        .post(format!("{ctl}/faults"))
        .json(&json!({"fault": {"kind": "overloaded"}, "account_id": acc.account_id, "times": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["id"].as_u64().is_some());
    let list: Value = client()
        .get(format!("{ctl}/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["faults"][0]["rule"]["fault"]["kind"], "overloaded");
    assert_eq!(answer(&mock, &acc).await.0, 503);
    client()
        .delete(format!("{ctl}/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(&mock, &acc).await.0, 200);
    assert!(mock.faults().is_empty());
}
