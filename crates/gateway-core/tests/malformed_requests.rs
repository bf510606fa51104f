//! A catalogue of malformed requests across the three protocols. Every one must be a 4xx in
//! the route's own error shape (OpenAI error object or Anthropic error body): never a 500,
//! never a panic, never a success. The gateway has no accounts here, so a request that
//! wrongly passed validation would show up as a 503 from the pool.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod common;
#[expect(dead_code, reason = "this binary uses only part of the shared setup")]
mod relay_support;

use reqwest::StatusCode;
use serde_json::Value;

use relay_support::setup_with;

/// Body limit for this test, so the oversize cases stay small.
const LIMIT: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    OpenAi,
    Anthropic,
}

struct Case {
    name: &'static str,
    path: &'static str,
    content_type: Option<&'static str>,
    encoding: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
}

fn case(name: &'static str, path: &'static str, body: &str, status: u16) -> Case {
    Case {
        name,
        path,
        content_type: Some("application/json"),
        encoding: None,
        body: body.as_bytes().to_vec(),
        status,
    }
}

fn with_type(mut c: Case, content_type: Option<&'static str>) -> Case {
    c.content_type = content_type;
    c
}

fn with_encoding(mut c: Case, encoding: &'static str) -> Case {
    c.encoding = Some(encoding);
    c
}

fn raw(name: &'static str, path: &'static str, body: Vec<u8>, status: u16) -> Case {
    Case {
        name,
        path,
        content_type: Some("application/json"),
        encoding: None,
        body,
        status,
    }
}

fn oversize() -> Vec<u8> {
    format!(
        r#"{{"model":"gpt-5.4","messages":[{{"role":"user","content":"{}"}}],"input":"x"}}"#,
        "a".repeat(LIMIT)
    )
    .into_bytes()
}

fn invalid_utf8(prefix: &str) -> Vec<u8> {
    let mut body = prefix.as_bytes().to_vec();
    body.extend_from_slice(&[0xff, 0xfe, 0x80]);
    body.extend_from_slice(b"\"}]}");
    body
}

fn nested(depth: usize) -> String {
    format!(
        r#"{{"model":"gpt-5.4","messages":[{{"role":"user","content":"x"}}],"metadata":{}1{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

fn catalogue() -> Vec<Case> {
    const CHAT: &str = "/v1/chat/completions";
    const RESP: &str = "/v1/responses";
    const COMPACT: &str = "/v1/responses/compact";
    const MSG: &str = "/v1/messages";
    const COUNT: &str = "/v1/messages/count_tokens";
    let user = r#"[{"role":"user","content":"x"}]"#;
    vec![
        case(
            "chat: truncated JSON",
            CHAT,
            r#"{"model":"gpt-5.4","messages":["#,
            400,
        ),
        case("chat: not JSON", CHAT, "{not json", 400),
        case("chat: empty body", CHAT, "", 400),
        case("chat: whitespace body", CHAT, "  \n ", 400),
        case("chat: array body", CHAT, "[]", 400),
        case("chat: null body", CHAT, "null", 400),
        case(
            "chat: missing messages",
            CHAT,
            r#"{"model":"gpt-5.4"}"#,
            400,
        ),
        case(
            "chat: messages is a string",
            CHAT,
            r#"{"model":"gpt-5.4","messages":"hi"}"#,
            400,
        ),
        case(
            "chat: model is a number",
            CHAT,
            &format!(r#"{{"model":5,"messages":{user}}}"#),
            400,
        ),
        case(
            "chat: n > 1",
            CHAT,
            &format!(r#"{{"model":"gpt-5.4","n":2,"messages":{user}}}"#),
            400,
        ),
        case(
            "chat: content is a number",
            CHAT,
            r#"{"model":"gpt-5.4","messages":[{"role":"user","content":123}]}"#,
            400,
        ),
        case(
            "chat: image model",
            CHAT,
            &format!(r#"{{"model":"gpt-image-2","messages":{user}}}"#),
            400,
        ),
        case(
            "chat: audio input",
            CHAT,
            r#"{"model":"gpt-5.4","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"AA==","format":"wav"}}]}]}"#,
            400,
        ),
        case(
            "chat: empty function name",
            CHAT,
            &format!(
                r#"{{"model":"gpt-5.4","messages":{user},"tools":[{{"type":"function","function":{{"name":""}}}}]}}"#
            ),
            400,
        ),
        case(
            "chat: trailing garbage",
            CHAT,
            &format!(r#"{{"model":"gpt-5.4","messages":{user}}} trailing"#),
            400,
        ),
        case(
            "chat: stream is a string",
            CHAT,
            &format!(r#"{{"model":"gpt-5.4","stream":"yes","messages":{user}}}"#),
            400,
        ),
        case("chat: nesting too deep", CHAT, &nested(200), 400),
        raw(
            "chat: invalid UTF-8",
            CHAT,
            invalid_utf8(r#"{"model":"gpt-5.4","messages":[{"role":"user","content":""#),
            400,
        ),
        with_type(
            case(
                "chat: text/plain",
                CHAT,
                &format!(r#"{{"messages":{user}}}"#),
                415,
            ),
            Some("text/plain"),
        ),
        with_type(
            case("chat: form content type", CHAT, "messages=x", 415),
            Some("application/x-www-form-urlencoded"),
        ),
        with_encoding(case("chat: gzip body", CHAT, "\u{1f}\u{8b}", 415), "gzip"),
        raw("chat: oversize", CHAT, oversize(), 413),
        case("chat (no /v1): not JSON", "/chat/completions", "{", 400),
        case("responses: not JSON", RESP, "{", 400),
        case("responses: empty body", RESP, "", 400),
        case("responses: missing model", RESP, r#"{"input":"x"}"#, 400),
        case(
            "responses: model is a list",
            RESP,
            r#"{"model":["a"],"input":"x"}"#,
            400,
        ),
        case(
            "responses: input is a number",
            RESP,
            r#"{"model":"gpt-5.4","input":5}"#,
            400,
        ),
        case(
            "responses: image model",
            RESP,
            r#"{"model":"gpt-image-2-4k","input":"x"}"#,
            400,
        ),
        case(
            "responses: stream is a string",
            RESP,
            r#"{"model":"gpt-5.4","input":"x","stream":"yes"}"#,
            400,
        ),
        case(
            "responses: tools is an object",
            RESP,
            r#"{"model":"gpt-5.4","input":"x","tools":{}}"#,
            400,
        ),
        with_type(
            case(
                "responses: text/plain",
                RESP,
                r#"{"model":"gpt-5.4","input":"x"}"#,
                415,
            ),
            Some("text/plain"),
        ),
        with_encoding(
            case("responses: zstd body", RESP, "(\u{b5}/\u{fd}", 415),
            "zstd",
        ),
        raw("responses: oversize", RESP, oversize(), 413),
        raw(
            "responses: invalid UTF-8",
            RESP,
            invalid_utf8(r#"{"model":"gpt-5.4","input":[{"role":"user","content":""#),
            400,
        ),
        case(
            "responses (no /v1): missing model",
            "/responses",
            r#"{"input":"x"}"#,
            400,
        ),
        case("compact: not JSON", COMPACT, "{", 400),
        case("compact: missing model", COMPACT, r#"{"input":[]}"#, 400),
        case("messages: not JSON", MSG, "{", 400),
        case("messages: empty body", MSG, "", 400),
        case("messages: empty object", MSG, "{}", 400),
        case(
            "messages: messages is a string",
            MSG,
            r#"{"model":"claude-sonnet-4-5","max_tokens":5,"messages":"hi"}"#,
            400,
        ),
        case(
            "messages: max_tokens is a string",
            MSG,
            &format!(r#"{{"model":"claude-sonnet-4-5","max_tokens":"ten","messages":{user}}}"#),
            400,
        ),
        case(
            "messages: empty model",
            MSG,
            &format!(r#"{{"model":"","max_tokens":5,"messages":{user}}}"#),
            400,
        ),
        case(
            "messages: image model",
            MSG,
            &format!(r#"{{"model":"gpt-image-2","max_tokens":5,"messages":{user}}}"#),
            400,
        ),
        case("messages: array body", MSG, "[1,2]", 400),
        raw(
            "messages: invalid UTF-8",
            MSG,
            invalid_utf8(
                r#"{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":""#,
            ),
            400,
        ),
        with_type(
            case("messages: text/plain", MSG, "{}", 415),
            Some("text/plain"),
        ),
        with_encoding(case("messages: br body", MSG, "x", 415), "br"),
        raw("messages: oversize", MSG, oversize(), 413),
        case(
            "messages (beta query): not JSON",
            "/v1/messages?beta=true",
            "{",
            400,
        ),
        case("messages (no /v1): not JSON", "/messages", "{", 400),
        case("count_tokens: not JSON", COUNT, "{", 400),
        case(
            "count_tokens: missing messages",
            COUNT,
            r#"{"model":"claude-sonnet-4-5"}"#,
            400,
        ),
        case("count_tokens: empty body", COUNT, "", 400),
        with_type(
            case("count_tokens: text/plain", COUNT, "{}", 415),
            Some("text/plain"),
        ),
    ]
}

fn shape_of(path: &str) -> Shape {
    if path.trim_start_matches("/v1").starts_with("/messages") {
        Shape::Anthropic
    } else {
        Shape::OpenAi
    }
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_in_the_route_shape() {
    let r = setup_with(0, |c| c.max_body_bytes = LIMIT).await;
    let cases = catalogue();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let mut failures = Vec::new();
    for c in &cases {
        let mut req = r
            .http
            .post(r.url(c.path))
            .bearer_auth(&r.key)
            .body(c.body.clone());
        if let Some(ct) = c.content_type {
            req = req.header("content-type", ct);
        }
        if let Some(enc) = c.encoding {
            req = req.header("content-encoding", enc);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        let shaped = match shape_of(c.path) {
            Shape::OpenAi => {
                body["error"]["message"].is_string()
                    && body["error"]["type"].is_string()
                    && body.get("type").is_none()
            }
            Shape::Anthropic => {
                body["type"] == "error"
                    && body["error"]["type"].is_string()
                    && body["error"]["message"].is_string()
            }
        };
        if status.as_u16() != c.status || !shaped {
            failures.push(format!("{}: got {status} {body}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    r.gw.stop().await;
}

#[tokio::test]
async fn a_valid_request_without_accounts_is_not_a_validation_error() {
    let r = setup_with(0, |c| c.max_body_bytes = LIMIT).await;
    let resp = r
        .http
        .post(r.url("/v1/chat/completions"))
        .bearer_auth(&r.key)
        .json(&serde_json::json!({"messages": [{"role": "user", "content": "x"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the control case reaches the pool"
    );
    r.gw.stop().await;
}
