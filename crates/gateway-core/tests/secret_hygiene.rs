//! No token, key or secret in any log line or admin response. A full scenario runs against the
//! real `switchyard-server` at trace level — imports, refreshes, a dead token, a login, edits,
//! batches, errors — then every log line and every admin response body is scanned for each
//! secret seen on the wire: whole, partial and JSON-escaped. The explicit `auth.json` export
//! is the one place a token may appear.
#![cfg(test)]

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mock_upstream::{FaultKind, FaultRule, MockConfig, MockUpstream};
use serde_json::{json, Value};

const SECRET: &str = "hygiene-admin-secret-9f2c";

struct Client {
    http: reqwest::Client,
    base: String,
    bodies: Vec<String>,
}

impl Client {
    async fn call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(SECRET);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let text = req.send().await.unwrap().text().await.unwrap();
        self.bodies.push(text.clone());
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// Fragments that would betray a secret: the whole value, three 16-character windows, and
/// the JSON-escaped forms.
fn needles(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_owned()];
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() > 24 {
        let window = |from: usize| chars[from..from + 16].iter().collect::<String>();
        // JWTs share their header; windows come from the unique payload and signature.
        let mid = chars.len() / 2;
        out.extend([window(mid - 8), window(chars.len() - 16)]);
        if !secret.starts_with("eyJ") {
            out.push(window(0));
        }
    }
    let escaped: Vec<String> = out
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    out.extend(
        escaped
            .iter()
            .map(|e| e.trim_matches('"').replace('/', "\\/")),
    );
    out
}

#[tokio::test]
async fn no_secret_reaches_logs_or_admin_responses() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let seeded = mock.seed_accounts(3);
    let login_account = mock.seed_account(None);
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchyard-server"))
        .current_dir(dir.path())
        .arg("--port")
        .arg(port.to_string())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("SWITCHYARD_SECRET_KEY")
        .env("ADMIN_SECRET", SECRET)
        .env("CODEX_UPSTREAM_BASE_URL", mock.upstream_base_url())
        .env("CODEX_OAUTH_TOKEN_URL", mock.oauth_token_url())
        .env("RUST_LOG", "trace")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut c = Client {
        http: reqwest::Client::new(),
        base,
        bodies: Vec::new(),
    };
    use reqwest::Method as M;

    let rts: Vec<&str> = seeded.iter().map(|s| s.refresh_token.as_str()).collect();
    c.call(
        M::POST,
        "/api/admin/accounts",
        Some(json!({"refresh_token": rts[..2].join("\n")})),
    )
    .await;
    c.call(
        M::POST,
        "/api/admin/accounts/at",
        Some(json!({"access_token": seeded[2].access_token})),
    )
    .await;
    // Error paths: a replayed (rotated) token, garbage, a token with a space, a bad body.
    c.call(
        M::POST,
        "/api/admin/accounts",
        Some(json!({"refresh_token": rts[0]})),
    )
    .await;
    c.call(
        M::POST,
        "/api/admin/accounts",
        Some(json!({"refresh_token": format!("{} trailing", rts[2])})),
    )
    .await;
    c.call(
        M::POST,
        "/api/admin/accounts/at",
        Some(json!({"access_token": "eyJ.not-a.jwt"})),
    )
    .await;
    c.call(
        M::PATCH,
        "/api/admin/accounts/1",
        Some(json!({"proxy_url": "http://user:proxy-pass-77@127.0.0.1:9"})),
    )
    .await;
    let list = c.call(M::GET, "/api/admin/accounts", None).await;
    let ids: Vec<i64> = list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    for id in &ids {
        c.call(M::POST, &format!("/api/admin/accounts/{id}/refresh"), None)
            .await;
        c.call(M::GET, &format!("/api/admin/accounts/{id}"), None)
            .await;
    }
    mock.inject_fault(
        FaultRule::always(FaultKind::RefreshServerError)
            .for_account(&seeded[1].account_id)
            .times(3),
    );
    c.call(
        M::POST,
        "/api/admin/accounts/batch-refresh",
        Some(json!({"ids": ids})),
    )
    .await;
    mock.inject_fault(
        FaultRule::always(FaultKind::RefreshInvalidGrant).for_account(&seeded[1].account_id),
    );
    c.call(
        M::POST,
        "/api/admin/accounts/batch-refresh",
        Some(json!({"ids": ids})),
    )
    .await;
    let started = c
        .call(
            M::POST,
            "/api/admin/oauth/generate-auth-url",
            Some(json!({"listen": false})),
        )
        .await;
    let q: std::collections::HashMap<String, String> =
        url::Url::parse(started["auth_url"].as_str().unwrap())
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
    let code = mock
        .mint_authorization_code(&login_account.account_id, &q["code_challenge"], None)
        .unwrap();
    let callback = format!(
        "http://localhost:1455/auth/callback?code={code}&state={}",
        q["state"]
    );
    let session = started["session_id"].clone();
    c.call(
        M::POST,
        "/api/admin/oauth/exchange-code",
        Some(json!({"session_id": session, "callback_url": callback})),
    )
    .await;
    c.call(
        M::POST,
        "/api/admin/oauth/exchange-code",
        Some(json!({"session_id": session, "code": "wrong-code-123"})),
    )
    .await;
    c.call(M::GET, "/api/admin/accounts", None).await;
    c.call(M::GET, "/api/admin/bootstrap-status", None).await;
    let export = c
        .http
        .get(format!(
            "{}/api/admin/accounts/{}/auth-json",
            c.base, ids[0]
        ))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(
        export.status(),
        200,
        "the export is the one place a token leaves"
    );
    let exported = export.text().await.unwrap();
    c.http
        .get(format!("{}/api/admin/accounts", c.base))
        .header("x-admin-key", "wrong-admin-key-4411")
        .send()
        .await
        .unwrap();

    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();

    // Every secret that crossed the wire: refresh tokens sent to the token endpoint (rotated
    // ones included), access tokens presented upstream, tokens the mock issued, the PKCE
    // verifier and code, the admin secret, the proxy password.
    let mut secrets: Vec<String> = vec![
        SECRET.into(),
        "proxy-pass-77".into(),
        code.clone(),
        "wrong-admin-key-4411".into(),
    ];
    for s in seeded.iter().chain([&login_account]) {
        secrets.extend([
            s.refresh_token.clone(),
            s.access_token.clone(),
            s.id_token.clone(),
        ]);
    }
    for entry in mock.request_log() {
        if let Some(body) = &entry.body {
            for field in ["refresh_token", "code_verifier", "code"] {
                if let Some(v) = body.get(field).and_then(Value::as_str) {
                    secrets.push(v.to_owned());
                }
            }
        }
        if let Some(auth) = entry.header("authorization") {
            secrets.push(auth.trim_start_matches("Bearer ").to_owned());
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() > 12,
        "the scenario must have produced secrets to look for"
    );
    // The scan can see a token where one really is: the export holds the live ones.
    assert!(secrets
        .iter()
        .any(|s| needles(s).iter().any(|n| exported.contains(n))));
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.lines().count() > 50,
        "trace logging must be on ({} lines)",
        logs.lines().count()
    );
    for secret in &secrets {
        for needle in needles(secret) {
            let in_log = logs.lines().find(|l| l.contains(&needle));
            assert!(
                in_log.is_none(),
                "a secret fragment is in the log: {:?}",
                in_log.map(|l| &l[..l.len().min(300)])
            );
            for body in &c.bodies {
                assert!(
                    !body.contains(&needle),
                    "a secret fragment is in an admin response: {body}"
                );
            }
        }
    }
}
