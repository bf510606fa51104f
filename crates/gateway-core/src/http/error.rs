//! Error bodies for the routes that are neither OpenAI- nor Anthropic-shaped: the admin API
//! shape `{"error": "<message>", "code": "<stable code>"}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// An admin-API error: a human message and a stable machine code.
#[derive(Debug)]
pub struct AdminError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl AdminError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AdminError {
            status,
            code,
            message: message.into(),
        }
    }
}

impl AdminError {
    /// A body that did not parse as the expected JSON.
    pub fn from_json_rejection(rejection: axum::extract::rejection::JsonRejection) -> Self {
        AdminError::new(rejection.status(), "invalid_body", rejection.body_text())
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(json!({ "error": self.message, "code": self.code })),
        )
            .into_response()
    }
}

pub async fn not_found() -> AdminError {
    AdminError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}
