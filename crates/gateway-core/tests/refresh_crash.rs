//! Durability of rotated refresh tokens across crashes, with the real `switchyard-server`
//! binary: fail points on both sides of the durable write, and a refresh storm interrupted by
//! SIGKILL twenty times. A token can only be lost between the token endpoint's answer and the
//! write; when that happens the account must say so (`reauth_required`), never fail silently.
#![cfg(test)]

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mock_upstream::{MockConfig, MockUpstream};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_switchyard-server");
const SECRET: &str = "crash-test-admin-secret";

struct Server {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(dir: &Path, mock: &MockUpstream, failpoints: &str) -> Server {
    let port = free_port();
    let child = Command::new(BIN)
        .current_dir(dir)
        .arg("--port")
        .arg(port.to_string())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL")
        .env_remove("SWITCHYARD_SECRET_KEY")
        .env("ADMIN_SECRET", SECRET)
        .env("CODEX_UPSTREAM_BASE_URL", mock.upstream_base_url())
        .env("CODEX_OAUTH_TOKEN_URL", mock.oauth_token_url())
        .env("SWITCHYARD_TEST_FAILPOINTS", failpoints)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(format!("{base}/health")).await.is_err() {
        assert!(Instant::now() < deadline, "server did not come up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Server { child, base }
}

impl Server {
    async fn post(&self, path: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
        let r = reqwest::Client::new()
            .post(format!("{}/api/admin{path}", self.base))
            .bearer_auth(SECRET)
            .json(&body)
            .send()
            .await?;
        Ok((r.status().as_u16(), r.json().await.unwrap_or(Value::Null)))
    }
    async fn accounts(&self) -> Vec<Value> {
        let r = reqwest::Client::new()
            .get(format!("{}/api/admin/accounts?page_size=500", self.base))
            .bearer_auth(SECRET)
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["accounts"]
            .as_array()
            .unwrap()
            .clone()
    }
    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
    /// Waits for the process to die by itself (an armed fail point aborts it).
    fn wait_for_abort(mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the fail point did not fire");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn seeded_server(
    dir: &Path,
    mock: &MockUpstream,
    n: usize,
) -> (Server, Vec<mock_upstream::SeededAccount>) {
    let seeded = mock.seed_accounts(n);
    let server = start(dir, mock, "").await;
    let tokens: Vec<&str> = seeded.iter().map(|s| s.refresh_token.as_str()).collect();
    let (status, summary) = server
        .post("/accounts", json!({"refresh_token": tokens.join("\n")}))
        .await
        .unwrap();
    assert_eq!(
        (status, summary["added"].as_u64()),
        (200, Some(n as u64)),
        "{summary}"
    );
    (server, seeded)
}

#[tokio::test]
async fn killed_just_after_the_write_the_rotated_token_is_kept() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (server, seeded) = seeded_server(dir.path(), &mock, 1).await;
    let id = server.accounts().await[0]["id"].as_i64().unwrap();
    server.kill();

    let armed = start(dir.path(), &mock, "refresh_after_write").await;
    assert!(
        armed
            .post(&format!("/accounts/{id}/refresh"), json!({}))
            .await
            .is_err(),
        "the process must abort"
    );
    armed.wait_for_abort();
    assert_eq!(mock.refresh_count(&seeded[0].account_id), 2);

    let server = start(dir.path(), &mock, "").await;
    let (status, body) = server
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["status"], "ready");
    assert_eq!(mock.refresh_reuse_count(&seeded[0].account_id), 0);
    server.kill();
}

#[tokio::test]
async fn killed_just_before_the_write_the_account_says_reauth_required() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (server, seeded) = seeded_server(dir.path(), &mock, 1).await;
    let id = server.accounts().await[0]["id"].as_i64().unwrap();
    server.kill();

    let armed = start(dir.path(), &mock, "refresh_before_write").await;
    assert!(armed
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await
        .is_err());
    armed.wait_for_abort();

    let server = start(dir.path(), &mock, "").await;
    let (status, _) = server
        .post(&format!("/accounts/{id}/refresh"), json!({}))
        .await
        .unwrap();
    assert_eq!(status, 502);
    let account = server.accounts().await.remove(0);
    assert_eq!(account["status"], "reauth_required");
    assert_eq!(account["status_reason"], "refresh_token_reused");
    assert_eq!(
        mock.refresh_reuse_count(&seeded[0].account_id),
        1,
        "exactly one replay, then never again"
    );
    server.kill();
}

#[tokio::test]
async fn a_refresh_storm_killed_twenty_times_never_fails_silently() {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (server, seeded) = seeded_server(dir.path(), &mock, 6).await;
    let ids: Vec<i64> = server
        .accounts()
        .await
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    server.kill();
    for round in 0..20u64 {
        let server = start(dir.path(), &mock, "").await;
        let base = server.base.clone();
        let ids = ids.clone();
        let storm = tokio::spawn(async move {
            let http = reqwest::Client::new();
            loop {
                let r = http
                    .post(format!("{base}/api/admin/accounts/batch-refresh"))
                    .bearer_auth(SECRET)
                    .json(&json!({"ids": ids}))
                    .send()
                    .await;
                if r.is_err() {
                    return;
                }
            }
        });
        // Pseudo-random moments, spread over the storm.
        let delay = 15 + (round * 7919 + 13) % 120;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        let _ = storm.await;
    }
    let server = start(dir.path(), &mock, "").await;
    let accounts = server.accounts().await;
    let mut lost = 0;
    for (id, who) in ids.iter().zip(&seeded) {
        let account_id =
            accounts.iter().find(|a| a["id"] == *id).unwrap()["chatgpt_account_id"].clone();
        let who = seeded
            .iter()
            .find(|s| account_id == s.account_id.as_str())
            .unwrap_or(who);
        let (status, body) = server
            .post(&format!("/accounts/{id}/refresh"), json!({}))
            .await
            .unwrap();
        if status == 200 {
            assert_eq!(
                mock.refresh_reuse_count(&who.account_id),
                0,
                "a kept account never replayed a token"
            );
            continue;
        }
        // Only the crash window can lose a token, and then the account must say so.
        let account = server
            .accounts()
            .await
            .into_iter()
            .find(|a| a["id"] == *id)
            .unwrap();
        assert_eq!(
            account["status"], "reauth_required",
            "silent failure for {id}: {body}"
        );
        assert_eq!(account["status_reason"], "refresh_token_reused");
        assert!(mock.refresh_reuse_count(&who.account_id) >= 1);
        lost += 1;
    }
    let exchanges: u64 = seeded
        .iter()
        .map(|s| mock.refresh_count(&s.account_id))
        .sum();
    eprintln!(
        "storm: {exchanges} token exchanges over 20 kills; {lost} of {} accounts caught in the \
         window between the token endpoint's answer and the durable write",
        ids.len()
    );
    // The storm must really have refreshed: more than one exchange per account. (Fewer than
    // one per kill is normal on a loaded machine: an account caught in the window early takes
    // no further part.)
    assert!(
        exchanges > ids.len() as u64,
        "the storm must actually refresh ({exchanges} exchanges)"
    );
    server.kill();
}
