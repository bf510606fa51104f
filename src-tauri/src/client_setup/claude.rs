//! The Claude Code side: `~/.claude/settings.json`, where Switchyard owns only
//! `env.ANTHROPIC_BASE_URL` and `env.ANTHROPIC_AUTH_TOKEN`. Every other key keeps its value and
//! its place (serde_json is built with `preserve_order`).

use serde_json::{Map, Value};

use super::{SetupError, Target};

/// What Claude Code gets as its token when the gateway has no API keys: any non-empty value
/// makes it skip its own login, and the local gateway accepts anonymous callers.
pub const PLACEHOLDER_TOKEN: &str = "switchyard-local";

/// Returns the edited file text (two-space indented, trailing newline).
pub fn edit(current: &str, target: &Target) -> Result<String, SetupError> {
    target.refuse_self_upstream()?;
    let mut root: Value = if current.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(current).map_err(|e| SetupError::Unparseable(e.to_string()))?
    };
    let obj = root
        .as_object_mut()
        .ok_or_else(|| SetupError::Unparseable("settings.json is not a JSON object".to_owned()))?;
    let env = obj
        .entry("env")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| SetupError::Unparseable("`env` is not a JSON object".to_owned()))?;
    env.insert(
        "ANTHROPIC_BASE_URL".to_owned(),
        Value::String(target.anthropic_base_url()),
    );
    let token = match (&target.api_key, target.keys_required) {
        (Some(key), _) => key.clone(),
        (None, true) => return Err(SetupError::KeyNeeded),
        (None, false) => PLACEHOLDER_TOKEN.to_owned(),
    };
    env.insert("ANTHROPIC_AUTH_TOKEN".to_owned(), Value::String(token));
    let mut text =
        serde_json::to_string_pretty(&root).map_err(|e| SetupError::Io(e.to_string()))?;
    text.push('\n');
    Ok(text)
}
