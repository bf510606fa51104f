//! Request translation tests: Chat and Anthropic → Responses, including validation errors,
//! tool-id round trips, thinking signatures and effort mapping.

#![expect(clippy::unwrap_used, reason = "test helpers fail loudly on bad input")]

use gateway_protocol::anthropic::effort_for_thinking;
use gateway_protocol::responses::{ResponseItem, ResponsesInput};
use gateway_protocol::{
    anthropic_to_responses, chat_to_responses, normalize_request, AnthropicOptions,
    MessagesRequest, NormalizeOptions, ProtocolError, ResponsesRequest,
};
use serde_json::{json, Value};

fn chat(body: Value) -> Result<ResponsesRequest, ProtocolError> {
    chat_to_responses(&serde_json::from_value(body).unwrap())
}

fn anthropic(body: Value) -> gateway_protocol::AnthropicTranslation {
    let req: MessagesRequest = serde_json::from_value(body).unwrap();
    anthropic_to_responses(&req, &AnthropicOptions::default()).unwrap()
}

fn input(req: &ResponsesRequest) -> Value {
    serde_json::to_value(&req.input).unwrap()
}

#[test]
fn chat_messages_tools_and_images() {
    let req = chat(json!({
        "model": "gpt-5.5",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [
                {"type": "text", "text": "what is this"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAA", "detail": "high"}},
                {"type": "image_url", "image_url": "https://x/y.png"}
            ]},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ]},
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"}
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"pattern": {"type": "string", "pattern": "^a"}}}}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "parallel_tool_calls": false,
        "reasoning_effort": "low",
        "temperature": 0.3,
        "stream": true
    }))
    .unwrap();
    assert_eq!(
        input(&req),
        json!([
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "what is this"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAA", "detail": "high"},
                {"type": "input_image", "image_url": "https://x/y.png"}
            ]},
            {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_1", "output": "ok"}
        ])
    );
    let tools = req.tools.clone().unwrap();
    assert_eq!(
        tools[0],
        json!({"type": "function", "name": "f", "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}}})
    );
    assert_eq!(
        req.tool_choice,
        Some(json!({"type": "function", "name": "f"}))
    );
    assert_eq!(req.parallel_tool_calls, Some(false));
    let reasoning = req.reasoning.clone().unwrap();
    assert_eq!(
        (reasoning.effort.as_deref(), reasoning.summary.as_deref()),
        (Some("low"), Some("auto"))
    );
    assert_eq!(req.instructions.as_deref(), Some(""));
    assert!(!req.extra.contains_key("temperature"));
}

#[test]
fn chat_validation_errors_name_the_param() {
    let cases = [
        (
            json!({"messages": [{"role": "wizard", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"messages": [{"role": "tool", "content": "x"}]}),
            "messages[0].tool_call_id",
        ),
        (
            json!({"messages": [{"role": "user"}]}),
            "messages[0].content",
        ),
        (json!({"messages": [], "n": 2}), "n"),
        (
            json!({"messages": [], "tools": [{"type": "function", "function": {"name": ""}}]}),
            "tools[0].function.name",
        ),
        (
            json!({"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]}),
            "messages[0].content[0]",
        ),
    ];
    for (body, param) in cases {
        let err = chat(body).unwrap_err();
        assert_eq!(err.param(), Some(param), "{err}");
        assert_eq!(err.status(), 400);
        assert_eq!(err.to_openai_json()["error"]["param"], json!(param));
    }
}

#[test]
fn chat_json_object_adds_instruction_and_legacy_functions() {
    let req = chat(json!({
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_object"},
        "functions": [{"name": "g"}],
        "function_call": {"name": "g"},
        "web_search_options": {}
    }))
    .unwrap();
    let items = input(&req);
    assert_eq!(items[0]["role"], "developer");
    assert!(items[0]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("JSON"));
    assert_eq!(
        req.text.unwrap().format,
        Some(json!({"type": "json_object"}))
    );
    let tools = req.tools.unwrap();
    assert_eq!(
        tools[0]["parameters"],
        json!({"type": "object", "properties": {}})
    );
    assert_eq!(tools[1], json!({"type": "web_search"}));
    assert_eq!(
        req.tool_choice,
        Some(json!({"type": "function", "name": "g"}))
    );
}

#[test]
fn chat_tool_output_with_image_is_an_array() {
    let req = chat(json!({"messages": [
        {"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": "shot", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c", "content": [
            {"type": "text", "text": "here"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,QQ"}}
        ]}
    ]}))
    .unwrap();
    assert_eq!(
        input(&req)[1]["output"],
        json!([{"type": "input_text", "text": "here"}, {"type": "input_image", "image_url": "data:image/png;base64,QQ"}])
    );
}

#[test]
fn anthropic_system_blocks_mid_system_and_images() {
    let t = anthropic(json!({
        "model": "claude-opus-4-8",
        "system": [{"type": "text", "text": "billing"}, {"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "<reminder>"},
                {"type": "text", "text": "prompt"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAA"}},
                {"type": "image", "source": {"type": "url", "url": "https://x/i.png"}}
            ]},
            {"role": "system", "content": "agent list"}
        ],
        "max_tokens": 64000,
        "thinking": {"type": "adaptive"},
        "output_config": {"effort": "high"},
        "context_management": {"edits": []}
    }));
    assert!(t.thinking);
    assert_eq!(
        input(&t.request),
        json!([
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "billing\n\nrules"}]},
            {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "<reminder>"},
                {"type": "input_text", "text": "prompt"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAA"},
                {"type": "input_image", "image_url": "https://x/i.png"}
            ]},
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "agent list"}]}
        ])
    );
    assert_eq!(t.request.reasoning.unwrap().effort.as_deref(), Some("high"));
    assert!(t.request.extra.is_empty());
}

#[test]
fn anthropic_tool_loop_round_trips_ids_and_signature() {
    let t = anthropic(json!({
        "model": "claude-sonnet-5",
        "thinking": {"type": "enabled", "budget_tokens": 10000},
        "tools": [
            {"name": "Bash", "description": "run", "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"cmd": {"type": "string", "maxLength": 10}}}},
            {"type": "web_search_20250305", "name": "web_search"},
            {"type": "bash_20250124", "name": "bash"}
        ],
        "tool_choice": {"type": "any", "disable_parallel_tool_use": true},
        "messages": [
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "I should run ls", "signature": "gAAAAABsig=="},
                {"type": "thinking", "thinking": "unsigned"},
                {"type": "redacted_thinking", "data": "xx"},
                {"type": "text", "text": "Running."},
                {"type": "tool_use", "id": "call_XYZ", "name": "Bash", "input": {"cmd": "ls"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_XYZ", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}], "is_error": true, "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "continue"}
            ]}
        ]
    }));
    let items = input(&t.request);
    assert_eq!(
        items[1],
        json!({"type": "reasoning", "summary": [{"type": "summary_text", "text": "I should run ls"}], "encrypted_content": "gAAAAABsig=="})
    );
    assert_eq!(
        items[2]["content"][0],
        json!({"type": "output_text", "text": "Running."})
    );
    assert_eq!(
        items[3],
        json!({"type": "function_call", "call_id": "call_XYZ", "name": "Bash", "arguments": "{\"cmd\":\"ls\"}"})
    );
    assert_eq!(
        items[4],
        json!({"type": "function_call_output", "call_id": "call_XYZ", "output": "[error] a\nb"})
    );
    assert_eq!(items[5]["content"][0]["text"], "continue");
    assert_eq!(items.as_array().unwrap().len(), 6);
    assert_eq!(t.notes.len(), 3, "{:?}", t.notes);
    let tools = t.request.tools.clone().unwrap();
    assert_eq!(tools.len(), 2);
    assert_eq!(
        tools[0]["parameters"]["properties"]["cmd"],
        json!({"type": "string"})
    );
    assert_eq!(tools[1], json!({"type": "web_search"}));
    assert_eq!(t.request.tool_choice, Some(json!("required")));
    assert_eq!(t.request.parallel_tool_calls, Some(false));
    assert_eq!(
        t.request.reasoning.as_ref().unwrap().effort.as_deref(),
        Some("medium")
    );
}

#[test]
fn signature_issued_in_stream_is_accepted_back_verbatim() {
    use gateway_protocol::responses::ResponsesStreamEvent;
    use gateway_protocol::{
        AnthropicStreamEvent, AnthropicStreamOptions, ResponsesToAnthropicStream,
    };
    let encrypted = "gAAAAABk+/=\u{00e9}opaque";
    let done: ResponsesStreamEvent = serde_json::from_value(json!({
        "type": "response.output_item.done", "output_index": 0,
        "item": {"type": "reasoning", "id": "rs_9", "summary": [{"type": "summary_text", "text": "t"}], "encrypted_content": encrypted}
    }))
    .unwrap();
    let mut conv = ResponsesToAnthropicStream::new(AnthropicStreamOptions {
        message_id: "msg".into(),
        model: "claude".into(),
        thinking: true,
    });
    let signature = conv
        .push(&done)
        .into_iter()
        .find_map(|e| match e {
            AnthropicStreamEvent::ContentBlockDelta { delta, .. }
                if delta["type"] == "signature_delta" =>
            {
                delta["signature"].as_str().map(str::to_owned)
            }
            _ => None,
        })
        .unwrap();
    let t = anthropic(json!({"model": "claude", "messages": [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": signature}, {"type": "text", "text": "a"}]},
        {"role": "user", "content": "next"}
    ]}));
    let ResponsesInput::Items(items) = &t.request.input else {
        panic!()
    };
    let ResponseItem::Reasoning(r) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(r.encrypted_content.as_deref(), Some(encrypted));
}

#[test]
fn anthropic_tool_result_without_call_is_repaired_by_normalisation() {
    let mut t = anthropic(json!({"model": "claude-haiku-4", "messages": [
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_gone", "content": "late"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Read", "input": {}}]},
        {"role": "user", "content": "go on"}
    ]}));
    let report = normalize_request(&mut t.request, &NormalizeOptions::default());
    assert_eq!(report.orphan_outputs_repaired, ["toolu_gone"]);
    assert_eq!(report.orphan_calls_repaired, ["toolu_1"]);
    let items = input(&t.request);
    assert_eq!(items[0]["role"], "user");
    assert!(items[0]["content"][0]["text"]
        .as_str()
        .unwrap()
        .contains("toolu_gone"));
    assert_eq!(items[2]["type"], "function_call_output");
    assert_eq!(items[2]["call_id"], "toolu_1");
    assert_eq!(items[3]["role"], "user");
}

#[test]
fn anthropic_effort_mapping() {
    let budget = |b: u64| {
        effort_for_thinking(
            &serde_json::from_value(json!({"type": "enabled", "budget_tokens": b})).unwrap(),
        )
    };
    assert_eq!(budget(1024).as_deref(), Some("low"));
    assert_eq!(budget(4096).as_deref(), Some("medium"));
    assert_eq!(budget(16_383).as_deref(), Some("medium"));
    assert_eq!(budget(16_384).as_deref(), Some("high"));
    assert_eq!(budget(32_768).as_deref(), Some("xhigh"));
    let effort = |body: Value| anthropic(body).request.reasoning.unwrap().effort.unwrap();
    let msgs = json!([{"role": "user", "content": "x"}]);
    assert_eq!(
        effort(json!({"model": "c", "messages": msgs, "thinking": {"type": "disabled"}})),
        "low"
    );
    assert_eq!(
        effort(json!({"model": "c", "messages": msgs, "thinking": {"type": "adaptive"}})),
        "high"
    );
    assert_eq!(effort(json!({"model": "c", "messages": msgs})), "medium");
    assert_eq!(
        effort(
            json!({"model": "c", "messages": msgs, "thinking": {"type": "disabled"}, "output_config": {"effort": "max"}})
        ),
        "max"
    );
    let t = anthropic(
        json!({"model": "c", "messages": msgs, "thinking": {"type": "disabled"},
        "output_config": {"effort": "high", "format": {"type": "json_schema", "schema": {"type": "object", "properties": {"title": {"type": "string"}}}}},
        "speed": "fast"}),
    );
    assert!(!t.thinking);
    assert_eq!(t.request.text.unwrap().format.unwrap()["name"], "output");
    assert_eq!(t.request.service_tier.as_deref(), Some("priority"));
}

#[test]
fn anthropic_unknown_role_is_an_error() {
    let req: MessagesRequest = serde_json::from_value(
        json!({"model": "c", "messages": [{"role": "bot", "content": "x"}]}),
    )
    .unwrap();
    let err = anthropic_to_responses(&req, &AnthropicOptions::default()).unwrap_err();
    assert_eq!(err.param(), Some("messages[0].role"));
    assert_eq!(
        err.to_anthropic_json()["error"]["type"],
        "invalid_request_error"
    );
}
