//! Tool sanitising (upstream.md §3.5): default `parameters`, JSON-Schema keywords the backend
//! refuses removed at every schema depth, `web_search*` normalised, `namespace` tools
//! recursed into, `tool_search` descriptions defaulted, and the 128-tool cap.

use serde_json::{json, Map, Value};

/// The most tools the backend accepts.
pub const MAX_TOOLS: usize = 128;

/// Schema keywords removed at every depth.
const STRIPPED_KEYWORDS: &[&str] = &[
    "uniqueItems",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "pattern",
    "minLength",
    "maxLength",
    "format",
    "minProperties",
    "maxProperties",
];

/// Keywords whose value is a map of property names to subschemas.
const SCHEMA_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];
/// Keywords whose value is one subschema (or, for `items`, possibly an array of them).
const SCHEMA_SINGLE: &[&str] = &[
    "items",
    "additionalProperties",
    "additionalItems",
    "unevaluatedProperties",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
];
/// Keywords whose value is an array of subschemas.
const SCHEMA_ARRAYS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];

const TOOL_SEARCH_DESCRIPTION: &str = "Search the available tools by name or description.";

/// Removes the refused keywords from a JSON Schema at every depth. The walk is
/// schema-aware: a *property* named `format` or `pattern` is kept, only keywords go.
pub fn sanitize_schema(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            for key in STRIPPED_KEYWORDS {
                map.remove(*key);
            }
            for (key, value) in map.iter_mut() {
                if SCHEMA_MAPS.contains(&key.as_str()) {
                    if let Value::Object(children) = value {
                        children.values_mut().for_each(sanitize_schema);
                    }
                } else if SCHEMA_SINGLE.contains(&key.as_str())
                    || SCHEMA_ARRAYS.contains(&key.as_str())
                {
                    sanitize_schema(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sanitize_schema),
        _ => {}
    }
}

/// Sanitises one tool in place (function, web_search*, namespace, tool_search).
pub fn sanitize_tool(tool: &mut Value) {
    let Value::Object(map) = tool else { return };
    let kind = map
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("function")
        .to_owned();
    match kind.as_str() {
        "function" => sanitize_function(map),
        "namespace" => {
            if let Some(Value::Array(children)) = map.get_mut("tools") {
                children.iter_mut().for_each(sanitize_tool);
            }
        }
        "tool_search" => {
            let missing = map
                .get("description")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty);
            if missing {
                map.insert("description".into(), json!(TOOL_SEARCH_DESCRIPTION));
            }
        }
        k if k.starts_with("web_search") => {
            map.insert("type".into(), json!("web_search"));
        }
        _ => {}
    }
}

fn sanitize_function(map: &mut Map<String, Value>) {
    match map.get_mut("parameters") {
        Some(params) if params.is_object() => sanitize_schema(params),
        _ => {
            map.insert(
                "parameters".into(),
                json!({"type": "object", "properties": {}}),
            );
        }
    }
}

fn is_image_generation(tool: &Value) -> bool {
    tool.get("type").and_then(Value::as_str) == Some("image_generation")
}

/// Keeps at most [`MAX_TOOLS`] tools in order, never dropping `image_generation`. Returns how
/// many tools were dropped.
pub fn cap_tools(tools: &mut Vec<Value>) -> usize {
    if tools.len() <= MAX_TOOLS {
        return 0;
    }
    let images = tools.iter().filter(|t| is_image_generation(t)).count();
    let mut others_left = MAX_TOOLS.saturating_sub(images);
    let before = tools.len();
    tools.retain(|tool| {
        if is_image_generation(tool) {
            return true;
        }
        if others_left > 0 {
            others_left -= 1;
            return true;
        }
        false
    });
    before - tools.len()
}

/// Removes hosted `image_generation` tools (Responses Lite, upstream.md §3.8).
pub fn remove_image_generation(tools: &mut Vec<Value>) {
    tools.retain(|tool| !is_image_generation(tool));
}
