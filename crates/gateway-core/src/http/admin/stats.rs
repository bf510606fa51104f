//! `GET /api/admin/stats`: the dashboard's account summary, codex2api-compatible
//! (`{total, available, rate_limited, error, today_requests}`).

use axum::extract::State;
use axum::Json;

use super::usage::store_error;
use crate::http::error::AdminError;
use crate::service::now_ms;
use crate::state::AppState;
use crate::usage::ops::{self, DashboardStats};

pub async fn stats(State(state): State<AppState>) -> Result<Json<DashboardStats>, AdminError> {
    let stats = ops::dashboard_stats(&state, now_ms())
        .await
        .map_err(store_error)?;
    Ok(Json(stats))
}
