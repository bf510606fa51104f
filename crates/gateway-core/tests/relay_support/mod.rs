//! Shared setup for the relay tests: a mock upstream with seeded accounts, a gateway on port
//! 0 pointed at it with those accounts imported through the admin API, and one client API key.
//! Every test binary that uses it also declares `mod common;`.

use mock_upstream::{MockConfig, MockUpstream, SeededAccount};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common;

pub const ADMIN_SECRET: &str = "relay-admin-secret-123";

pub struct Relay {
    pub gw: common::TestGateway,
    pub mock: MockUpstream,
    pub http: reqwest::Client,
    pub key: String,
    pub accounts: Vec<SeededAccount>,
}

/// `n` accounts imported, one API key created.
pub async fn setup(n: usize) -> Relay {
    setup_with(n, |_| {}).await
}

pub async fn setup_with(n: usize, tweak: impl FnOnce(&mut gateway_core::config::Config)) -> Relay {
    let mock = MockUpstream::start(MockConfig::default()).await.unwrap();
    let (up, oauth) = (mock.upstream_base_url(), mock.oauth_token_url());
    let gw = common::start(move |c| {
        c.admin_secret = Some(gateway_core::secrets::SecretString::new(ADMIN_SECRET));
        c.upstream_base_url = up;
        c.oauth_token_url = oauth;
        tweak(c);
    })
    .await;
    let http = reqwest::Client::new();
    let accounts = mock.seed_accounts(n);
    let mut relay = Relay {
        gw,
        mock,
        http,
        key: String::new(),
        accounts,
    };
    if n > 0 {
        let tokens: Vec<&str> = relay
            .accounts
            .iter()
            .map(|a| a.refresh_token.as_str())
            .collect();
        let (status, body) = relay
            .admin(
                reqwest::Method::POST,
                "/accounts",
                json!({"refresh_token": tokens.join("\n")}),
            )
            .await;
        assert!(status.is_success(), "import failed: {status} {body}");
    }
    let (status, created) = relay
        .admin(reqwest::Method::POST, "/keys", json!({"name": "test"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    relay.key = created["key"].as_str().unwrap().to_owned();
    relay.mock.clear_request_log();
    relay
}

impl Relay {
    /// The usage writer flushes every second (rows and API-key usage land quickly).
    pub async fn flush_usage_every_second(&self) {
        let state = &self.gw.state;
        state
            .store()
            .put_setting("usage_log_flush_interval_seconds", "1")
            .await
            .unwrap();
        state.reload_settings().await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gw.base_url)
    }

    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method.clone(), self.url(&format!("/api/admin{path}")))
            .header("x-admin-key", ADMIN_SECRET);
        if method != reqwest::Method::GET && method != reqwest::Method::DELETE {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        (r.status(), r.json().await.unwrap_or(Value::Null))
    }

    /// POST with the client key as a bearer token; returns status, headers and the raw body.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        self.post_with(path, body, &[]).await
    }

    pub async fn post_with(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> (StatusCode, reqwest::header::HeaderMap, String) {
        let mut req = self
            .http
            .post(self.url(path))
            .bearer_auth(&self.key)
            .json(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.text().await.unwrap())
    }

    /// The request bodies the mock received on `/responses`, in order.
    pub fn upstream_bodies(&self) -> Vec<Value> {
        self.mock
            .request_log()
            .into_iter()
            .filter(|r| r.path.ends_with("/responses"))
            .filter_map(|r| r.body)
            .collect()
    }
}

/// One SSE event: its `event:` name (if any) and `data:` payload.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: Option<String>,
    pub data: String,
}

impl Event {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data).unwrap_or(Value::Null)
    }
}

/// Splits an SSE body into events (comments dropped).
pub fn sse_events(body: &str) -> Vec<Event> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut name = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.strip_prefix(' ').unwrap_or(v).to_owned());
                }
            }
            (!data.is_empty()).then(|| Event {
                name,
                data: data.join("\n"),
            })
        })
        .collect()
}

/// What the mock reports as `input_tokens` for this upstream body (request bytes / 4), from
/// the body alone; the request log's `usage` has what it reported for a logged answer.
pub fn mock_input_tokens(upstream_body: &Value) -> u64 {
    (serde_json::to_vec(upstream_body).unwrap().len() / 4) as u64
}
