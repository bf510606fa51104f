//! `GET /health`: JSON status for load balancers and the tray; 503 when the store is gone.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;

use crate::service::health;
use crate::state::AppState;

pub async fn health(State(state): State<AppState>) -> impl IntoResponse {
    let report = health::check(&state).await;
    let status = if report.store_healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(report))
}
