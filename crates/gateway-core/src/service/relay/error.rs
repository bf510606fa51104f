//! Why a relay request produced no answer stream. The HTTP layer maps each case to a status
//! and renders it in the caller's protocol (http/public/error.rs); nothing here knows HTTP.

use gateway_protocol::{ProtocolError, UpstreamFailure};

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
