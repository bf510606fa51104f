//! Deterministic answers derived from the request, so end-to-end tests know what to expect.
//!
//! Rules (also in the README):
//! - The last input item is a `function_call_output`/`custom_tool_call_output`: the answer is
//!   `Tool output: <output, first 200 chars> — café 🦀`.
//! - Otherwise, if the request declares tools and the last user text holds markers
//!   `[[call:NAME]]` or `[[call:NAME ARGS]]` naming declared tools, the answer is one tool call
//!   per marker (function tools, functions nested in `namespace` tools as `NAME` or `NS.NAME`,
//!   and `custom` tools whose `input` is `ARGS` verbatim).
//! - Otherwise the answer is `Echo: <last user text, first 200 chars> — café 🦀`; the suffix
//!   makes every stream carry multi-byte UTF-8 (2-, 3- and 4-byte characters).
//! - A reasoning item (summary `Thinking about: <first 40 chars>`) precedes the answer when
//!   the request has a non-null `reasoning`.

use serde_json::Value;

/// Suffix appended to every text answer: `—` (3 bytes), `é` (2 bytes), `🦀` (4 bytes).
pub const TEXT_SUFFIX: &str = " — café 🦀";
const TEXT_LIMIT: usize = 200;
const SUMMARY_LIMIT: usize = 40;

/// Whether a tool call is a JSON-argument function call or a free-form custom tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolCallKind {
    /// `function_call` item with `arguments`.
    Function,
    /// `custom_tool_call` item with `input`.
    Custom,
}

/// A tool call the mock will emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedToolCall {
    pub kind: ToolCallKind,
    pub name: String,
    /// The `namespace` tool the function was declared in, if any.
    pub namespace: Option<String>,
    /// `arguments` (compact JSON, `{}` when the marker has none) or the custom tool `input`.
    pub arguments: String,
}

/// Everything the mock will answer for a request, before any fault.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExpectedOutput {
    /// Reasoning summary text, when the request has `reasoning`.
    pub reasoning_summary: Option<String>,
    /// The assistant message text; `None` when the answer is tool calls.
    pub text: Option<String>,
    pub tool_calls: Vec<ExpectedToolCall>,
}

/// The assistant text the mock streams for `request` (empty when it answers with tool calls).
pub fn expected_text(request: &Value) -> String {
    expected_output(request).text.unwrap_or_default()
}

/// The full deterministic answer for a `/responses` request body.
pub fn expected_output(request: &Value) -> ExpectedOutput {
    let items = request.get("input");
    let last = items.and_then(Value::as_array).and_then(|a| a.last());
    let user = last_user_text(items);
    let reasoning_summary = request
        .get("reasoning")
        .is_some_and(|r| !r.is_null())
        .then(|| format!("Thinking about: {}", truncate(&user, SUMMARY_LIMIT)));

    let tool_output = last.and_then(|item| match item.get("type").and_then(Value::as_str) {
        Some("function_call_output" | "custom_tool_call_output") => Some(output_text(item)),
        _ => None,
    });
    if let Some(out) = tool_output {
        let text = format!("Tool output: {}{TEXT_SUFFIX}", truncate(&out, TEXT_LIMIT));
        return ExpectedOutput {
            reasoning_summary,
            text: Some(text),
            tool_calls: Vec::new(),
        };
    }

    let tool_calls = match request.get("tools").and_then(Value::as_array) {
        Some(tools) if !tools.is_empty() => markers(&user)
            .into_iter()
            .filter_map(|(name, args)| resolve(tools, name, args))
            .collect(),
        _ => Vec::new(),
    };
    let text = tool_calls
        .is_empty()
        .then(|| format!("Echo: {}{TEXT_SUFFIX}", truncate(&user, TEXT_LIMIT)));
    ExpectedOutput {
        reasoning_summary,
        text,
        tool_calls,
    }
}

fn truncate(s: &str, max_chars: usize) -> &str {
    s.char_indices().nth(max_chars).map_or(s, |(i, _)| &s[..i])
}

/// Text of the last `user` message: a bare string input, or its text parts joined.
fn last_user_text(input: Option<&Value>) -> String {
    match input {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .rev()
            .find(|i| i.get("role").and_then(Value::as_str) == Some("user"))
            .map(|i| content_text(i.get("content")))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn output_text(item: &Value) -> String {
    match item.get("output") {
        Some(Value::String(s)) => s.clone(),
        Some(other @ Value::Array(_)) => content_text(Some(other)),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// `[[call:NAME]]` / `[[call:NAME ARGS]]` markers, in order.
fn markers(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("[[call:") {
        let after = &rest[start + 7..];
        let Some(end) = after.find("]]") else { break };
        let inner = after[..end].trim();
        let (name, args) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        out.push((name, args.trim()));
        rest = &after[end + 2..];
    }
    out
}

fn named<'a>(tools: &'a [Value], ty: &str, name: &str) -> Option<&'a Value> {
    tools.iter().find(|t| {
        t.get("type").and_then(Value::as_str) == Some(ty)
            && t.get("name").and_then(Value::as_str) == Some(name)
    })
}

fn resolve(tools: &[Value], name: &str, args: &str) -> Option<ExpectedToolCall> {
    let function = |name: &str, namespace: Option<String>| ExpectedToolCall {
        kind: ToolCallKind::Function,
        name: name.to_owned(),
        namespace,
        arguments: match serde_json::from_str::<Value>(args) {
            Ok(v) => v.to_string(),
            Err(_) if args.is_empty() => "{}".to_owned(),
            Err(_) => args.to_owned(),
        },
    };
    if named(tools, "function", name).is_some() {
        return Some(function(name, None));
    }
    if named(tools, "custom", name).is_some() {
        return Some(ExpectedToolCall {
            kind: ToolCallKind::Custom,
            name: name.to_owned(),
            namespace: None,
            arguments: args.to_owned(),
        });
    }
    let (ns_wanted, fn_name) = match name.split_once('.') {
        Some((ns, f)) => (Some(ns), f),
        None => (None, name),
    };
    tools
        .iter()
        .filter(|t| t.get("type").and_then(Value::as_str) == Some("namespace"))
        .filter(|t| ns_wanted.is_none_or(|ns| t.get("name").and_then(Value::as_str) == Some(ns)))
        .find_map(|ns| {
            let inner = ns.get("tools").and_then(Value::as_array)?;
            named(inner, "function", fn_name)?;
            let ns_name = ns.get("name").and_then(Value::as_str).map(str::to_owned);
            Some(function(fn_name, ns_name))
        })
}

/// Splits `text` into up to `max` pieces on character boundaries (never inside a UTF-8 char).
pub(crate) fn chunks(text: &str, max: usize) -> Vec<&str> {
    let n_chars = text.chars().count();
    if n_chars == 0 {
        return Vec::new();
    }
    let per = n_chars.div_ceil(max.max(1)).max(1);
    let mut out = Vec::with_capacity(max);
    let mut start = 0;
    for (count, (i, _)) in text.char_indices().enumerate() {
        if count > 0 && count % per == 0 {
            out.push(&text[start..i]);
            start = i;
        }
    }
    out.push(&text[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn echo_and_markers() {
        let req = json!({"input": "hi"});
        assert_eq!(expected_text(&req), format!("Echo: hi{TEXT_SUFFIX}"));
        let req = json!({
            "tools": [{"type":"function","name":"f"},{"type":"custom","name":"c"},
                      {"type":"namespace","name":"ns","tools":[{"type":"function","name":"g"}]}],
            "input": [{"role":"user","content":[{"type":"input_text","text":
                "x [[call:f {\"a\": 1}]] [[call:c raw text]] [[call:ns.g]] [[call:nope]]"}]}]
        });
        let out = expected_output(&req);
        assert_eq!(out.text, None);
        assert_eq!(out.tool_calls.len(), 3);
        assert_eq!(out.tool_calls[0].arguments, r#"{"a":1}"#);
        assert_eq!(out.tool_calls[1].kind, ToolCallKind::Custom);
        assert_eq!(out.tool_calls[1].arguments, "raw text");
        assert_eq!(out.tool_calls[2].namespace.as_deref(), Some("ns"));
    }

    #[test]
    fn chunks_keep_chars_whole() {
        let t = "ab🦀cdé";
        let c = chunks(t, 4);
        assert_eq!(c.concat(), t);
        assert!(c.len() <= 4);
        assert!(chunks("", 3).is_empty());
    }
}
