//! Public-API errors: one mapping from every failure (auth, limits, translation, pool,
//! upstream) to a status and stable code, rendered in the caller's protocol: the OpenAI error
//! object (translation.md §11) or the Anthropic error body (§5.2), with `Retry-After` where the
//! client should wait (scheduling.md §9, §12).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use gateway_protocol::error::{anthropic_error_type_for_status, openai_error_type_for_status};
use gateway_protocol::{FailureKind, ProtocolError, UpstreamFailure};
use serde_json::{json, Map, Value};

use crate::scheduler::PoolError;
use crate::service::api_keys::limits::LimitRefusal;
use crate::service::api_keys::KeyAuthError;
use crate::service::relay::RelayError;
use crate::upstream::classify::UpstreamErrorKind;
use crate::upstream::client::UpstreamError;

/// Which error shape the caller speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    OpenAi,
    Anthropic,
}

impl Flavor {
    /// `/v1/messages…` (and `/messages…`) speak Anthropic; every other public route OpenAI.
    pub fn of_path(path: &str) -> Self {
        let path = path.strip_prefix("/v1").unwrap_or(path);
        if path.starts_with("/messages") {
            Flavor::Anthropic
        } else {
            Flavor::OpenAi
        }
    }
}

/// A rendered-later public error.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub openai_type: &'static str,
    pub code: Option<String>,
    pub message: String,
    pub param: Option<Box<str>>,
    /// Overrides the status-derived Anthropic type (e.g. `overloaded_error` on 503).
    pub anthropic_type: Option<&'static str>,
    pub retry_after: Option<u32>,
    /// Extra fields of the OpenAI error object (`resets_at`, `resets_in_seconds`).
    pub extra: Option<Box<Map<String, Value>>>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            openai_type: openai_error_type_for_status(status.as_u16()),
            code: Some(code.to_owned()),
            message: message.into(),
            param: None,
            anthropic_type: None,
            retry_after: None,
            extra: None,
        }
    }

    fn typed(mut self, openai_type: &'static str) -> Self {
        self.openai_type = openai_type;
        self
    }

    fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(u32::try_from(secs).unwrap_or(u32::MAX).max(1));
        self
    }

    fn anthropic(mut self, kind: &'static str) -> Self {
        self.anthropic_type = Some(kind);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn render(self, flavor: Flavor) -> Response {
        let body = match flavor {
            Flavor::OpenAi => {
                let mut error = json!({"message": self.message, "type": self.openai_type, "code": self.code, "param": self.param});
                if let Some(obj) = error.as_object_mut() {
                    obj.extend(self.extra.map(|extra| *extra).unwrap_or_default());
                }
                json!({ "error": error })
            }
            Flavor::Anthropic => {
                let kind = self
                    .anthropic_type
                    .unwrap_or_else(|| anthropic_error_type_for_status(self.status.as_u16()));
                json!({"type": "error", "error": {"type": kind, "message": self.message}})
            }
        };
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        resp
    }
}

impl From<KeyAuthError> for ApiError {
    fn from(err: KeyAuthError) -> Self {
        let message = err.to_string();
        match err {
            KeyAuthError::Missing => {
                Self::new(StatusCode::UNAUTHORIZED, "missing_api_key", message)
            }
            KeyAuthError::Invalid => {
                Self::new(StatusCode::UNAUTHORIZED, "invalid_api_key", message)
            }
            KeyAuthError::Expired | KeyAuthError::Disabled => {
                Self::new(StatusCode::UNAUTHORIZED, "invalid_auth", message)
            }
            KeyAuthError::QuotaExhausted => {
                Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limit_reached", message)
            }
            KeyAuthError::NotConfigured | KeyAuthError::Store => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                message,
            )
            .typed("server_error")
            .anthropic("api_error"),
        }
    }
}

impl From<LimitRefusal> for ApiError {
    fn from(refusal: LimitRefusal) -> Self {
        match refusal {
            LimitRefusal::GlobalRpm { retry_after } | LimitRefusal::KeyRpm { retry_after } => {
                let message = format!("Too many requests; try again in {retry_after} s");
                Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_exceeded",
                    message,
                )
                .retry_after(retry_after)
            }
            LimitRefusal::KeyConcurrency => Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "concurrency_limit_exceeded",
                "Too many concurrent requests for this API key",
            )
            .retry_after(1),
        }
    }
}

impl From<ProtocolError> for ApiError {
    fn from(err: ProtocolError) -> Self {
        let mut api = Self::new(
            StatusCode::BAD_REQUEST,
            err.code().unwrap_or("invalid_request"),
            err.to_string(),
        );
        api.code = err.code().map(str::to_owned);
        api.param = err.param().map(Box::from);
        api
    }
}

impl From<RelayError> for ApiError {
    fn from(err: RelayError) -> Self {
        match err {
            RelayError::Protocol(e) => e.into(),
            RelayError::ModelNotAllowed(model) => Self::new(
                StatusCode::FORBIDDEN,
                "model_not_allowed",
                format!("This API key may not use model {model}"),
            ),
            RelayError::Pool(e) => pool_error(&e),
            RelayError::Upstream(e) => upstream_error(&e),
            RelayError::Stream(f) => stream_failure(&f),
            RelayError::Misconfigured(_) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "The gateway's upstream is misconfigured",
            )
            .typed("server_error")
            .anthropic("api_error"),
        }
    }
}

fn pool_unavailable() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "account_pool_unavailable",
        "No upstream account is available; try again later",
    )
    .retry_after(30)
    .anthropic("overloaded_error")
}

/// scheduling.md §9 rows 1–4 when no attempt could be made.
fn pool_error(err: &PoolError) -> ApiError {
    match err {
        PoolError::Exhausted { retry_after_secs } => {
            quota_exhausted(retry_after_secs.map(|s| now_secs() + i64::try_from(s).unwrap_or(0)))
        }
        PoolError::RateLimited {
            retry_after_secs: secs,
        } => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            format!("Every upstream account is rate limited; try again in {secs} s"),
        )
        .retry_after(*secs),
        PoolError::Busy => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "account_pool_busy",
            "Every upstream account is busy; try again shortly",
        )
        .retry_after(2)
        .anthropic("overloaded_error"),
        PoolError::Store(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "The gateway's database is unavailable",
        )
        .anthropic("overloaded_error"),
        _ => pool_unavailable(),
    }
}

/// 429 `usage_limit_reached` with the earliest reset (Codex clients key on this exact type).
fn quota_exhausted(resets_at: Option<i64>) -> ApiError {
    let mut api = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "usage_limit_reached",
        "Every upstream account is out of quota",
    )
    .typed("usage_limit_reached");
    if let Some(at) = resets_at {
        let secs = u64::try_from(at - now_secs()).unwrap_or(0).max(1);
        let extra = api.extra.get_or_insert_with(Default::default);
        extra.insert("resets_at".into(), json!(at));
        extra.insert("resets_in_seconds".into(), json!(secs));
        api.message = format!("All accounts are out of quota until {} UTC", clock_utc(at));
        api = api.retry_after(secs);
    }
    api
}

/// scheduling.md §9: the last attempt's outcome decides the answer.
fn upstream_error(err: &UpstreamError) -> ApiError {
    let status = err.status.unwrap_or(502);
    let safe = || {
        err.message
            .clone()
            .unwrap_or_else(|| "The upstream rejected the request".to_owned())
    };
    match &err.kind {
        UpstreamErrorKind::UsageLimit { resets_at } => quota_exhausted(*resets_at),
        UpstreamErrorKind::RateLimited { retry_after } => {
            let secs = retry_after.unwrap_or(5);
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limit_exceeded",
                format!("The upstream is rate limiting; try again in {secs} s"),
            )
            .retry_after(secs)
        }
        UpstreamErrorKind::Unauthorized
        | UpstreamErrorKind::Forbidden
        | UpstreamErrorKind::EgressBlocked
        | UpstreamErrorKind::PaymentRequired
        | UpstreamErrorKind::WorkspaceDeactivated
        | UpstreamErrorKind::UsageNotIncluded => pool_unavailable(),
        UpstreamErrorKind::Overloaded => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            "The upstream is overloaded; try again later",
        )
        .anthropic("overloaded_error"),
        UpstreamErrorKind::Timeout => ApiError::new(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream_timeout",
            "The upstream did not answer in time",
        )
        .typed("upstream_error"),
        UpstreamErrorKind::Transport
        | UpstreamErrorKind::ServerError
        | UpstreamErrorKind::RequestUnauthorized => ApiError::new(
            StatusCode::BAD_GATEWAY,
            &format!("upstream_{status}"),
            "The upstream failed to answer",
        )
        .typed("upstream_error"),
        UpstreamErrorKind::ModelUnsupported => {
            ApiError::new(StatusCode::BAD_REQUEST, "model_not_supported", safe())
        }
        UpstreamErrorKind::InvalidEncryptedContent => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid_encrypted_content", safe())
        }
        UpstreamErrorKind::CyberPolicy => {
            ApiError::new(StatusCode::BAD_REQUEST, "cyber_policy", safe())
        }
        UpstreamErrorKind::BadRequest => {
            let code = StatusCode::from_u16(status)
                .ok()
                .filter(StatusCode::is_client_error)
                .unwrap_or(StatusCode::BAD_REQUEST);
            ApiError::new(code, "invalid_request", safe()).typed("invalid_request_error")
        }
    }
}

/// A failure inside the stream before commit (retries spent) or of a non-streaming answer.
fn stream_failure(failure: &UpstreamFailure) -> ApiError {
    match failure.kind {
        FailureKind::UsageLimit => quota_exhausted(None),
        FailureKind::RateLimited
        | FailureKind::Overloaded
        | FailureKind::Unauthorized
        | FailureKind::UsageNotIncluded => upstream_error(&UpstreamError {
            status: Some(failure.status),
            kind: crate::upstream::classify::kind_of_failure(failure),
            message: None,
        }),
        _ => {
            let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut api = ApiError::new(
                status,
                failure.code.as_deref().unwrap_or("upstream_error"),
                failure.message.clone(),
            )
            .typed(failure.openai_type());
            api.anthropic_type = Some(failure.anthropic_type());
            api
        }
    }
}

fn now_secs() -> i64 {
    crate::service::now_ms() / 1000
}

/// `14:05` for a unix time: the reset in words for Anthropic callers, whose SDKs ignore very
/// long `retry-after` values.
fn clock_utc(unix: i64) -> String {
    let day_secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02}", day_secs / 3600, (day_secs % 3600) / 60)
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
