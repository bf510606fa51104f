//! Router assembly and the middleware stack. Handlers extract, call one service function and
//! render; they hold no business logic.

mod admin;
mod dashboard;
pub mod error;
mod health;
mod metrics;
pub mod public;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::state::AppState;

const REQUEST_ID: &str = "x-request-id";

/// Builds the whole HTTP surface for one gateway instance.
pub fn build_router(state: AppState) -> Router {
    let body_limit = state.config().max_body_bytes;
    let header = axum::http::HeaderName::from_static(REQUEST_ID);
    let public_api = crate::service::public_api::PublicApi::new(state.config());
    Router::new()
        .route("/health", get(health::health))
        .merge(metrics::router(state.clone()))
        .nest("/api/admin", admin::router(state.clone()))
        .route(
            "/",
            get(dashboard::root_redirect).head(dashboard::root_redirect),
        )
        .route("/admin", get(dashboard::index))
        .route("/admin/", get(dashboard::index))
        .route("/admin/{*path}", get(dashboard::asset))
        .merge(public::router(state.clone()))
        .fallback(error::not_found)
        // Extractors enforce it (413), and a route may raise it for itself (imports).
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::Extension(public_api))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(header.clone()))
        .layer(SetRequestIdLayer::new(header, MakeRequestUuid))
        .with_state(state)
}
