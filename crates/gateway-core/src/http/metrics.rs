//! `GET /metrics`: Prometheus text exposition. Behind the admin secret like the admin API,
//! unless `METRICS_PUBLIC=true` (a scraper on a private network without the secret).

use axum::extract::State;
use axum::http::header;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::service::now_ms;
use crate::state::AppState;
use crate::usage::exposition;

pub fn router(state: AppState) -> Router<AppState> {
    let router = Router::new().route("/metrics", get(metrics));
    if state.config().metrics_public {
        router
    } else {
        router.route_layer(middleware::from_fn_with_state(
            state,
            super::admin::require_admin,
        ))
    }
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let body = exposition::render(state.usage(), state.uptime().as_secs_f64(), now_ms());
    ([(header::CONTENT_TYPE, exposition::CONTENT_TYPE)], body)
}
