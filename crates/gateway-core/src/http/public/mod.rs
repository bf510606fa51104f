//! The public API (translation.md §1): OpenAI- and Anthropic-compatible routes, each also
//! without the `/v1` prefix, behind API-key authentication and our rate limits.

mod auth;
pub mod error;
mod extract;
mod handlers;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// The public routes. Bodies are limited by the extractors (`DefaultBodyLimit`), so an
/// oversize body is a 413 in the caller's protocol.
pub fn router(state: AppState) -> Router<AppState> {
    let mut router = Router::new();
    for prefix in ["/v1", ""] {
        router = router
            .route(&format!("{prefix}/chat/completions"), post(handlers::chat))
            .route(&format!("{prefix}/responses"), post(handlers::responses))
            .route(
                &format!("{prefix}/responses/compact"),
                post(handlers::compact),
            )
            .route(&format!("{prefix}/messages"), post(handlers::messages))
            .route(
                &format!("{prefix}/messages/count_tokens"),
                post(handlers::count_tokens),
            )
            .route(&format!("{prefix}/models"), get(handlers::models));
    }
    router.route_layer(middleware::from_fn_with_state(state, auth::require_api_key))
}
