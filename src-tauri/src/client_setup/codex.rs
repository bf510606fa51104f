//! The Codex CLI side: a structural edit of `~/.codex/config.toml` with `toml_edit`, touching
//! only the keys Switchyard owns (`model_providers.switchyard`, `model_provider`, and `model`
//! when the user picked one). Comments, key order and every other section stay as they were.

use toml_edit::{value, DocumentMut, Item, Table};

use super::{SetupError, Target};

/// The provider id Switchyard writes under `[model_providers]`.
pub const PROVIDER_ID: &str = "switchyard";
/// The environment variable Codex reads the API key from when keys are on.
pub const API_KEY_ENV: &str = "SWITCHYARD_API_KEY";

/// Returns the edited file text.
pub fn edit(current: &str, target: &Target) -> Result<String, SetupError> {
    let mut doc: DocumentMut = current
        .parse()
        .map_err(|e: toml_edit::TomlError| SetupError::Unparseable(e.to_string()))?;
    target.refuse_self_upstream()?;
    doc["model_provider"] = value(PROVIDER_ID);
    if let Some(model) = target.model.as_deref().filter(|m| !m.trim().is_empty()) {
        doc["model"] = value(model.trim());
    }
    let providers = doc
        .entry("model_providers")
        .or_insert_with(|| {
            let mut t = Table::new();
            // `[model_providers.switchyard]` rather than an empty `[model_providers]` header.
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| SetupError::Unparseable("`model_providers` is not a table".to_owned()))?;
    let entry = providers
        .entry(PROVIDER_ID)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| {
            SetupError::Unparseable("`model_providers.switchyard` is not a table".to_owned())
        })?;
    entry["name"] = value("Switchyard");
    entry["base_url"] = value(target.openai_base_url());
    entry["wire_api"] = value("responses");
    if target.keys_required {
        entry["env_key"] = value(API_KEY_ENV);
    } else {
        // No keys configured: the local gateway accepts anonymous callers.
        entry.remove("env_key");
    }
    Ok(doc.to_string())
}
