//! `/api/admin/scheduler/*` and the pin routes: the scheduler board, recent routing traces,
//! and pinning all traffic to one account or going back to automatic selection.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::http::error::AdminError;
use crate::state::AppState;

pub async fn board(State(state): State<AppState>) -> Json<Value> {
    Json(json!(state.pool().board(&state)))
}

#[derive(Debug, Deserialize)]
pub struct TracesQuery {
    limit: Option<usize>,
}

pub async fn traces(State(state): State<AppState>, Query(q): Query<TracesQuery>) -> Json<Value> {
    let limit = q.limit.unwrap_or(100).min(2_000);
    Json(json!({ "traces": state.pool().recent_traces(limit) }))
}

pub async fn pin(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AdminError> {
    let known = state
        .pool()
        .snapshot_accounts()
        .iter()
        .any(|a| a.id == id && a.deleted_at.is_none());
    if !known {
        return Err(AdminError::new(
            StatusCode::NOT_FOUND,
            "account_not_found",
            "no such account",
        ));
    }
    set(&state, Some(id)).await?;
    Ok(Json(
        json!({ "message": "account pinned", "pinned_account_id": id }),
    ))
}

pub async fn unpin(State(state): State<AppState>) -> Result<Json<Value>, AdminError> {
    set(&state, None).await?;
    Ok(Json(
        json!({ "message": "automatic selection", "pinned_account_id": null }),
    ))
}

async fn set(state: &AppState, id: Option<i64>) -> Result<(), AdminError> {
    state.pool().set_pin(state, id).await.map_err(|e| {
        tracing::error!(error = %e, "cannot persist the pin");
        AdminError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "cannot save the pin",
        )
    })
}
