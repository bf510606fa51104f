//! The header rules of upstream.md §2, one test per rule.

use super::*;

fn inbound(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn ctx() -> HeaderContext<'static> {
    HeaderContext {
        access_token: "at-123",
        chatgpt_account_id: Some("ws-1"),
        prompt_cache_key: Some("0190-key"),
        model: "gpt-5.5",
        service_tier: None,
        compat: CompatMode::Preserve,
        accept: "text/event-stream",
    }
}

fn get<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).map(|v| v.to_str().unwrap())
}

#[test]
fn client_credentials_never_reach_upstream() {
    let h = responses_headers(
        &inbound(&[
            ("authorization", "Bearer sk-client"),
            ("x-api-key", "sk-client"),
            ("anthropic-auth-token", "sk-client"),
            ("cookie", "a=b"),
            ("x-switchyard-debug", "1"),
            ("connection", "keep-alive"),
            ("openai-beta", "responses=v1"),
            ("conversation_id", "c"),
        ]),
        &ctx(),
    );
    assert_eq!(get(&h, "authorization"), Some("Bearer at-123"));
    for name in [
        "x-api-key",
        "anthropic-auth-token",
        "cookie",
        "x-switchyard-debug",
        "connection",
        "openai-beta",
        "conversation_id",
    ] {
        assert!(h.get(name).is_none(), "{name} must not be forwarded");
    }
    assert!(!format!("{h:?}").contains("sk-client"));
}

#[test]
fn session_headers_carry_the_prompt_cache_key() {
    let h = responses_headers(
        &inbound(&[("session-id", "client"), ("x-client-request-id", "x")]),
        &ctx(),
    );
    for name in [
        "session-id",
        "thread-id",
        "x-client-request-id",
        "session_id",
    ] {
        assert_eq!(get(&h, name), Some("0190-key"), "{name}");
    }
    assert_eq!(get(&h, "chatgpt-account-id"), Some("ws-1"));
    assert_eq!(get(&h, "accept"), Some("text/event-stream"));
    assert_eq!(get(&h, "content-type"), Some("application/json"));
}

#[test]
fn unofficial_clients_get_the_generated_identity() {
    let h = responses_headers(
        &inbound(&[
            ("user-agent", "OpenAI/Python 3.57.0"),
            ("originator", "my-app"),
        ]),
        &ctx(),
    );
    let ua = get(&h, "user-agent").unwrap();
    assert!(
        ua.starts_with(&format!("codex-tui/{VERSION_FLOOR} (")),
        "{ua}"
    );
    assert_eq!(get(&h, "version"), Some(VERSION_FLOOR));
    assert_eq!(get(&h, "originator"), Some("codex-tui"));
}

#[test]
fn official_clients_keep_ua_version_and_originator() {
    let ua = "codex_exec/0.169.0 (Debian 12.0.0; x86_64) xterm (codex_exec; 0.169.0)";
    let h = responses_headers(
        &inbound(&[("user-agent", ua), ("originator", "codex_exec")]),
        &ctx(),
    );
    assert_eq!(get(&h, "user-agent"), Some(ua));
    assert_eq!(get(&h, "version"), Some("0.169.0"));
    assert_eq!(get(&h, "originator"), Some("codex_exec"));
    let with_version = responses_headers(
        &inbound(&[("user-agent", ua), ("version", "0.170.1")]),
        &ctx(),
    );
    assert_eq!(get(&with_version, "version"), Some("0.170.1"));
    assert_eq!(get(&with_version, "originator"), Some("codex-tui"));
}

#[test]
fn compat_modes() {
    let old = inbound(&[("user-agent", "codex_cli_rs/0.100.0 (Linux; x86_64)")]);
    let auto = HeaderContext {
        compat: CompatMode::Auto,
        ..ctx()
    };
    assert!(get(&responses_headers(&old, &auto), "user-agent")
        .unwrap()
        .starts_with("codex-tui/"));
    assert!(get(&responses_headers(&old, &ctx()), "user-agent")
        .unwrap()
        .starts_with("codex_cli_rs/"));
    let new = inbound(&[("user-agent", "codex_cli_rs/0.200.0 (Linux; x86_64)")]);
    let force = HeaderContext {
        compat: CompatMode::Force,
        ..ctx()
    };
    assert!(get(&responses_headers(&new, &force), "user-agent")
        .unwrap()
        .starts_with("codex-tui/"));
    assert!(get(&responses_headers(&new, &auto), "user-agent")
        .unwrap()
        .starts_with("codex_cli_rs/"));
}

#[test]
fn pass_through_and_beta_default() {
    let h = responses_headers(
        &inbound(&[
            ("x-codex-turn-state", "ts"),
            ("x-codex-window-id", "t:1"),
            ("x-unknown", "u"),
        ]),
        &ctx(),
    );
    assert_eq!(get(&h, "x-codex-turn-state"), Some("ts"));
    assert_eq!(get(&h, "x-codex-window-id"), Some("t:1"));
    assert!(h.get("x-unknown").is_none());
    assert_eq!(
        get(&h, "x-codex-beta-features"),
        Some("remote_compaction_v2")
    );
    let own = responses_headers(&inbound(&[("x-codex-beta-features", "other")]), &ctx());
    assert_eq!(get(&own, "x-codex-beta-features"), Some("other"));
}

#[test]
fn routing_hint_is_rebuilt_from_the_body() {
    let h = responses_headers(&inbound(&[("x-codex-routing-hint", "model=evil")]), &ctx());
    assert_eq!(get(&h, "x-codex-routing-hint"), Some("model=gpt-5.5"));
    let tier = HeaderContext {
        service_tier: Some("priority"),
        ..ctx()
    };
    assert_eq!(
        get(
            &responses_headers(&HeaderMap::new(), &tier),
            "x-codex-routing-hint"
        ),
        Some("model=gpt-5.5;tier=priority")
    );
}

#[test]
fn auxiliary_calls_send_the_minimal_set() {
    let h = auxiliary_headers("at", Some("ws"));
    assert_eq!(get(&h, "authorization"), Some("Bearer at"));
    assert_eq!(get(&h, "accept"), Some("application/json"));
    assert_eq!(get(&h, "originator"), Some("codex-tui"));
    assert_eq!(get(&h, "chatgpt-account-id"), Some("ws"));
    assert!(h.get("session-id").is_none());
}

#[test]
fn generated_identity_constant_matches_its_builder() {
    assert_eq!(GENERATED_USER_AGENT, generated_user_agent(VERSION_FLOOR));
}
