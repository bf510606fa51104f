//! `GET /api/admin/ops/overview`: process, traffic, backends and the usage writer at a glance.

use axum::extract::State;
use axum::Json;

use crate::service::now_ms;
use crate::state::AppState;
use crate::usage::ops::{self, OpsOverview};

pub async fn overview(State(state): State<AppState>) -> Json<OpsOverview> {
    Json(ops::overview(&state, now_ms()).await)
}
