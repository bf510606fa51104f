//! Input fixes (upstream.md §3.6): `system` → `developer`, part types by role, unsigned
//! reasoning dropped, and orphan repair of tool calls and outputs (translation.md §2.3).

use std::collections::HashSet;

use serde_json::{json, Value};

use super::NormalizeReport;
use crate::responses::{MessageContent, ResponseItem, ToolCallOutput};

/// Text of the synthetic output given to a call that never got one.
pub const MISSING_OUTPUT_TEXT: &str = "The tool call did not complete: no output was returned.";

/// Applies every input fix in order.
pub(crate) fn fix_input(items: &mut Vec<ResponseItem>, report: &mut NormalizeReport) {
    for item in items.iter_mut() {
        upgrade_untyped_message(item);
        if let ResponseItem::Message(message) = item {
            if message.role == "system" {
                message.role = "developer".into();
            }
            fix_part_types(&message.role, &mut message.content);
        }
    }
    let before = items.len();
    items.retain(|item| match item {
        ResponseItem::Reasoning(r) => r
            .encrypted_content
            .as_deref()
            .is_some_and(|c| !c.is_empty()),
        _ => true,
    });
    report.reasoning_items_dropped = before - items.len();
    repair_orphan_outputs(items, report);
    repair_orphan_calls(items, report);
}

/// `{"role":…,"content":…}` without `type` is a message (EasyInputMessage).
fn upgrade_untyped_message(item: &mut ResponseItem) {
    let ResponseItem::Unknown(Value::Object(map)) = item else {
        return;
    };
    if map.contains_key("type") || !map.contains_key("role") {
        return;
    }
    let mut map = map.clone();
    map.insert("type".into(), json!("message"));
    if let Ok(parsed @ ResponseItem::Message(_)) = serde_json::from_value(Value::Object(map)) {
        *item = parsed;
    }
}

/// Text parts are `output_text` for the assistant, `input_text` for everyone else.
fn fix_part_types(role: &str, content: &mut MessageContent) {
    let MessageContent::Parts(parts) = content else {
        return;
    };
    let wanted = if role == "assistant" {
        "output_text"
    } else {
        "input_text"
    };
    for part in parts.iter_mut() {
        if matches!(part.kind.as_str(), "input_text" | "output_text" | "text") {
            part.kind = wanted.into();
        }
    }
}

fn call_id(item: &ResponseItem) -> Option<&str> {
    match item {
        ResponseItem::FunctionCall(c) => Some(&c.call_id),
        ResponseItem::CustomToolCall(c) => Some(&c.call_id),
        _ => None,
    }
}

fn output_id(item: &ResponseItem) -> Option<&str> {
    match item {
        ResponseItem::FunctionCallOutput(o) | ResponseItem::CustomToolCallOutput(o) => {
            Some(&o.call_id)
        }
        _ => None,
    }
}

/// An output whose call appears nowhere before it becomes a labelled user message.
fn repair_orphan_outputs(items: &mut [ResponseItem], report: &mut NormalizeReport) {
    let mut calls: HashSet<String> = HashSet::new();
    for item in items.iter_mut() {
        if let Some(id) = call_id(item) {
            calls.insert(id.to_owned());
            continue;
        }
        let orphan = match item {
            ResponseItem::FunctionCallOutput(o) | ResponseItem::CustomToolCallOutput(o)
                if !calls.contains(&o.call_id) =>
            {
                Some((o.call_id.clone(), o.text()))
            }
            _ => None,
        };
        if let Some((id, text)) = orphan {
            *item = ResponseItem::text_message("user", format!("[tool output for {id}]\n{text}"));
            report.orphan_outputs_repaired.push(id);
        }
    }
}

/// A call with no output anywhere gets a synthetic output at the end of its run of
/// call/output items, so parallel calls keep their outputs together.
fn repair_orphan_calls(items: &mut Vec<ResponseItem>, report: &mut NormalizeReport) {
    let answered: HashSet<String> = items
        .iter()
        .filter_map(output_id)
        .map(str::to_owned)
        .collect();
    if items
        .iter()
        .filter_map(call_id)
        .all(|id| answered.contains(id))
    {
        return;
    }
    let mut out = Vec::with_capacity(items.len() + 1);
    let mut pending: Vec<ResponseItem> = Vec::new();
    for item in items.drain(..) {
        let in_run = call_id(&item).is_some() || output_id(&item).is_some();
        if !in_run {
            out.append(&mut pending);
        }
        if let Some(synthetic) = synthetic_output(&item, &answered) {
            report
                .orphan_calls_repaired
                .push(call_id(&item).unwrap_or_default().to_owned());
            pending.push(synthetic);
        }
        out.push(item);
    }
    out.append(&mut pending);
    *items = out;
}

fn synthetic_output(item: &ResponseItem, answered: &HashSet<String>) -> Option<ResponseItem> {
    let output = |id: &str| ToolCallOutput::new(id, json!(MISSING_OUTPUT_TEXT));
    match item {
        ResponseItem::FunctionCall(c) if !answered.contains(&c.call_id) => {
            Some(ResponseItem::FunctionCallOutput(output(&c.call_id)))
        }
        ResponseItem::CustomToolCall(c) if !answered.contains(&c.call_id) => {
            Some(ResponseItem::CustomToolCallOutput(output(&c.call_id)))
        }
        _ => None,
    }
}
