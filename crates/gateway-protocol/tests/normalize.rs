//! Normalisation (upstream.md §3), model resolution (§6.4) and commit/failure classification
//! (translation.md §10, upstream.md §5.3), one test per rule row where practical.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly on bad input")]

use gateway_protocol::model::{canonicalize_model, match_mapping};
use gateway_protocol::normalize::{clamp_effort, strip_reasoning_items};
use gateway_protocol::responses::ResponsesStreamEvent;
use gateway_protocol::{
    classify_event, derive_failure_status, failure_from_event, normalize_request, resolve_model,
    ClientProtocol, EventClass, FailureKind, ModelContext, NormalizeOptions, ResponsesRequest,
};
use serde_json::{json, Value};

fn norm(body: Value, opts: &NormalizeOptions) -> (Value, gateway_protocol::NormalizeReport) {
    let mut req: ResponsesRequest = serde_json::from_value(body).unwrap();
    let report = normalize_request(&mut req, opts);
    (serde_json::to_value(&req).unwrap(), report)
}

#[test]
fn forced_fields_and_string_input() {
    let (out, _) = norm(
        json!({"model": "gpt-5.5", "input": "hi", "store": true, "stream": false}),
        &NormalizeOptions {
            prompt_cache_key: Some("k1".into()),
            ..NormalizeOptions::default()
        },
    );
    assert_eq!(out["stream"], true);
    assert_eq!(out["store"], false);
    assert_eq!(out["include"], json!(["reasoning.encrypted_content"]));
    assert_eq!(out["instructions"], "");
    assert_eq!(
        out["input"],
        json!([{"type": "message", "role": "user", "content": "hi"}])
    );
    assert_eq!(out["prompt_cache_key"], "k1");
}

#[test]
fn include_gets_encrypted_content_when_reasoning_is_set() {
    let (out, _) = norm(
        json!({"model": "m", "include": [], "reasoning": {"summary": "auto"}}),
        &NormalizeOptions::default(),
    );
    assert_eq!(out["include"], json!(["reasoning.encrypted_content"]));
    let (out, _) = norm(
        json!({"model": "m", "include": []}),
        &NormalizeOptions::default(),
    );
    assert_eq!(out["include"], json!([]));
}

#[test]
fn converted_and_deleted_fields() {
    let (out, report) = norm(
        json!({
            "model": "gpt-5.5", "input": [],
            "reasoning_effort": "bogus", "serviceTier": "fast",
            "response_format": {"type": "json_schema", "json_schema": {"name": "r", "strict": true, "schema": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}}}}},
            "max_output_tokens": 5, "temperature": 1, "type": "response.create", "verbosity": "low",
            "previous_response_id": "resp_x", "client_metadata": {"a": "b"}, "text": {"verbosity": "low"}
        }),
        &NormalizeOptions::default(),
    );
    assert_eq!(out["reasoning"]["effort"], "high");
    assert_eq!(report.effort_clamped, Some(("bogus".into(), "high".into())));
    assert_eq!(out["service_tier"], "priority");
    assert_eq!(
        out["text"],
        json!({"verbosity": "low", "format": {"type": "json_schema", "name": "r", "strict": true, "schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}})
    );
    for gone in [
        "reasoning_effort",
        "serviceTier",
        "response_format",
        "max_output_tokens",
        "temperature",
        "type",
        "verbosity",
        "previous_response_id",
    ] {
        assert!(out.get(gone).is_none(), "{gone} kept");
    }
    assert_eq!(out["client_metadata"], json!({"a": "b"}));
    assert_eq!(report.deleted_fields.len(), 8);
}

#[test]
fn effort_clamp_table() {
    let none: Vec<String> = Vec::new();
    for e in ["none", "minimal", "low", "medium", "high", "xhigh", "ultra"] {
        assert_eq!(clamp_effort(e, "gpt-5.4", &none), e);
    }
    assert_eq!(clamp_effort("max", "gpt-5.6-sol", &none), "max");
    assert_eq!(clamp_effort("max", "gpt-6", &none), "max");
    assert_eq!(clamp_effort("max", "gpt-5.5", &none), "xhigh");
    assert_eq!(clamp_effort("max", "codex-auto-review", &none), "xhigh");
    assert_eq!(clamp_effort("turbo", "gpt-5.5", &none), "high");
    assert_eq!(
        clamp_effort("turbo", "gpt-5.5", &["turbo".to_owned()]),
        "turbo"
    );
}

#[test]
fn service_tier_mapping() {
    for (tier, want) in [
        ("fast", Some("priority")),
        ("priority", Some("priority")),
        ("flex", Some("flex")),
        ("auto", None),
        ("default", None),
        ("scale", None),
    ] {
        let (out, _) = norm(
            json!({"model": "m", "service_tier": tier}),
            &NormalizeOptions::default(),
        );
        assert_eq!(
            out.get("service_tier").and_then(Value::as_str),
            want,
            "{tier}"
        );
    }
}

#[test]
fn tools_are_sanitised_at_every_depth() {
    let (out, _) = norm(
        json!({"model": "m", "tools": [
            {"type": "function", "name": "a"},
            {"type": "function", "name": "b", "parameters": {"type": "object", "properties": {
                "format": {"type": "string", "format": "date"},
                "list": {"type": "array", "minItems": 1, "items": {"anyOf": [{"type": "string", "maxLength": 3}]}}
            }, "$defs": {"x": {"type": "number", "multipleOf": 2}}}},
            {"type": "web_search_preview", "external_web_access": false, "search_context_size": "low"},
            {"type": "namespace", "name": "ns", "tools": [{"type": "function", "name": "c", "parameters": {"type": "object", "properties": {"p": {"type": "string", "pattern": "x"}}}}]},
            {"type": "tool_search"},
            {"type": "custom", "name": "apply_patch", "format": {"type": "grammar", "syntax": "lark", "definition": "x"}}
        ]}),
        &NormalizeOptions::default(),
    );
    let tools = &out["tools"];
    assert_eq!(
        tools[0]["parameters"],
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(
        tools[1]["parameters"],
        json!({"type": "object", "properties": {"format": {"type": "string"}, "list": {"type": "array", "items": {"anyOf": [{"type": "string"}]}}}, "$defs": {"x": {"type": "number"}}})
    );
    assert_eq!(
        tools[2],
        json!({"type": "web_search", "external_web_access": false, "search_context_size": "low"})
    );
    assert_eq!(
        tools[3]["tools"][0]["parameters"]["properties"]["p"],
        json!({"type": "string"})
    );
    assert!(tools[4]["description"].as_str().is_some());
    assert_eq!(tools[5]["format"]["definition"], "x");
}

#[test]
fn tool_cap_keeps_image_generation() {
    let mut tools: Vec<Value> = (0..140)
        .map(|i| json!({"type": "function", "name": format!("t{i}")}))
        .collect();
    tools.push(json!({"type": "image_generation", "output_format": "png"}));
    let (out, report) = norm(
        json!({"model": "m", "tools": tools}),
        &NormalizeOptions::default(),
    );
    let kept = out["tools"].as_array().unwrap();
    assert_eq!(kept.len(), 128);
    assert_eq!(kept[127]["type"], "image_generation");
    assert_eq!(kept[126]["name"], "t126");
    assert_eq!(report.tools_truncated, 13);
}

#[test]
fn input_fixes() {
    let (out, report) = norm(
        json!({"model": "m", "input": [
            {"role": "system", "content": [{"type": "output_text", "text": "sys"}]},
            {"type": "message", "id": "msg_1", "role": "assistant", "phase": "commentary", "content": [{"type": "input_text", "text": "a"}]},
            {"type": "reasoning", "summary": []},
            {"type": "reasoning", "summary": [], "encrypted_content": "gAAA"},
            {"type": "compaction", "encrypted_content": "zzz"},
            {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call", "call_id": "c2", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "id": "fco_1", "call_id": "c1", "output": "r1"},
            {"type": "message", "role": "user", "content": "next"}
        ]}),
        &NormalizeOptions::default(),
    );
    let items = out["input"].as_array().unwrap();
    assert_eq!(
        items[0],
        json!({"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sys"}]})
    );
    assert_eq!(
        items[1],
        json!({"type": "message", "id": "msg_1", "role": "assistant", "phase": "commentary", "content": [{"type": "output_text", "text": "a"}]})
    );
    assert_eq!(items[2]["encrypted_content"], "gAAA");
    assert_eq!(
        items[3],
        json!({"type": "compaction", "encrypted_content": "zzz"})
    );
    assert_eq!(items[6]["call_id"], "c1");
    assert_eq!(items[7]["type"], "function_call_output");
    assert_eq!(items[7]["call_id"], "c2");
    assert_eq!(items[8]["role"], "user");
    assert_eq!(report.reasoning_items_dropped, 1);
    assert_eq!(report.orphan_calls_repaired, ["c2"]);
}

#[test]
fn responses_lite_and_compact() {
    let body = json!({"model": "gpt-5.5-openai-compact", "input": [], "include": ["x"], "client_metadata": {},
        "tools": [{"type": "image_generation"}, {"type": "function", "name": "f"}]});
    let (out, _) = norm(
        body.clone(),
        &NormalizeOptions {
            responses_lite: true,
            ..NormalizeOptions::default()
        },
    );
    assert_eq!(out["parallel_tool_calls"], false);
    assert_eq!(out["reasoning"]["context"], "all_turns");
    assert_eq!(out["tools"].as_array().unwrap().len(), 1);
    let (out, _) = norm(
        body,
        &NormalizeOptions {
            compact: true,
            ..NormalizeOptions::default()
        },
    );
    assert_eq!(out["model"], "gpt-5.5");
    for gone in ["include", "store", "stream", "client_metadata"] {
        assert!(out.get(gone).is_none(), "{gone}");
    }
}

#[test]
fn normalisation_is_idempotent_and_strip_reasoning() {
    let body = json!({"model": "m", "input": [{"type": "reasoning", "summary": [], "encrypted_content": "e"}, {"role": "user", "content": "x"}], "reasoning_effort": "max"});
    let mut req: ResponsesRequest = serde_json::from_value(body).unwrap();
    normalize_request(&mut req, &NormalizeOptions::default());
    let once = req.clone();
    normalize_request(&mut req, &NormalizeOptions::default());
    assert_eq!(once, req);
    assert_eq!(strip_reasoning_items(&mut req), 1);
}

fn ctx<'a>(
    protocol: ClientProtocol,
    mapping: &'a [(String, String)],
    known: &'a [String],
) -> ModelContext<'a> {
    ModelContext {
        protocol,
        mapping,
        known_models: known,
    }
}

#[test]
fn model_resolution() {
    let known = vec!["gpt-5.5".to_owned(), "gpt-5.4-mini".to_owned()];
    let mapping = vec![
        ("GPT-4o".to_owned(), "gpt-5.4".to_owned()),
        ("claude-*".to_owned(), "gpt-5.6-sol".to_owned()),
        ("claude-haiku*".to_owned(), "gpt-5.4-mini".to_owned()),
        ("*".to_owned(), "fallback".to_owned()),
    ];
    let none: Vec<(String, String)> = Vec::new();
    let r = |name: Option<&str>, p, m: &[(String, String)]| resolve_model(name, &ctx(p, m, &known));
    let alias = r(Some("gpt-5.5-high"), ClientProtocol::Responses, &none).unwrap();
    assert_eq!(
        (alias.model.as_str(), alias.effort.as_deref()),
        ("gpt-5.5", Some("high"))
    );
    assert_eq!(
        r(Some("gpt-5.4-mini"), ClientProtocol::Chat, &none)
            .unwrap()
            .effort,
        None
    );
    assert_eq!(
        r(Some("gpt-4o"), ClientProtocol::Chat, &mapping)
            .unwrap()
            .model,
        "gpt-5.4"
    );
    assert_eq!(
        r(Some("claude-haiku-4-5"), ClientProtocol::Messages, &mapping)
            .unwrap()
            .model,
        "gpt-5.4-mini"
    );
    assert_eq!(
        r(Some("claude-opus-4-8"), ClientProtocol::Messages, &mapping)
            .unwrap()
            .model,
        "gpt-5.6-sol"
    );
    assert_eq!(
        r(Some("other"), ClientProtocol::Chat, &mapping)
            .unwrap()
            .model,
        "fallback"
    );
    assert_eq!(
        r(Some("claude-opus-4-8"), ClientProtocol::Messages, &none)
            .unwrap()
            .model,
        "gpt-5.5"
    );
    assert_eq!(
        r(Some("claude-sonnet-5"), ClientProtocol::Messages, &none)
            .unwrap()
            .model,
        "gpt-5.5"
    );
    assert_eq!(
        r(Some("claude-haiku-4"), ClientProtocol::Messages, &none)
            .unwrap()
            .model,
        "gpt-5.4-mini"
    );
    assert_eq!(
        r(Some("claude-instant"), ClientProtocol::Messages, &none)
            .unwrap()
            .model,
        "gpt-5.5"
    );
    assert_eq!(
        r(Some("my-haiku"), ClientProtocol::Messages, &none)
            .unwrap()
            .model,
        "gpt-5.4-mini"
    );
    assert_eq!(
        r(Some("claude-opus-4-8"), ClientProtocol::Chat, &none)
            .unwrap()
            .model,
        "claude-opus-4-8"
    );
    assert_eq!(
        r(None, ClientProtocol::Chat, &none).unwrap().model,
        "gpt-5.4"
    );
    assert!(r(None, ClientProtocol::Messages, &none).is_err());
    let err = r(Some("gpt-image-1"), ClientProtocol::Chat, &none).unwrap_err();
    assert!(err.to_string().contains("/v1/images/generations"));
    assert_eq!(err.param(), Some("model"));
}

#[test]
fn canonical_spelling_and_patterns() {
    assert_eq!(canonicalize_model("gpt5.5"), "gpt-5.5");
    assert_eq!(canonicalize_model("gpt5-5"), "gpt-5.5");
    assert_eq!(canonicalize_model("GPT-5.4mini"), "gpt-5.4-mini");
    assert_eq!(
        canonicalize_model("gpt-5.3-codex-spark"),
        "gpt-5.3-codex-spark"
    );
    assert_eq!(canonicalize_model("gpt-5-2025-08-07"), "gpt-5-2025-08-07");
    assert_eq!(canonicalize_model("gpt-4o"), "gpt-4o");
    let m = |entries: &[(&str, &str)]| {
        entries
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect::<Vec<_>>()
    };
    let mapping = m(&[
        ("gpt-*", "a"),
        ("gpt-5*", "b"),
        ("*-5*", "c"),
        ("gpt-5*", "d"),
    ]);
    assert_eq!(match_mapping("gpt-5.5", &mapping), Some("b"));
    assert_eq!(match_mapping("gpt-4", &mapping), Some("a"));
    assert_eq!(match_mapping("x", &mapping), None);
}

fn ev(v: Value) -> ResponsesStreamEvent {
    serde_json::from_value(v).unwrap()
}

#[test]
fn commit_classes() {
    let cases = [
        (
            json!({"type": "response.created", "response": {"id": "r"}}),
            EventClass::PreContent,
        ),
        (json!({"type": "codex.rate_limits"}), EventClass::PreContent),
        (
            json!({"type": "response.output_item.added", "item": {"type": "reasoning", "id": "rs"}}),
            EventClass::PreContent,
        ),
        (
            json!({"type": "response.output_item.added", "item": {"type": "message", "role": "assistant", "content": []}}),
            EventClass::PreContent,
        ),
        (
            json!({"type": "response.output_item.added", "item": {"type": "function_call", "call_id": "c", "name": "f"}}),
            EventClass::Content,
        ),
        (
            json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs", "delta": "x"}),
            EventClass::Content,
        ),
        (
            json!({"type": "response.image_generation_call.partial_image", "item_id": "ig"}),
            EventClass::Content,
        ),
        (
            json!({"type": "response.output_item.done", "item": {"type": "reasoning", "id": "rs"}}),
            EventClass::PreContent,
        ),
        (
            json!({"type": "response.output_item.done", "item": {"type": "image_generation_call", "id": "ig"}}),
            EventClass::Content,
        ),
        (
            json!({"type": "response.completed", "response": {"id": "r"}}),
            EventClass::Finished,
        ),
        (
            json!({"type": "error", "message": "boom"}),
            EventClass::Failed,
        ),
    ];
    for (value, class) in cases {
        assert_eq!(classify_event(&ev(value.clone())), class, "{value}");
    }
}

#[test]
fn failure_status_derivation() {
    let table = [
        ("usage_limit_reached", 429),
        ("rate_limit_exceeded", 429),
        ("unauthorized", 401),
        ("invalid_api_key", 401),
        ("payment_required", 402),
        ("forbidden", 403),
        ("context_length_exceeded", 400),
        ("model_not_found", 400),
        ("invalid_prompt", 400),
        ("server_is_overloaded", 500),
        ("something", 500),
    ];
    for (code, status) in table {
        assert_eq!(derive_failure_status(code), status, "{code}");
    }
    let f = failure_from_event(&ev(json!({"type": "response.failed", "response": {"id": "r", "error": {"code": "server_is_overloaded", "message": "busy"}}}))).unwrap();
    assert_eq!((f.status, f.kind), (500, FailureKind::Overloaded));
    assert_eq!(f.to_anthropic_json()["error"]["type"], "overloaded_error");
    let f = failure_from_event(&ev(json!({"type": "error", "status": 429, "error": {"type": "usage_limit_reached", "message": "quota"}}))).unwrap();
    assert_eq!(
        (f.status, f.kind, f.code.as_deref()),
        (429, FailureKind::UsageLimit, Some("usage_limit_reached"))
    );
    assert_eq!(f.to_openai_json()["error"]["type"], "rate_limit_error");
}
