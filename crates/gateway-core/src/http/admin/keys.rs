//! `/api/admin/keys`: list (masked), create (the key is shown once), update and delete client
//! API keys. Field names follow codex2api where it has them (`quota` / `quota_limit`,
//! `expires_in_days`); timestamps go out as RFC 3339 and come in as RFC 3339 or unix time.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::error::AdminError;
use crate::service::api_keys::{self, ApiKeyError, KeySettings};
use crate::service::public_api::PublicApi;
use crate::state::AppState;
use crate::store::ApiKey;
use crate::upstream::timestamp::{format_rfc3339_ms, parse_rfc3339, unix_seconds_from_number};

/// Create and update body. Unknown fields are ignored (the dashboard sends extras).
#[derive(Debug, Default, Deserialize)]
pub struct KeyBody {
    name: Option<String>,
    key: Option<String>,
    enabled: Option<bool>,
    rpm: Option<i64>,
    max_concurrency: Option<i64>,
    #[serde(alias = "quota", alias = "quota_limit")]
    token_quota: Option<i64>,
    allowed_models: Option<Vec<String>>,
    /// RFC 3339, unix seconds or milliseconds; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    expires_at: Option<Value>,
    expires_in_days: Option<i64>,
}

/// Distinguishes an explicit `null` (`Some(Value::Null)`) from an absent field (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    let keys = api_keys::list(state.store().as_ref())
        .await
        .map_err(admin_error)?;
    let keys: Vec<Value> = keys.iter().map(view).collect();
    Ok(Json(json!({ "keys": keys, "total": keys.len() })))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    body: Result<Json<KeyBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AdminError> {
    let Json(body) = body.map_err(bad_json)?;
    let supplied = body.key.clone().filter(|k| !k.trim().is_empty());
    let settings = settings_of(&body)?;
    let (row, key) = api_keys::create(state.store().as_ref(), &api.keys, supplied, settings)
        .await
        .map_err(admin_error)?;
    let mut out = view(&row);
    out["key"] = json!(key);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    Path(id): Path<i64>,
    body: Result<Json<KeyBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AdminError> {
    let Json(body) = body.map_err(bad_json)?;
    if body.key.is_some() {
        return Err(AdminError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a key's value cannot be changed; create a new key",
        ));
    }
    let settings = settings_of(&body)?;
    let row = api_keys::update(state.store().as_ref(), &api.keys, id, settings)
        .await
        .map_err(admin_error)?;
    Ok(Json(view(&row)))
}

pub async fn delete(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    api_keys::delete(state.store().as_ref(), &api.keys, id)
        .await
        .map_err(admin_error)?;
    Ok(Json(json!({ "ok": true })))
}

fn settings_of(body: &KeyBody) -> Result<KeySettings, AdminError> {
    let expires_at = match (&body.expires_at, body.expires_in_days) {
        (Some(value), _) => Some(expiry_ms(value)?),
        (None, Some(days)) if days > 0 => Some(Some(
            crate::service::now_ms() + days.saturating_mul(86_400_000),
        )),
        (None, Some(_)) => Some(None),
        (None, None) => None,
    };
    Ok(KeySettings {
        name: body.name.clone(),
        enabled: body.enabled,
        rpm: body.rpm,
        max_concurrency: body.max_concurrency,
        token_quota: body.token_quota,
        allowed_models: body.allowed_models.clone(),
        expires_at,
    })
}

fn expiry_ms(value: &Value) -> Result<Option<i64>, AdminError> {
    let invalid = || {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            "invalid_expires_at",
            "expires_at must be RFC 3339, unix time or null",
        )
    };
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => parse_rfc3339(s)
            .map(|secs| Some(secs.saturating_mul(1000)))
            .ok_or_else(invalid),
        Value::Number(n) => n
            .as_i64()
            .map(|n| Some(unix_seconds_from_number(n).saturating_mul(1000)))
            .ok_or_else(invalid),
        _ => Err(invalid()),
    }
}

/// The masked view: the preview, never the hash.
fn view(key: &ApiKey) -> Value {
    json!({
        "id": key.id,
        "name": key.name,
        "key_preview": key.key_preview,
        "enabled": key.enabled,
        "rpm": key.rpm,
        "max_concurrency": key.max_concurrency,
        "token_quota": key.token_quota,
        "tokens_used": key.tokens_used,
        "allowed_models": key.allowed_models,
        "expires_at": key.expires_at.map(format_rfc3339_ms),
        "last_used_at": key.last_used_at.map(format_rfc3339_ms),
        "created_at": format_rfc3339_ms(key.created_at),
        "updated_at": format_rfc3339_ms(key.updated_at),
    })
}

fn bad_json(rejection: axum::extract::rejection::JsonRejection) -> AdminError {
    AdminError::new(rejection.status(), "invalid_json", rejection.body_text())
}

fn admin_error(err: ApiKeyError) -> AdminError {
    match err {
        ApiKeyError::Invalid(message) => {
            AdminError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
        }
        ApiKeyError::NotFound => {
            AdminError::new(StatusCode::NOT_FOUND, "not_found", "no such API key")
        }
        ApiKeyError::Conflict => AdminError::new(
            StatusCode::CONFLICT,
            "key_exists",
            "an API key with this value already exists",
        ),
        ApiKeyError::Store(e) => {
            tracing::error!(error = %e, "API key store operation failed");
            AdminError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store_unavailable",
                "the database is unavailable",
            )
        }
    }
}
