//! The scheduler's end-to-end setup, shared by the scheduler test binaries: a gateway on a
//! fresh SQLite file in front of `mock-upstream`, with accounts imported through the admin API
//! and helpers for calls, the scheduler board and the mock's per-account counters. Every test
//! binary that uses it also declares `mod common;`.

use mock_upstream::{MockConfig, MockUpstream, SeededAccount};
use serde_json::{json, Value};

use crate::common;

pub const SECRET: &str = "test-admin-secret-123";

pub struct Env {
    pub gw: common::TestGateway,
    pub mock: MockUpstream,
    pub http: reqwest::Client,
    pub seeded: Vec<SeededAccount>,
}

impl Env {
    pub async fn start(accounts: usize, settings: &[(&str, &str)]) -> Env {
        Env::start_with(MockConfig::default(), accounts, settings).await
    }

    /// [`Env::start`] with a mock configured by the test (token lifetime, pacing, ...).
    pub async fn start_with(
        mock_config: MockConfig,
        accounts: usize,
        settings: &[(&str, &str)],
    ) -> Env {
        let mock = MockUpstream::start(mock_config).await.unwrap();
        let (up, oauth) = (mock.upstream_base_url(), mock.oauth_token_url());
        let gw = common::start(move |c| {
            c.admin_secret = Some(gateway_core::secrets::SecretString::new(SECRET));
            c.upstream_base_url = up;
            c.oauth_token_url = oauth;
            c.allow_anonymous = true;
        })
        .await;
        for (k, v) in settings {
            gw.state.store().put_setting(k, v).await.unwrap();
        }
        gw.state.reload_settings().await.unwrap();
        let seeded = mock.seed_accounts(accounts);
        let tokens: Vec<&str> = seeded.iter().map(|s| s.refresh_token.as_str()).collect();
        let http = reqwest::Client::new();
        let r = http
            .post(format!("{}/api/admin/accounts", gw.base_url))
            .bearer_auth(SECRET)
            .json(&json!({"refresh_token": tokens.join("\n")}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        Env {
            gw,
            mock,
            http,
            seeded,
        }
    }

    /// A non-streaming chat call; `(status, retry-after, body)`.
    pub async fn chat(&self, text: &str, session: Option<&str>) -> (u16, Option<u64>, Value) {
        let mut req = self
            .http
            .post(format!("{}/v1/chat/completions", self.gw.base_url))
            .json(&json!({
                "model": "gpt-5.4-mini", "messages": [{"role": "user", "content": text}]
            }));
        if let Some(s) = session {
            req = req.header("session_id", s);
        }
        answer(req.send().await.unwrap()).await
    }

    pub async fn messages(&self, text: &str) -> (u16, Option<u64>, Value) {
        let req = self.http.post(format!("{}/v1/messages", self.gw.base_url)).json(&json!({
            "model": "gpt-5.4-mini", "max_tokens": 64, "messages": [{"role": "user", "content": text}]
        }));
        answer(req.send().await.unwrap()).await
    }

    pub async fn board(&self) -> Value {
        let r = self
            .http
            .get(format!("{}/api/admin/scheduler/board", self.gw.base_url))
            .bearer_auth(SECRET)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    /// Board row by mock account id (the gateway names accounts by e-mail).
    pub fn row<'a>(&self, board: &'a Value, mock_id: &str) -> &'a Value {
        let email = &self
            .seeded
            .iter()
            .find(|s| s.account_id == mock_id)
            .unwrap()
            .email;
        let rows = board["accounts"].as_array().unwrap();
        let id = self
            .gw
            .state
            .pool()
            .snapshot_accounts()
            .into_iter()
            .find(|a| a.email.as_deref() == Some(email))
            .unwrap()
            .id;
        rows.iter().find(|r| r["account_id"] == id).unwrap()
    }

    /// The gateway's id of a mock account.
    pub fn gateway_id(&self, mock_id: &str) -> i64 {
        let board = serde_json::to_value(self.gw.state.pool().board(&self.gw.state)).unwrap();
        self.row(&board, mock_id)["account_id"].as_i64().unwrap()
    }

    /// Pins traffic to one mock account (`None`: back to automatic), so that account serves
    /// the first attempt of every request and the others take over when it fails. Tests that
    /// need a given account to meet its fault pin it: selection alone may never draw it, as
    /// accounts that served gain a success-streak bonus and leave it out of the band.
    pub async fn pin(&self, mock_id: Option<&str>) {
        let id = mock_id.map(|m| self.gateway_id(m));
        self.gw
            .state
            .pool()
            .set_pin(&self.gw.state, id)
            .await
            .unwrap();
    }

    pub fn served(&self, mock_id: &str) -> u64 {
        self.mock
            .counters(mock_id)
            .map_or(0, |c| c.responses_requests)
    }
}

pub async fn answer(r: reqwest::Response) -> (u16, Option<u64>, Value) {
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (status, retry, r.json().await.unwrap_or(Value::Null))
}

pub fn now_secs() -> i64 {
    gateway_core::service::now_ms() / 1000
}
