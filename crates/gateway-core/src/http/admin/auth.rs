//! Admin authentication middleware: `X-Admin-Key` or `Authorization: Bearer`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::http::error::AdminError;
use crate::service::admin_auth::{self, AdminAuthError};
use crate::state::AppState;

pub async fn require_admin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let presented = presented_key(req.headers());
    match admin_auth::verify(state.config(), state.store().as_ref(), presented.as_deref()).await {
        Ok(()) => next.run(req).await,
        Err(err) => AdminError::from(err).into_response(),
    }
}

/// `GET /api/admin/ping`: lets the dashboard check a secret before storing it.
pub async fn ping() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "ok": true }))
}

fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("x-admin-key").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned());
    }
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

impl From<AdminAuthError> for AdminError {
    fn from(err: AdminAuthError) -> Self {
        let (status, code) = match &err {
            AdminAuthError::BootstrapRequired => {
                (StatusCode::SERVICE_UNAVAILABLE, "bootstrap_required")
            }
            AdminAuthError::InvalidKey => (StatusCode::UNAUTHORIZED, "invalid_admin_key"),
            AdminAuthError::AlreadyBootstrapped => (StatusCode::CONFLICT, "already_bootstrapped"),
            AdminAuthError::BootstrapForbidden => (StatusCode::FORBIDDEN, "bootstrap_forbidden"),
            AdminAuthError::SecretTooShort => (StatusCode::BAD_REQUEST, "secret_too_short"),
            AdminAuthError::Store(e) => {
                tracing::error!(error = %e, "admin auth could not read the store");
                return AdminError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the database is unavailable",
                );
            }
        };
        AdminError::new(status, code, err.to_string())
    }
}
