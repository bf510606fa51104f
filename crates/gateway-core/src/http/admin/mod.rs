//! The admin API under `/api/admin`, compatible with codex2api's paths and field names.
//! Every route except the two bootstrap routes sits behind [`auth::require_admin`].

mod accounts;
mod accounts_import;
mod auth;
mod bootstrap;
mod keys;
mod oauth;
mod ops;
mod scheduler;
mod settings;
mod sse;
mod stats;
mod usage;

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The admin-secret check, for the other protected surfaces (`/metrics`).
pub(super) use auth::require_admin;

/// Imports may carry large credential files (codex2api allows 200 MB).
const IMPORT_BODY_LIMIT: usize = 200 * 1024 * 1024;

pub fn router(state: AppState) -> Router<AppState> {
    let protected = Router::new()
        .route("/ping", get(auth::ping))
        .route(
            "/accounts",
            get(accounts::list).post(accounts_import::create_refresh),
        )
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
            get(accounts::get)
                .patch(accounts::update)
                .delete(accounts::delete),
        )
        .route("/accounts/{id}/refresh", post(accounts::refresh))
        .route("/accounts/{id}/enable", post(accounts::enable))
        .route("/accounts/{id}/disable", post(accounts::disable))
        .route("/accounts/{id}/pause", post(accounts::pause))
        .route("/accounts/{id}/resume", post(accounts::resume))
        .route("/accounts/{id}/auth-json", get(accounts::auth_json))
        .route("/accounts/{id}/test", get(accounts::test))
        .route("/accounts/{id}/usage", get(accounts::usage))
        .route(
            "/accounts/{id}/usage/refresh",
            post(accounts::usage_refresh),
        )
        .route("/accounts/batch-test", post(accounts::batch_test))
        .route("/accounts/{id}/pin", post(scheduler::pin))
        .route("/accounts/pin", axum::routing::delete(scheduler::unpin))
        .route("/scheduler/board", get(scheduler::board))
        .route("/scheduler/traces", get(scheduler::traces))
        .route("/oauth/generate-auth-url", post(oauth::generate_auth_url))
        .route("/oauth/exchange-code", post(oauth::exchange_code))
        .route("/oauth/poll-callback", get(oauth::poll_callback))
        .route("/keys", get(keys::list).post(keys::create))
        .route(
            "/keys/{id}",
            axum::routing::patch(keys::update).delete(keys::delete),
        )
        .route("/stats", get(stats::stats))
        .route("/usage/stats", get(usage::stats))
        .route("/usage/chart-data", get(usage::chart_data))
        .route("/usage/logs", get(usage::logs).delete(usage::clear))
        .route("/usage/logs/export", get(usage::export))
        .route("/ops/overview", get(ops::overview))
        .route("/settings", get(settings::get).put(settings::put))
        .route_layer(middleware::from_fn_with_state(state, auth::require_admin));
    Router::new()
        .route("/bootstrap-status", get(bootstrap::status))
        .route("/bootstrap", post(bootstrap::bootstrap))
        .merge(protected)
}
