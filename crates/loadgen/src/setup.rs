//! Preparing the servers through their own APIs: wait for `/health`, import the mock's
//! accounts and write the runtime settings through the admin API, create a client API key
//! (so every measured request pays for real authentication), and set the mock's pacing.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

use crate::http::{Call, Pool};

/// One account line of `mock-upstream`'s stdout.
#[derive(Debug, Clone)]
pub struct MockAccount {
    pub account_id: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// The account lines of a saved `mock-upstream` stdout (the ready line is skipped).
pub fn read_mock_accounts(path: &str) -> Result<Vec<MockAccount>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let accounts: Vec<MockAccount> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|v| {
            let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
            Some(MockAccount {
                account_id: field("account_id")?,
                access_token: field("access_token")?,
                refresh_token: field("refresh_token")?,
            })
        })
        .collect();
    if accounts.is_empty() {
        return Err(format!("{path}: no account lines"));
    }
    Ok(accounts)
}

fn request(method: Method, path: &str, headers: &[(&str, &str)], body: Option<&Value>) -> Call {
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    if body.is_some() {
        all.push(("content-type".into(), "application/json".into()));
    }
    Call {
        method,
        path: path.to_owned(),
        headers: all,
        body: body.map_or_else(Bytes::new, |b| Bytes::from(b.to_string())),
        terminal: b"",
    }
}

/// Polls `GET /health` until it answers 200; returns how long that took.
pub async fn wait_healthy(addr: SocketAddr, timeout: Duration) -> Result<Duration, String> {
    let pool = Pool::new(addr);
    let call = request(Method::GET, "/health", &[], None);
    let start = Instant::now();
    loop {
        if let Ok((200, _)) = pool.fetch(&call).await {
            return Ok(start.elapsed());
        }
        if start.elapsed() > timeout {
            return Err(format!(
                "{addr}: /health did not answer 200 within {timeout:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

pub(crate) async fn admin(
    pool: &Pool,
    secret: &str,
    method: Method,
    path: &str,
    body: &Value,
) -> Result<Value, String> {
    let full = format!("/api/admin{path}");
    let call = request(method, &full, &[("x-admin-key", secret)], Some(body));
    let (status, bytes) = pool.fetch(&call).await?;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        Ok(value)
    } else {
        Err(format!("{full}: HTTP {status}: {value}"))
    }
}

/// What the gateway was prepared with.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub api_key: String,
    pub settings: Value,
}

/// Imports the accounts, writes the settings and creates one API key.
pub async fn prepare_gateway(
    addr: SocketAddr,
    secret: &str,
    accounts: &[MockAccount],
    settings: &Value,
) -> Result<Prepared, String> {
    let pool = Pool::new(addr);
    let tokens: Vec<&str> = accounts.iter().map(|a| a.refresh_token.as_str()).collect();
    admin(
        &pool,
        secret,
        Method::POST,
        "/accounts",
        &json!({"refresh_token": tokens.join("\n")}),
    )
    .await?;
    let written = admin(&pool, secret, Method::PUT, "/settings", settings).await?;
    let created = admin(
        &pool,
        secret,
        Method::POST,
        "/keys",
        &json!({"name": "loadgen"}),
    )
    .await?;
    let api_key = created
        .get("key")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("POST /api/admin/keys: no key in {created}"))?
        .to_owned();
    let mut applied = serde_json::Map::new();
    if let Some(map) = settings.as_object() {
        for key in map.keys() {
            let value = written
                .get("settings")
                .and_then(|s| s.get(key))
                .cloned()
                .unwrap_or(Value::Null);
            applied.insert(key.clone(), value);
        }
    }
    Ok(Prepared {
        api_key,
        settings: Value::Object(applied),
    })
}

/// Sets the mock's default delay between deltas (`POST /__control/delay`).
pub async fn set_mock_delay(addr: SocketAddr, delta_delay_ms: u64) -> Result<(), String> {
    let pool = Pool::new(addr);
    let call = request(
        Method::POST,
        "/__control/delay",
        &[],
        Some(&json!({"delta_delay_ms": delta_delay_ms})),
    );
    match pool.fetch(&call).await? {
        (200, _) => Ok(()),
        (status, body) => Err(format!(
            "/__control/delay: HTTP {status}: {}",
            String::from_utf8_lossy(&body)
        )),
    }
}
