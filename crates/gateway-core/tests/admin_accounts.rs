//! The accounts admin API against `mock-upstream`: admin authentication and bootstrap,
//! imports in every shape with de-duplication, edits, refresh, export, batch progress, and
//! the promise that no token ever appears in an admin response.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use mock_upstream::{FaultKind, FaultRule, MockConfig, MockUpstream};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SECRET: &str = "test-admin-secret-123";

struct Admin {
    http: reqwest::Client,
    base: String,
}

impl Admin {
    fn url(&self, path: &str) -> String {
        format!("{}/api/admin{path}", self.base)
    }
    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self
            .http
            .get(self.url(path))
            .header("x-admin-key", SECRET)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
    async fn send(&self, method: reqwest::Method, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .http
            .request(method, self.url(path))
            .bearer_auth(SECRET)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }
}

async fn setup() -> (common::TestGateway, MockUpstream, Admin) {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let (up, oauth) = (mock.upstream_base_url(), mock.oauth_token_url());
    let gw = common::start(move |c| {
        c.admin_secret = Some(gateway_core::secrets::SecretString::new(SECRET));
        c.upstream_base_url = up;
        c.oauth_token_url = oauth;
    })
    .await;
    let admin = Admin {
        http: reqwest::Client::new(),
        base: gw.base_url.clone(),
    };
    (gw, mock, admin)
}

#[tokio::test]
async fn bootstrap_then_authenticated_access() {
    let gw = common::start(|_| {}).await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}/api/admin{p}", gw.base_url);
    let r = http.get(url("/accounts")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(
        r.json::<Value>().await.unwrap()["code"],
        "bootstrap_required"
    );
    let status: Value = http
        .get(url("/bootstrap-status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        status,
        json!({"bootstrapped": false, "admin_auth_source": "none", "can_bootstrap": true})
    );
    let short = http
        .post(url("/bootstrap"))
        .json(&json!({"admin_secret": "short"}))
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 400);
    let bad = http
        .post(url("/bootstrap"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "invalid_body");
    let ok = http
        .post(url("/bootstrap"))
        .json(&json!({"admin_secret": SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let again = http
        .post(url("/bootstrap"))
        .json(&json!({"admin_secret": "another-secret-456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let wrong = http
        .get(url("/accounts"))
        .header("x-admin-key", "nope")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["code"],
        "invalid_admin_key"
    );
    for req in [
        http.get(url("/accounts")).header("x-admin-key", SECRET),
        http.get(url("/accounts")).bearer_auth(SECRET),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["total"], 0);
    }
    gw.stop().await;
}

#[tokio::test]
async fn import_refresh_tokens_learns_identity_and_deduplicates() {
    let (gw, mock, admin) = setup().await;
    let seeded = mock.seed_accounts(3);
    let tokens: Vec<&str> = seeded.iter().map(|s| s.refresh_token.as_str()).collect();
    let (status, summary) = admin
        .post("/accounts", json!({"refresh_token": tokens.join("\n")}))
        .await;
    assert_eq!(status, 200, "{summary}");
    assert_eq!(
        (summary["added"].as_u64(), summary["failed"].as_u64()),
        (Some(3), Some(0)),
        "{summary}"
    );
    for s in &seeded {
        assert_eq!(
            mock.refresh_count(&s.account_id),
            1,
            "one exchange per imported token"
        );
    }
    let (_, list) = admin.get("/accounts").await;
    assert_eq!(list["total"], 3);
    let emails: Vec<&str> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    for s in &seeded {
        assert!(emails.contains(&s.email.as_str()), "{emails:?}");
    }
    assert!(list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["status"] == "ready" && a["credential_kind"] == "refresh_token"));

    // The same account again (a fresh login elsewhere) updates instead of duplicating.
    let newer = mock.issue_tokens(&seeded[0].account_id).unwrap();
    let (_, again) = admin
        .post("/accounts", json!({"refresh_token": newer.refresh_token}))
        .await;
    assert_eq!(
        (again["added"].as_u64(), again["updated"].as_u64()),
        (Some(0), Some(1)),
        "{again}"
    );
    assert_eq!(admin.get("/accounts").await.1["total"], 3);

    // The token we imported first was rotated at import: presenting it again fails plainly.
    let (status, stale) = admin
        .post("/accounts", json!({"refresh_token": tokens[1]}))
        .await;
    assert_eq!(status, 400);
    let err = stale["results"][0]["error"].as_str().unwrap();
    assert!(err.contains("refresh_token_reused"), "{err}");
    gw.stop().await;
}

#[tokio::test]
async fn access_token_import_and_file_import_report_per_line() {
    let (gw, mock, admin) = setup().await;
    let seeded = mock.seed_accounts(2);
    let (_, at) = admin
        .post(
            "/accounts/at",
            json!({"access_token": seeded[0].access_token}),
        )
        .await;
    assert_eq!(at["added"], 1, "{at}");
    let (_, list) = admin.get("/accounts").await;
    assert_eq!(list["accounts"][0]["credential_kind"], "access_token");
    assert_eq!(
        mock.refresh_count(&seeded[0].account_id),
        0,
        "access tokens are never refreshed"
    );

    let file = format!(
        "\u{feff}# exported\n{}\n\nnot-a-token with spaces\n{}\n",
        seeded[1].refresh_token, seeded[1].refresh_token
    );
    let form = reqwest::multipart::Form::new().text("format", "txt").part(
        "file",
        reqwest::multipart::Part::bytes(file.into_bytes()).file_name("tokens.txt"),
    );
    let r = admin
        .http
        .post(admin.url("/accounts/import"))
        .bearer_auth(SECRET)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let summary: Value = r.json().await.unwrap();
    assert_eq!(summary["added"], 1, "{summary}");
    assert_eq!(summary["duplicate"], 1, "{summary}");
    assert_eq!(summary["failed"], 1, "{summary}");
    let failed: Vec<&Value> = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "failed")
        .collect();
    assert_eq!(failed[0]["position"], 4, "{summary}");

    let before = admin.get("/accounts").await.1["total"].clone();
    let broken = reqwest::multipart::Form::new().text("format", "json").part(
        "file",
        reqwest::multipart::Part::bytes(b"{\"accounts\": [".to_vec()).file_name("x.json"),
    );
    let r = admin
        .http
        .post(admin.url("/accounts/import"))
        .bearer_auth(SECRET)
        .multipart(broken)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unparseable_file");
    assert!(
        body["error"].as_str().unwrap().starts_with("x.json: "),
        "{body}"
    );
    assert_eq!(
        admin.get("/accounts").await.1["total"],
        before,
        "nothing written"
    );
    gw.stop().await;
}

#[tokio::test]
async fn edits_refresh_export_and_batches() {
    let (gw, mock, admin) = setup().await;
    let seeded = mock.seed_accounts(2);
    let joined = format!("{}\n{}", seeded[0].refresh_token, seeded[1].refresh_token);
    admin
        .post("/accounts", json!({"refresh_token": joined}))
        .await;
    let (_, list) = admin.get("/accounts?page=1&page_size=1").await;
    assert_eq!(
        (
            list["total"].as_i64(),
            list["accounts"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let id = list["accounts"][0]["id"].as_i64().unwrap();
    let account_id = list["accounts"][0]["chatgpt_account_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (s, patched) = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/accounts/{id}"),
            json!({"name": "primary", "note": "main"}),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(patched["account"]["name"], "primary");
    let (s, bad) = admin
        .send(
            reqwest::Method::PATCH,
            &format!("/accounts/{id}"),
            json!({"bogus": 1}),
        )
        .await;
    assert_eq!(
        (s, bad["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_body"))
    );
    let (_, paused) = admin
        .post(&format!("/accounts/{id}/pause"), json!({}))
        .await;
    assert_eq!(paused["account"]["status"], "paused");
    let (_, resumed) = admin
        .post(&format!("/accounts/{id}/resume"), json!({}))
        .await;
    assert_eq!(resumed["account"]["status"], "ready");
    let (_, disabled) = admin
        .post(&format!("/accounts/{id}/enable"), json!({"enabled": false}))
        .await;
    assert_eq!(disabled["account"]["status"], "disabled");
    admin
        .post(&format!("/accounts/{id}/enable"), json!({}))
        .await;

    let generation = patched["account"]["credential_generation"]
        .as_i64()
        .unwrap();
    let (s, refreshed) = admin
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await;
    assert_eq!(s, 200, "{refreshed}");
    assert_eq!(
        refreshed["account"]["credential_generation"]
            .as_i64()
            .unwrap(),
        generation + 1
    );
    assert_eq!(mock.refresh_count(&account_id), 2);
    assert_eq!(mock.refresh_reuse_count(&account_id), 0);

    let (s, exported) = admin.get(&format!("/accounts/{id}/auth-json")).await;
    assert_eq!(s, 200);
    let rt = exported["tokens"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(exported["tokens"]["account_id"], account_id.as_str());
    // The exported token is the live one: the mock accepts it exactly once more.
    assert!(mock.issue_tokens(&account_id).is_some());
    assert!(
        !admin.get("/accounts").await.1.to_string().contains(&rt),
        "list must not leak tokens"
    );
    assert!(!admin
        .get(&format!("/accounts/{id}"))
        .await
        .1
        .to_string()
        .contains(&rt));

    let r = admin
        .http
        .post(admin.url("/accounts/batch-update?stream=true"))
        .bearer_auth(SECRET)
        .json(&json!({"ids": [id, 999_999], "paused": true}))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let text = r.text().await.unwrap();
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["start", "progress", "progress", "complete"]);
    assert_eq!(
        (events[3]["success"].as_u64(), events[3]["failed"].as_u64()),
        (Some(1), Some(1))
    );

    let (s, done) = admin
        .post("/accounts/batch-delete", json!({"ids": [id]}))
        .await;
    assert_eq!((s, done["success"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(admin.get(&format!("/accounts/{id}")).await.0, 404);
    assert_eq!(admin.get("/accounts").await.1["total"], 1);
    gw.stop().await;
}

#[tokio::test]
async fn a_dead_refresh_token_becomes_reauth_required_and_is_not_retried() {
    let (gw, mock, admin) = setup().await;
    let seeded = mock.seed_accounts(1).remove(0);
    admin
        .post("/accounts", json!({"refresh_token": seeded.refresh_token}))
        .await;
    let id = admin.get("/accounts").await.1["accounts"][0]["id"]
        .as_i64()
        .unwrap();
    mock.inject_fault(
        FaultRule::always(FaultKind::RefreshInvalidGrant).for_account(&seeded.account_id),
    );
    let (s, body) = admin
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("refresh_failed")),
        "{body}"
    );
    let (_, got) = admin.get(&format!("/accounts/{id}")).await;
    assert_eq!(got["account"]["status"], "reauth_required");
    assert_eq!(got["account"]["status_reason"], "refresh_token_revoked");
    assert!(got["events"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "reauth_required"));
    let exchanges = mock.refresh_count(&seeded.account_id);
    let (s, _) = admin
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await;
    assert_eq!(s, StatusCode::BAD_GATEWAY);
    assert_eq!(
        mock.refresh_count(&seeded.account_id),
        exchanges,
        "a dead token is never sent again"
    );
    gw.stop().await;
}

fn sse_json(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[tokio::test]
async fn account_test_runs_a_real_request_and_reports_each_step() {
    let (gw, mock, admin) = setup().await;
    let seeded = mock.seed_accounts(2);
    let joined = format!("{}\n{}", seeded[0].refresh_token, seeded[1].refresh_token);
    admin
        .post("/accounts", json!({"refresh_token": joined}))
        .await;
    let accounts = admin.get("/accounts").await.1["accounts"]
        .as_array()
        .unwrap()
        .clone();
    let id_of = |acct: &str| {
        accounts
            .iter()
            .find(|a| a["chatgpt_account_id"] == acct)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (good, bad) = (id_of(&seeded[0].account_id), id_of(&seeded[1].account_id));

    let r = admin
        .http
        .get(admin.url(&format!("/accounts/{good}/test")))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = sse_json(&r.text().await.unwrap());
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"start"));
    assert!(kinds.contains(&"delta"), "{kinds:?}");
    let done = events.last().unwrap();
    assert_eq!(
        (done["type"].as_str(), done["ok"].as_bool()),
        (Some("complete"), Some(true)),
        "{done}"
    );
    assert_eq!(
        done["text"], "Echo: hi — café 🦀",
        "the test sends the test_content setting"
    );
    assert!(done["input_tokens"].as_u64().unwrap() > 0);
    let sent = mock
        .request_log()
        .into_iter()
        .rev()
        .find(|e| e.path.ends_with("/responses"))
        .unwrap();
    assert_eq!(
        sent.account_id.as_deref(),
        Some(seeded[0].account_id.as_str()),
        "pinned to the tested account"
    );

    mock.inject_fault(
        FaultRule::always(FaultKind::InternalError).for_account(&seeded[1].account_id),
    );
    let r = admin
        .http
        .get(admin.url(&format!("/accounts/{bad}/test?stream=false")))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    let failed: Value = r.json().await.unwrap();
    assert_eq!(
        (failed["ok"].as_bool(), failed["status"].as_u64()),
        (Some(false), Some(500)),
        "{failed}"
    );

    let (s, batch) = admin
        .post("/accounts/batch-test", json!({"ids": [good, bad]}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        (
            batch["action"].as_str(),
            batch["success"].as_u64(),
            batch["failed"].as_u64()
        ),
        (Some("test"), Some(1), Some(1)),
        "{batch}"
    );
    assert_eq!(admin.get("/accounts/999999/test").await.0, 404);
    gw.stop().await;
}

#[tokio::test]
async fn quota_windows_come_from_headers_and_from_the_usage_probe() {
    let (gw, mock, admin) = setup().await;
    let who = mock.seed_accounts(1).remove(0);
    admin
        .post("/accounts", json!({"refresh_token": who.refresh_token}))
        .await;
    let id = admin.get("/accounts").await.1["accounts"][0]["id"]
        .as_i64()
        .unwrap();
    let update = mock_upstream::RateLimitUpdate {
        primary_used_percent: Some(42.0),
        secondary_used_percent: Some(7.0),
        ..Default::default()
    };
    mock.set_rate_limits(Some(&who.account_id), &update);

    // The probe reads wham/usage without spending quota.
    let (s, probed) = admin
        .post(&format!("/accounts/{id}/usage/refresh"), json!({}))
        .await;
    assert_eq!(s, 200, "{probed}");
    let window = |v: &Value, w: &str| {
        v["quota"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["window"] == w)
            .cloned()
            .unwrap()
    };
    assert_eq!(window(&probed, "5h")["used_percent"], 42.0, "{probed}");
    assert_eq!(window(&probed, "7d")["used_percent"], 7.0, "{probed}");
    assert_eq!(
        mock.counters(&who.account_id).unwrap().responses_requests,
        0,
        "a probe is not a request"
    );

    // A real request's rate-limit headers update the same windows.
    mock.set_rate_limits(
        Some(&who.account_id),
        &mock_upstream::RateLimitUpdate {
            primary_used_percent: Some(55.0),
            ..Default::default()
        },
    );
    let r = admin
        .http
        .get(admin.url(&format!("/accounts/{id}/test?stream=false")))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["ok"], true);
    let (_, listed) = admin.get("/accounts").await;
    assert_eq!(
        window(&listed["accounts"][0], "5h")["used_percent"],
        55.0,
        "{listed}"
    );
    gw.stop().await;
}

/// A plain TCP forwarder standing in for an HTTP proxy: it counts the request bytes it sees
/// and pipes them to the mock, which understands the absolute-form requests sent to a proxy.
async fn counting_proxy(
    target: std::net::SocketAddr,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let outbound = tokio::net::TcpStream::connect(target).await.unwrap();
                let (mut in_read, mut in_write) = inbound.into_split();
                let (mut out_read, mut out_write) = outbound.into_split();
                tokio::spawn(async move { tokio::io::copy(&mut out_read, &mut in_write).await });
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = in_read.read(&mut buf).await {
                    if n == 0 || out_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    seen.fetch_add(n, std::sync::atomic::Ordering::SeqCst);
                }
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn refreshes_leave_through_the_accounts_proxy() {
    let (gw, mock, admin) = setup().await;
    let who = mock.seed_accounts(1).remove(0);
    let (proxy, connections) = counting_proxy(mock.addr()).await;
    let (_, added) = admin
        .post(
            "/accounts",
            json!({"refresh_token": who.refresh_token, "proxy_url": proxy}),
        )
        .await;
    assert_eq!(added["added"], 1, "{added}");
    let after_import = connections.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        after_import > 0,
        "the import's token exchange went through the proxy"
    );
    let id = admin.get("/accounts").await.1["accounts"][0]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = admin
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(mock.refresh_count(&who.account_id), 2);
    assert!(
        connections.load(std::sync::atomic::Ordering::SeqCst) > after_import,
        "the refresh used the proxy too"
    );
    gw.stop().await;
}
