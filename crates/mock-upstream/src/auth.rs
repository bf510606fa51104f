//! Bearer-token checks and the error bodies the backend uses for them and for bad requests.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::{Account, State};
use crate::util::now_unix;

/// A JSON answer with the given status.
pub(crate) fn json_reply(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"error":{"message","type":"invalid_request_error","code","param":null}}`.
pub(crate) fn invalid_request(
    status: StatusCode,
    code: Option<&str>,
    message: &str,
) -> (StatusCode, String) {
    let body = json!({"error": {
        "message": message, "type": "invalid_request_error", "code": code, "param": null,
    }});
    (status, body.to_string())
}

/// `{"detail": "..."}`: the shape of the backend's body-rule 400s (clients.md §5).
pub(crate) fn detail(message: &str) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        json!({"detail": message}).to_string(),
    )
}

/// Resolves the bearer token to the account the mock issued it for.
pub(crate) fn authenticate(
    state: &State,
    headers: &HeaderMap,
) -> Result<Arc<Account>, (StatusCode, String)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(invalid_request(
            StatusCode::UNAUTHORIZED,
            Some("missing_authorization"),
            "Missing bearer authentication in header",
        ));
    };
    let Some(entry) = state.lookup_access(token) else {
        return Err(invalid_request(
            StatusCode::UNAUTHORIZED,
            Some("token_invalidated"),
            "Your authentication token has been invalidated. Please try signing in again.",
        ));
    };
    if entry.exp.load(Ordering::Relaxed) <= now_unix() {
        return Err(invalid_request(
            StatusCode::UNAUTHORIZED,
            Some("token_expired"),
            "Provided authentication token is expired. Please try signing in again.",
        ));
    }
    Ok(entry.account.clone())
}

/// The `chatgpt-account-id` header, if present and readable.
pub(crate) fn account_header(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("chatgpt-account-id")
        .and_then(|v| v.to_str().ok())
}
