//! Two `switchyard-server` processes sharing one PostgreSQL and one Redis serve and refresh
//! the same pool under load. Access tokens live barely longer than the dispatch threshold, so
//! nearly every request finds its token expiring and both processes refresh all the time:
//! the refresh lease in Redis must keep them from ever spending a refresh token twice.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mock_upstream::{MockConfig, MockUpstream};
use serde_json::{json, Value};

const SECRET: &str = "replicas-admin-secret-1";
const KEY: &str = "cmVwbGljYXMtc2hhcmUtb25lLTMyLWJ5dGUta2V5ISE=";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start(db: &str, redis: &str, mock: &MockUpstream) -> (Server, String) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_switchyard-server"))
        .current_dir(dir.path())
        .arg("--port")
        .arg(port.to_string())
        .env("DATABASE_URL", db)
        .env("REDIS_URL", redis)
        .env("SWITCHYARD_SECRET_KEY", KEY)
        .env("ADMIN_SECRET", SECRET)
        .env("CODEX_UPSTREAM_BASE_URL", mock.upstream_base_url())
        .env("CODEX_OAUTH_TOKEN_URL", mock.oauth_token_url())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "replica did not start");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    std::mem::forget(dir);
    (Server(child), base)
}

async fn admin(http: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    let r = http
        .post(format!("{base}/api/admin{path}"))
        .bearer_auth(SECRET)
        .json(&body)
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_never_spend_a_refresh_token_twice() {
    let (Some(db), Some(redis)) = (
        common::fresh_postgres("replicas").await,
        common::redis_url("replicas"),
    ) else {
        return;
    };
    // 62 s tokens: past the 60 s dispatch threshold within two seconds of every refresh.
    let mock = MockUpstream::start(MockConfig {
        access_token_ttl: Duration::from_secs(62),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let seeded = mock.seed_accounts(6);
    let (_a, base_a) = start(&db, &redis, &mock).await;
    let (_b, base_b) = start(&db, &redis, &mock).await;
    let http = reqwest::Client::new();
    let tokens: Vec<&str> = seeded.iter().map(|s| s.refresh_token.as_str()).collect();
    let summary = admin(
        &http,
        &base_a,
        "/accounts",
        json!({"refresh_token": tokens.join("\n")}),
    )
    .await;
    assert_eq!(summary["added"], 6, "{summary}");
    let key = admin(&http, &base_a, "/keys", json!({"name": "load"})).await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Replica B learns about the imported accounts from A's change notification in Redis.
    let deadline = Instant::now() + Duration::from_secs(10);
    let probe = json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "ready?"}]});
    loop {
        let r = http
            .post(format!("{base_b}/v1/chat/completions"))
            .bearer_auth(&key)
            .json(&probe)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replica B never saw the accounts A imported"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let body = json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "load"}]});
    let until = Instant::now() + Duration::from_secs(6);
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (http, key, body) = (http.clone(), key.clone(), body.clone());
        let base = if worker % 2 == 0 {
            base_a.clone()
        } else {
            base_b.clone()
        };
        tasks.push(tokio::spawn(async move {
            let mut ok = 0u32;
            while Instant::now() < until {
                let r = http
                    .post(format!("{base}/v1/chat/completions"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
                ok += 1;
            }
            ok
        }));
    }
    let mut served = 0;
    for t in tasks {
        served += t.await.unwrap();
    }
    let refreshes: u64 = seeded
        .iter()
        .map(|s| mock.refresh_count(&s.account_id))
        .sum();
    let reuse: u64 = seeded
        .iter()
        .map(|s| mock.refresh_reuse_count(&s.account_id))
        .sum();
    eprintln!("replicas: {served} requests, {refreshes} refreshes, {reuse} reuses");
    assert!(served > 50, "the load must be real ({served} requests)");
    assert!(
        refreshes > 12,
        "both replicas must have refreshed repeatedly ({refreshes})"
    );
    assert_eq!(reuse, 0, "no refresh token was ever spent twice");
}
