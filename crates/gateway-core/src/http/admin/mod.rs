//! The admin API under `/api/admin`, compatible with codex2api's paths and field names.
//! Every route except the two bootstrap routes sits behind [`auth::require_admin`].

mod accounts;
mod accounts_import;
mod auth;
mod bootstrap;
mod sse;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// Imports may carry large credential files (codex2api allows 200 MB).
const IMPORT_BODY_LIMIT: usize = 200 * 1024 * 1024;

pub fn router(state: AppState) -> Router<AppState> {
    let protected = Router::new()
        .route("/ping", get(auth::ping))
        .route("/accounts", get(accounts::list).post(accounts_import::create_refresh))
        .route("/accounts/at", post(accounts_import::create_access))
        .route(
            "/accounts/import",
            post(accounts_import::import_file).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route("/accounts/batch-refresh", post(accounts::batch_refresh))
        .route("/accounts/batch-delete", post(accounts::batch_delete))
        .route("/accounts/batch-update", post(accounts::batch_update))
        .route(
            "/accounts/{id}",
            get(accounts::get).patch(accounts::update).delete(accounts::delete),
        )
        .route("/accounts/{id}/refresh", post(accounts::refresh))
        .route("/accounts/{id}/enable", post(accounts::enable))
        .route("/accounts/{id}/disable", post(accounts::disable))
        .route("/accounts/{id}/pause", post(accounts::pause))
        .route("/accounts/{id}/resume", post(accounts::resume))
        .route("/accounts/{id}/auth-json", get(accounts::auth_json))
        .route_layer(middleware::from_fn_with_state(state, auth::require_admin));
    Router::new()
        .route("/bootstrap-status", get(bootstrap::status))
        .route("/bootstrap", post(bootstrap::bootstrap))
        .merge(protected)
}
