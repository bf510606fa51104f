//! What the harness sends: one small, realistic request per public protocol (chat, responses,
//! messages), streaming or not, through the gateway with a client API key; and the Codex
//! Responses body the gateway would send upstream, straight to the mock, as the baseline.

use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};

use crate::http::Call;

/// Where a scenario's requests go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `POST /backend-api/codex/responses` on the mock, with a mock access token.
    Baseline,
    /// `POST /v1/chat/completions` on the gateway.
    Chat,
    /// `POST /v1/responses` on the gateway.
    Responses,
    /// `POST /v1/messages` on the gateway.
    Messages,
}

impl Target {
    pub const ALL: [Target; 4] = [Self::Baseline, Self::Chat, Self::Responses, Self::Messages];

    pub fn label(self) -> &'static str {
        match self {
            Self::Baseline => "mock direct (baseline)",
            Self::Chat => "/v1/chat/completions",
            Self::Responses => "/v1/responses",
            Self::Messages => "/v1/messages",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::Chat => "chat",
            Self::Responses => "responses",
            Self::Messages => "messages",
        }
    }

    pub fn is_gateway(self) -> bool {
        self != Self::Baseline
    }
}

/// Credentials for the two servers.
#[derive(Debug, Clone)]
pub struct Creds {
    /// The gateway API key (empty with `CODEX_ALLOW_ANONYMOUS=true`).
    pub api_key: String,
    /// `(chatgpt_account_id, access_token)` pairs of mock accounts, for the baseline.
    pub mock_tokens: Vec<(String, String)>,
}

const SYSTEM: &str = "You are a concise assistant. Answer in one short paragraph.";
const USER: &str = "Summarise why connection reuse matters for an HTTP gateway under load.";

/// The request for `target`; `seq` picks the mock account for the baseline.
pub fn call(target: Target, stream: bool, creds: &Creds, seq: usize) -> Call {
    let (path, body, terminal): (&str, Value, &'static [u8]) = match target {
        Target::Baseline => (
            "/backend-api/codex/responses",
            upstream_body(),
            b"response.completed",
        ),
        Target::Chat => (
            "/v1/chat/completions",
            json!({
                "model": "gpt-5.5",
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": USER},
                ],
                "stream": stream,
                "stream_options": if stream { json!({"include_usage": true}) } else { Value::Null },
            }),
            b"[DONE]",
        ),
        Target::Responses => (
            "/v1/responses",
            json!({
                "model": "gpt-5.5",
                "instructions": SYSTEM,
                "input": [{"role": "user", "content": [{"type": "input_text", "text": USER}]}],
                "stream": stream,
            }),
            b"response.completed",
        ),
        Target::Messages => (
            "/v1/messages",
            json!({
                "model": "claude-sonnet-4-5",
                "max_tokens": 1024,
                "system": SYSTEM,
                "messages": [{"role": "user", "content": USER}],
                "stream": stream,
            }),
            b"message_stop",
        ),
    };
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if target == Target::Baseline {
        if let Some((account, token)) = creds.mock_tokens.get(seq % creds.mock_tokens.len().max(1))
        {
            headers.push(("authorization".into(), format!("Bearer {token}")));
            headers.push(("chatgpt-account-id".into(), account.clone()));
        }
        headers.push(("accept".into(), "text/event-stream".into()));
    } else if !creds.api_key.is_empty() {
        headers.push(("authorization".into(), format!("Bearer {}", creds.api_key)));
    }
    if target == Target::Messages {
        headers.push(("anthropic-version".into(), "2023-06-01".into()));
    }
    Call {
        method: Method::POST,
        path: path.to_owned(),
        headers,
        body: Bytes::from(body.to_string()),
        // Non-streaming answers are one JSON document: a 2xx status is the success check.
        terminal: if stream || target == Target::Baseline {
            terminal
        } else {
            b""
        },
    }
}

/// Roughly what the gateway sends upstream for the chat request above.
fn upstream_body() -> Value {
    json!({
        "model": "gpt-5.5",
        "instructions": SYSTEM,
        "input": [{"type": "message", "role": "user",
                   "content": [{"type": "input_text", "text": USER}]}],
        "tools": [],
        "tool_choice": "auto",
        "parallel_tool_calls": false,
        "store": false,
        "stream": true,
        "include": [],
    })
}
