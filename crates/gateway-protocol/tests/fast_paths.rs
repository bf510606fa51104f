//! The relay's fast paths must not change a result: the two-step event parser (`type` first,
//! or the `event:` line, then the variant's struct) gives exactly what the derived
//! `Deserialize` of the tagged enum gives, on every fixture event and on the malformed
//! payloads an upstream could send; and `ResponseCollector::push_owned` (events moved in)
//! aggregates exactly as `push` (by reference), whole streams and cut ones.

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use common::{decode_chunks, fixture, FIXTURES};
use gateway_protocol::responses::{collect_events, ResponseCollector, ResponsesStreamEvent};
use gateway_protocol::SseFrame;
use serde_json::Value;

fn fixture_frames(name: &str) -> Vec<SseFrame> {
    decode_chunks([fixture(name).as_slice()])
}

/// The parser before the two-step one: serde's tagged enum, plus the `event:` line fallback.
fn derived_from_frame(frame: &SseFrame) -> Result<ResponsesStreamEvent, serde_json::Error> {
    let event: ResponsesStreamEvent = serde_json::from_str(&frame.data)?;
    match (&event, &frame.event) {
        (ResponsesStreamEvent::Unknown(Value::Object(map)), Some(name))
            if !map.contains_key("type") =>
        {
            let mut map = map.clone();
            map.insert("type".into(), Value::String(name.clone()));
            serde_json::from_value(Value::Object(map))
        }
        _ => Ok(event),
    }
}

fn frame(event: Option<&str>, data: &str) -> SseFrame {
    SseFrame {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        raw: bytes::Bytes::new(),
    }
}

fn assert_same(frame: &SseFrame) {
    // Errors only need to agree on being errors; successes must be equal.
    let derived = derived_from_frame(frame).map_err(|_| "error");
    let two_step = ResponsesStreamEvent::from_frame(frame).map_err(|_| "error");
    assert_eq!(derived, two_step, "frame {frame:?}");
    let derived = serde_json::from_str::<ResponsesStreamEvent>(&frame.data).map_err(|_| "error");
    let parsed = ResponsesStreamEvent::parse(&frame.data).map_err(|_| "error");
    assert_eq!(derived, parsed, "payload {}", frame.data);
}

#[test]
fn every_fixture_event_parses_as_before() {
    for name in FIXTURES {
        let frames = fixture_frames(name);
        assert!(!frames.is_empty(), "{name}");
        for f in &frames {
            assert_same(f);
            // The same payload named only by its `event:` line.
            if let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&f.data) {
                if let Some(Value::String(kind)) = map.remove("type") {
                    let data = Value::Object(map).to_string();
                    assert_same(&frame(Some(&kind), &data));
                    assert_same(&frame(None, &data));
                }
            }
        }
    }
}

#[test]
fn typed_variants_do_not_keep_the_tag_in_extra() {
    let event = ResponsesStreamEvent::parse(
        r#"{"delta":"hi","item_id":"m","type":"response.output_text.delta","x":1}"#,
    )
    .unwrap();
    let ResponsesStreamEvent::OutputTextDelta(delta) = &event else {
        panic!("{event:?}");
    };
    assert_eq!(delta.delta, "hi");
    assert!(!delta.extra.contains_key("type"));
    assert_eq!(delta.extra.get("x"), Some(&Value::from(1)));
}

#[test]
fn malformed_and_unusual_payloads_parse_as_before() {
    let cases: &[(Option<&str>, &str)] = &[
        (
            None,
            r#"{"type":"response.created","response":{"id":"r"},"sequence_number":1}"#,
        ),
        (
            None,
            r#"{"response":{"id":"r","output":[{"type":"message","role":"assistant","content":[]}]},"type":"response.completed"}"#,
        ),
        (
            None,
            r#"{"type":"response.output_item.added","output_index":0}"#,
        ),
        (
            None,
            r#"{"type":"response.output_item.done","output_index":0,"item":{"type":"message","role":"assistant","content":"x"}}"#,
        ),
        (
            None,
            r#"{"type":"response.output_item.done","output_index":"zero","item":{}}"#,
        ),
        (
            None,
            r#"{"type":"codex.rate_limits","primary":{"used_percent":1.5}}"#,
        ),
        (
            None,
            r#"{"type":"response.output_text.delt\u0061","delta":"esc\"aped","item_id":"i"}"#,
        ),
        (
            None,
            r#"{"type":"error","code":"server_is_overloaded","message":"busy","status":503}"#,
        ),
        (
            None,
            r#"{"type":"response.failed","response":{"id":"r","error":{"code":"x","message":"m"}}}"#,
        ),
        (None, r#"{"no_type":1}"#),
        (
            Some("response.output_text.delta"),
            r#"{"delta":"x","item_id":"i"}"#,
        ),
        (Some("codex.rate_limits"), r#"{"primary":{}}"#),
        (Some("response.output_item.added"), r#"{"output_index":0}"#),
        (Some("response.created"), r#"{"type":null}"#),
        (
            Some("response.output_text.delta"),
            r#"{"type":"response.output_text.done","item_id":"i","text":"t"}"#,
        ),
        (
            Some("response.output_text.delta"),
            r#"{"type":"codex.rate_limits","delta":"d"}"#,
        ),
        (
            Some("response.output_text.delta"),
            r#"{"delta":"d","type":"response.output_text.delta","item_id":"i"}"#,
        ),
        (
            Some("response.output_text.delta"),
            r#"{"type":"response.output_text.delta","type":"x","delta":"d"}"#,
        ),
        (
            Some("response.output_item.done"),
            r#"{"type":"response.output_item.done","output_index":0}"#,
        ),
        (
            Some("codex.rate_limits"),
            r#"{"type":"response.output_text.delta","delta":"d"}"#,
        ),
        (None, r#"{"type":5}"#),
        (None, r#"{"type":null}"#),
        (None, r#"{"type":"response.created","type":"error"}"#),
        (Some("error"), r#"[1,2]"#),
        (None, r#"["response.created",{}]"#),
        (None, r#""response.created""#),
        (None, r#"{"type":"response.created""#),
        (None, "not json"),
        (
            None,
            r#"{"type":"response.output_text.delta","delta":"x"} trailing"#,
        ),
        (
            None,
            r#"  {"type":"response.output_text.delta","delta":"x"}  "#,
        ),
    ];
    for (event, data) in cases {
        assert_same(&frame(*event, data));
    }
}

#[test]
fn a_numeric_type_is_not_a_variant_index() {
    // serde's tagged enums read an integer tag as a variant index (`7` was the eighth
    // variant); no upstream sends that, and an event of unknown type is what it is.
    let event = ResponsesStreamEvent::parse(r#"{"type":7,"delta":"d"}"#).unwrap();
    assert!(
        matches!(event, ResponsesStreamEvent::Unknown(_)),
        "{event:?}"
    );
}

#[test]
fn owned_and_borrowed_pushes_aggregate_alike() {
    for name in FIXTURES {
        let all: Vec<ResponsesStreamEvent> = fixture_frames(name)
            .iter()
            .map(|f| ResponsesStreamEvent::from_frame(f).unwrap())
            .collect();
        for cut in 0..=all.len() {
            let by_ref = collect_events(&all[..cut]);
            let mut owned = ResponseCollector::new();
            for event in all[..cut].iter().cloned() {
                owned.push_owned(event);
            }
            assert_eq!(owned.finish(), by_ref, "{name}, first {cut} events");
        }
    }
}
