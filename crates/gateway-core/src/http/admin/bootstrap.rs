//! First-run bootstrap: `GET /bootstrap-status` and `POST /bootstrap {"admin_secret"}`.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::error::AdminError;
use crate::service::admin_auth::{self, SecretSource};
use crate::state::AppState;

pub async fn status(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Result<Json<Value>, AdminError> {
    let source = admin_auth::source(state.config(), state.store().as_ref())
        .await
        .map_err(admin_auth::AdminAuthError::from)?;
    Ok(Json(json!({
        "bootstrapped": source != SecretSource::None,
        "admin_auth_source": source,
        "can_bootstrap": source == SecretSource::None
            && admin_auth::bootstrap_allowed(state.config(), peer.ip()),
    })))
}

#[derive(Debug, Deserialize)]
pub struct BootstrapBody {
    admin_secret: String,
}

pub async fn bootstrap(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<BootstrapBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, AdminError> {
    let Json(body) = body.map_err(|rejection| {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            "invalid_body",
            rejection.body_text(),
        )
    })?;
    let secret = body.admin_secret.trim();
    admin_auth::bootstrap(state.config(), state.store().as_ref(), peer.ip(), secret).await?;
    tracing::info!(peer = %peer.ip(), "admin secret set through bootstrap");
    Ok(Json(json!({ "message": "admin secret set" })))
}
