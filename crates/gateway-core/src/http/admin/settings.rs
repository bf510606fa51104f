//! `GET|PUT /api/admin/settings`: the runtime settings with their schema (type, default,
//! bounds, help). A PUT validates every key before writing any, then reloads the settings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Map, Value};

use crate::http::error::AdminError;
use crate::service::settings::schema::{self, SETTINGS};
use crate::service::settings::DEFAULTS;
use crate::state::AppState;

pub async fn get(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    Ok(Json(render(&state).await?))
}

pub async fn put(
    State(state): State<AppState>,
    body: Result<Json<Map<String, Value>>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AdminError> {
    let Json(values) = body.map_err(AdminError::from_json_rejection)?;
    // A dashboard may send `{"settings": {...}}`; accept both.
    let values = match values.get("settings") {
        Some(Value::Object(inner)) if values.len() == 1 => inner.clone(),
        _ => values,
    };
    let mut errors = Vec::new();
    for (key, value) in &values {
        match schema::spec(key) {
            None => errors.push(format!("unknown setting {key}")),
            Some(spec) => {
                if let Err(e) = schema::validate(spec, value) {
                    errors.push(e);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "invalid_settings",
            errors.join("; "),
        ));
    }
    let store = state.store();
    for (key, value) in &values {
        store
            .put_setting(key, &value.to_string())
            .await
            .map_err(store_error)?;
    }
    state.reload_settings().await.map_err(store_error)?;
    state.pool().announce_change(true, false);
    Ok(Json(render(&state).await?))
}

async fn render(state: &AppState) -> Result<Value, AdminError> {
    let stored = state.store().all_settings().await.map_err(store_error)?;
    let mut settings = Map::new();
    let mut rows = Vec::new();
    for spec in SETTINGS {
        let default = DEFAULTS
            .iter()
            .find(|(k, _)| *k == spec.key)
            .and_then(|(_, v)| serde_json::from_str::<Value>(v).ok())
            .unwrap_or(Value::Null);
        let value = stored
            .iter()
            .find(|(k, _)| k == spec.key)
            .and_then(|(_, v)| serde_json::from_str::<Value>(v).ok())
            .unwrap_or_else(|| default.clone());
        settings.insert(spec.key.to_owned(), value);
        rows.push(json!({
            "key": spec.key,
            "type": spec.kind,
            "default": default,
            "min": spec.min,
            "max": spec.max,
            "options": if spec.options.is_empty() { Value::Null } else { json!(spec.options) },
            "nullable": spec.nullable,
            "help": spec.help,
        }));
    }
    Ok(json!({ "settings": settings, "schema": rows }))
}

fn store_error(e: crate::store::StoreError) -> AdminError {
    tracing::error!(error = %e, "settings store operation failed");
    AdminError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        "the database is unavailable",
    )
}
