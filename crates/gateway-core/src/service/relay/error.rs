//! Why a relay request produced no answer stream. The HTTP layer maps each case to a status
//! and renders it in the caller's protocol (http/public/error.rs); nothing here knows HTTP.

use gateway_protocol::{FailureKind, ProtocolError, UpstreamFailure};

use crate::scheduler::PoolError;
use crate::upstream::client::UpstreamError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum RelayError {
    /// The request cannot be translated (400).
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    /// The API key may not use this model (403).
    #[error("this API key may not use model {0}")]
    ModelNotAllowed(String),
    /// No account could be tried at all.
    #[error(transparent)]
    Pool(#[from] PoolError),
    /// The last attempt's HTTP answer (or transport failure).
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    /// The last attempt's stream failed before any content, or a non-streaming answer failed.
    #[error("upstream stream failed: {}", .0.message)]
    Stream(UpstreamFailure),
    /// The gateway itself is misconfigured (upstream URL).
    #[error("the gateway is misconfigured: {0}")]
    Misconfigured(String),
}

impl RelayError {
    /// The status and stable error word the usage log records for a request that got no
    /// stream. It follows the client-facing mapping in `http/public/error.rs` in spirit:
    /// account-side failures are the gateway's (5xx), quota and limits are 429.
    pub fn usage_status(&self) -> (i64, &'static str) {
        match self {
            RelayError::Protocol(_) => (400, "invalid_request"),
            RelayError::ModelNotAllowed(_) => (403, "model_not_allowed"),
            RelayError::Pool(PoolError::Exhausted { .. }) => (429, "usage_limit"),
            RelayError::Pool(PoolError::RateLimited { .. }) => (429, "rate_limited"),
            RelayError::Pool(_) => (503, "no_available_account"),
            RelayError::Upstream(e) => match e.status {
                Some(429) => (429, "upstream_rate_limited"),
                Some(s) if (400..500).contains(&s) && s != 401 && s != 403 => {
                    (i64::from(s), "upstream_bad_request")
                }
                Some(_) => (502, "upstream_error"),
                None => (502, "upstream_transport"),
            },
            RelayError::Stream(f) => (i64::from(f.status).max(400), "upstream_stream_failed"),
            RelayError::Misconfigured(_) => (503, "misconfigured"),
        }
    }

    /// The failure a slow-start commit delivers in-band (translation.md §10 rules 4–5) when
    /// no attempt produced content: the pool outcomes of scheduling.md §9 and the last
    /// attempt's error, with the codes the HTTP answer would have carried.
    pub fn in_band_failure(&self) -> UpstreamFailure {
        let failure =
            |status: u16, code: &str, kind: FailureKind, message: String| UpstreamFailure {
                status,
                code: Some(code.to_owned()),
                message,
                kind,
            };
        match self {
            RelayError::Stream(f) => f.clone(),
            RelayError::Pool(PoolError::Exhausted { .. }) => failure(
                429,
                "usage_limit_reached",
                FailureKind::UsageLimit,
                "Every upstream account is out of quota".into(),
            ),
            RelayError::Pool(PoolError::RateLimited { retry_after_secs }) => failure(
                429,
                "rate_limit_exceeded",
                FailureKind::RateLimited,
                format!(
                    "Every upstream account is rate limited; try again in {retry_after_secs} s"
                ),
            ),
            RelayError::Pool(PoolError::Busy) => failure(
                503,
                "account_pool_busy",
                FailureKind::Overloaded,
                "Every upstream account is busy; try again shortly".into(),
            ),
            RelayError::Pool(_) => failure(
                503,
                "account_pool_unavailable",
                FailureKind::Overloaded,
                "No upstream account is available; try again later".into(),
            ),
            RelayError::Upstream(e) => {
                let (status, code) = self.usage_status();
                let kind = match status {
                    429 => FailureKind::RateLimited,
                    400..=499 => FailureKind::InvalidRequest,
                    _ => FailureKind::Server,
                };
                let message = e
                    .message
                    .clone()
                    .unwrap_or_else(|| "The upstream failed to answer".into());
                failure(u16::try_from(status).unwrap_or(502), code, kind, message)
            }
            RelayError::Protocol(_) | RelayError::ModelNotAllowed(_) => failure(
                400,
                "invalid_request",
                FailureKind::InvalidRequest,
                self.to_string(),
            ),
            RelayError::Misconfigured(_) => failure(
                503,
                "service_unavailable",
                FailureKind::Server,
                "The gateway's upstream is misconfigured".into(),
            ),
        }
    }
}
