//! The binary: account lines, a ready line with the real address, a working server, clean exit.

use std::process::Stdio;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

use crate::common::{body, client};

#[tokio::test]
async fn cli_prints_accounts_and_ready_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mock-upstream"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--accounts",
            "2",
            "--token-ttl",
            "600",
            "--delta-delay-ms",
            "0",
        ])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut accounts = Vec::new();
    let ready = loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("ready line before EOF");
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["ready"] == true {
            break v;
        }
        accounts.push(v);
    };
    assert_eq!(accounts.len(), 2);
    for a in &accounts {
        for k in ["account_id", "email", "refresh_token", "plan"] {
            assert!(a[k].is_string(), "{k}");
        }
    }
    let addr = ready["addr"].as_str().unwrap();
    assert!(!addr.ends_with(":0"));
    assert_eq!(
        ready["upstream_base_url"],
        format!("http://{addr}/backend-api/codex")
    );
    assert_eq!(
        ready["oauth_token_url"],
        format!("http://{addr}/oauth/token")
    );

    let r = client()
        .post(format!(
            "{}/responses",
            ready["upstream_base_url"].as_str().unwrap()
        ))
        .bearer_auth(accounts[0]["access_token"].as_str().unwrap())
        .json(&body("from the cli"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("response.completed"));

    let pid = child.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let status = child.wait().await.unwrap();
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
}
