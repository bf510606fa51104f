//! The admin API under `/api/admin`, compatible with codex2api's paths and field names.
//! Every route except the two bootstrap routes sits behind [`auth::require_admin`].

mod auth;
mod bootstrap;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    let protected = Router::new()
        .route("/ping", get(auth::ping))
        .route_layer(middleware::from_fn_with_state(state, auth::require_admin));
    Router::new()
        .route("/bootstrap-status", get(bootstrap::status))
        .route("/bootstrap", post(bootstrap::bootstrap))
        .merge(protected)
}
