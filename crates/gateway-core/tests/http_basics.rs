//! The HTTP surface every deployment has: `/health`, the root redirect, the dashboard
//! fallback, request ids, unknown routes and graceful shutdown.
#![cfg(test)]

#[expect(dead_code, reason = "this binary uses part of the shared helpers")]
mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

async fn call(method: Method, uri: &str) -> axum::response::Response {
    let (state, _dir) = common::state_with(|_| {}).await;
    let router = gateway_core::build_router(state);
    router
        .oneshot(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap()
}

async fn body_json(resp: axum::response::Response) -> serde_json::Value {
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn health_reports_drivers_and_account_counts() {
    let resp = call(Method::GET, "/health").await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers().contains_key("x-request-id"));
    let json = body_json(resp).await;
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        json["store"],
        serde_json::json!({"driver": "sqlite", "healthy": true})
    );
    assert_eq!(
        json["cache"],
        serde_json::json!({"driver": "memory", "healthy": true})
    );
    assert_eq!(json["accounts"]["total"], 0);
}

#[tokio::test]
async fn health_is_503_when_the_store_is_gone() {
    let (state, _dir) = common::state_with(|_| {}).await;
    state.store().close().await;
    let router = gateway_core::build_router(state);
    let resp = router
        .oneshot(
            Request::builder()
                .uri("/health")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    let json = body_json(resp).await;
    assert_eq!(json["status"], "degraded");
    assert_eq!(json["store"]["healthy"], false);
}

#[tokio::test]
async fn root_redirects_to_the_dashboard_for_get_and_head() {
    for method in [Method::GET, Method::HEAD] {
        let resp = call(method.clone(), "/").await;
        assert_eq!(resp.status(), StatusCode::TEMPORARY_REDIRECT, "{method}");
        assert_eq!(resp.headers()["location"], "/admin/");
    }
}

#[tokio::test]
async fn dashboard_serves_html_with_spa_fallback() {
    for uri in ["/admin/", "/admin", "/admin/accounts/12"] {
        let resp = call(Method::GET, uri).await;
        assert_eq!(resp.status(), StatusCode::OK, "{uri}");
        let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/html"), "{uri}: {ct}");
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 22)
            .await
            .unwrap();
        let html = String::from_utf8_lossy(&bytes);
        assert!(
            html.contains("<html") || html.contains("<!doctype"),
            "{uri}"
        );
    }
    let resp = call(Method::GET, "/admin/assets/missing-1234.js").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_get_a_json_404() {
    let resp = call(Method::GET, "/nope").await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        body_json(resp).await,
        serde_json::json!({"error": "no such route", "code": "not_found"})
    );
}

#[tokio::test]
async fn serve_drains_in_flight_requests_then_returns() {
    let gw = common::start(|_| {}).await;
    let client = reqwest::Client::new();
    let health = client
        .get(format!("{}/health", gw.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let addr = gw.addr;
    tokio::time::timeout(Duration::from_secs(10), gw.stop())
        .await
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener must be closed"
    );
}
