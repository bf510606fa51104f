//! What reaches the upstream (upstream.md §2), read from mock-upstream's request log: the
//! client's key never does, the session headers equal the body's `prompt_cache_key`, the
//! account's token and workspace id are used, and the client identity rules hold.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod relay_support;

use reqwest::StatusCode;
use serde_json::json;

use relay_support::setup;

#[tokio::test]
async fn the_client_key_never_reaches_upstream_on_any_route() {
    let r = setup(1).await;
    let chat = json!({"model": "gpt-5.4", "messages": [{"role": "user", "content": "hi"}]});
    let msgs = json!({"model": "claude-sonnet-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]});
    let native = json!({"model": "gpt-5.4", "input": "hi"});
    let sneaky = [
        ("x-api-key", r.key.as_str()),
        ("anthropic-auth-token", r.key.as_str()),
        ("cookie", "session=secret-cookie"),
        ("x-switchyard-debug", "1"),
    ];
    for (path, body) in [
        ("/v1/chat/completions", &chat),
        ("/v1/messages", &msgs),
        ("/v1/responses", &native),
        ("/v1/responses/compact", &native),
    ] {
        let (status, _, text) = r.post_with(path, body, &sneaky).await;
        assert_eq!(status, StatusCode::OK, "{path}: {text}");
    }
    let log = r.mock.request_log();
    assert_eq!(log.len(), 4);
    for entry in &log {
        let dump = format!("{:?}", entry.headers);
        assert!(
            !dump.contains(&r.key),
            "client key leaked upstream on {}",
            entry.path
        );
        assert!(!dump.contains("secret-cookie") && entry.header("x-switchyard-debug").is_none());
        assert!(entry
            .header("connection")
            .is_none_or(|c| !c.eq_ignore_ascii_case("keep-alive")));
        let auth = entry.header("authorization").unwrap();
        assert!(
            auth.starts_with("Bearer ey"),
            "the account's JWT, not the client key"
        );
        assert_eq!(
            entry.header("chatgpt-account-id"),
            Some(r.accounts[0].account_id.as_str())
        );
        assert!(entry.account_id.is_some());
    }
    r.gw.stop().await;
}

#[tokio::test]
async fn session_headers_equal_the_prompt_cache_key() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let (status, _, _) = r
        .post_with(
            "/v1/chat/completions",
            &body,
            &[("session_id", "raw-client-session")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let entry = r.mock.request_log().pop().unwrap();
    let key = entry.body.as_ref().unwrap()["prompt_cache_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        key, "raw-client-session",
        "raw client ids never leave the gateway"
    );
    for name in ["session-id", "thread-id", "x-client-request-id"] {
        assert_eq!(entry.header(name), Some(key.as_str()), "{name}");
    }
    assert_eq!(entry.header("accept"), Some("text/event-stream"));
    assert_eq!(entry.header("x-codex-routing-hint"), Some("model=gpt-5.4"));
    assert!(entry.header("conversation_id").is_none());
    r.gw.stop().await;
}

#[tokio::test]
async fn client_identity_rules() {
    let r = setup(1).await;
    let body = json!({"model": "gpt-5.4", "input": "hi"});
    r.post_with(
        "/v1/responses",
        &body,
        &[("user-agent", "OpenAI/Python 3.57.0")],
    )
    .await;
    let ua = "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)";
    r.post_with(
        "/v1/responses",
        &body,
        &[
            ("user-agent", ua),
            ("originator", "codex_exec"),
            ("x-codex-turn-metadata", "{}"),
        ],
    )
    .await;
    let log = r.mock.request_log();
    assert!(log[0]
        .header("user-agent")
        .unwrap()
        .starts_with("codex-tui/"));
    assert_eq!(log[0].header("originator"), Some("codex-tui"));
    assert!(log[0].header("version").is_some());
    assert_eq!(log[1].header("user-agent"), Some(ua));
    assert_eq!(log[1].header("originator"), Some("codex_exec"));
    assert_eq!(log[1].header("version"), Some("0.169.0"));
    assert_eq!(log[1].header("x-codex-turn-metadata"), Some("{}"));
    r.gw.stop().await;
}
