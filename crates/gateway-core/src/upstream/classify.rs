//! Classification of upstream error answers (upstream.md §5.2–5.3, scheduling.md §7): an HTTP
//! status plus body becomes one [`UpstreamErrorKind`], so the relay can decide between retry
//! on the same account, failover and answering the client. Pure, no I/O.

use gateway_protocol::{FailureKind, UpstreamFailure};
use serde_json::Value;

use crate::scheduler::AttemptOutcome;

/// What an upstream error answer means for the account and the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    /// `usage_limit_reached`: this account's quota is spent until `resets_at` (unix seconds).
    UsageLimit { resets_at: Option<i64> },
    /// `usage_not_included`: the plan has no Codex access.
    UsageNotIncluded,
    /// A plain 429: a burst or model limit.
    RateLimited { retry_after: Option<u64> },
    /// 401 about the account's token (expired, invalidated, revoked).
    Unauthorized,
    /// 401 about the request itself (`missing_scope`, `api.responses.write`): no account blame.
    RequestUnauthorized,
    /// 402 `deactivated_workspace`: the whole workspace is off, not just this account.
    WorkspaceDeactivated,
    /// Any other 402.
    PaymentRequired,
    /// 403 `unsupported_country_region_territory`: the egress IP's region is refused.
    EgressBlocked,
    /// Any other 403.
    Forbidden,
    /// 400 `model is not supported when using codex` / `unknown provider for model`.
    ModelUnsupported,
    /// Capacity shed: `server_is_overloaded` / `slow_down` (also `server_overloaded`).
    Overloaded,
    /// 400 `invalid_encrypted_content`: replayed reasoning from another account.
    InvalidEncryptedContent,
    /// `cyber_policy`: never retried.
    CyberPolicy,
    /// 408 or a timeout of ours.
    Timeout,
    /// Any other 4xx: about the request, not the account.
    BadRequest,
    /// 500, 502, 503, 504 and other 5xx.
    ServerError,
    /// No HTTP answer at all: connect, TLS, reset, EOF.
    Transport,
}

impl UpstreamErrorKind {
    /// True when another account may well succeed where this one failed.
    pub fn is_failover(&self) -> bool {
        !matches!(
            self,
            Self::BadRequest
                | Self::CyberPolicy
                | Self::RequestUnauthorized
                | Self::UsageNotIncluded
        )
    }

    /// The scheduler feedback for this kind.
    pub fn outcome(&self) -> AttemptOutcome {
        match self {
            Self::UsageLimit { resets_at } => AttemptOutcome::UsageLimit {
                resets_at: *resets_at,
            },
            Self::RateLimited { retry_after } => AttemptOutcome::RateLimited {
                retry_after: *retry_after,
            },
            Self::Unauthorized => AttemptOutcome::Unauthorized,
            Self::WorkspaceDeactivated => AttemptOutcome::WorkspaceOff,
            Self::PaymentRequired => AttemptOutcome::PaymentRequired,
            Self::EgressBlocked => AttemptOutcome::EgressBlocked,
            Self::Forbidden | Self::UsageNotIncluded => AttemptOutcome::Forbidden,
            Self::ModelUnsupported => AttemptOutcome::ModelUnsupported,
            Self::Overloaded => AttemptOutcome::Overloaded,
            Self::ServerError => AttemptOutcome::ServerError,
            Self::Timeout => AttemptOutcome::Timeout,
            Self::Transport => AttemptOutcome::Transport,
            Self::BadRequest
            | Self::RequestUnauthorized
            | Self::InvalidEncryptedContent
            | Self::CyberPolicy => AttemptOutcome::BadRequest,
        }
    }

    /// A short stable word for logs and the routing trace.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::UsageLimit { .. } => "usage_limit",
            Self::UsageNotIncluded => "usage_not_included",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unauthorized => "unauthorized",
            Self::RequestUnauthorized => "request_unauthorized",
            Self::WorkspaceDeactivated => "workspace_deactivated",
            Self::PaymentRequired => "payment_required",
            Self::EgressBlocked => "egress_blocked",
            Self::Forbidden => "forbidden",
            Self::ModelUnsupported => "model_unsupported",
            Self::Overloaded => "overloaded",
            Self::InvalidEncryptedContent => "invalid_encrypted_content",
            Self::CyberPolicy => "cyber_policy",
            Self::Timeout => "timeout",
            Self::BadRequest => "bad_request",
            Self::ServerError => "server_error",
            Self::Transport => "transport",
        }
    }
}

/// Classifies an upstream error answer. `retry_after` is the `Retry-After` header in seconds;
/// `now_secs` resolves a legacy `resets_in_seconds` into a timestamp.
pub fn classify(
    status: u16,
    body: &str,
    retry_after: Option<u64>,
    now_secs: i64,
) -> UpstreamErrorKind {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let lower = body.to_ascii_lowercase();
    // The quota error is recognised by its type whatever the status: it has been seen on 5xx.
    if let Some(err) = json.as_ref().and_then(usage_limit_error) {
        return UpstreamErrorKind::UsageLimit {
            resets_at: resets_at(err, now_secs),
        };
    }
    let has = |needle: &str| lower.contains(needle);
    if has("usage_not_included") {
        return UpstreamErrorKind::UsageNotIncluded;
    }
    if has("cyber_policy") {
        return UpstreamErrorKind::CyberPolicy;
    }
    if has("server_is_overloaded") || has("slow_down") || has("server_overloaded") {
        return UpstreamErrorKind::Overloaded;
    }
    match status {
        401 if has("missing_scope") || has("api.responses.write") => {
            UpstreamErrorKind::RequestUnauthorized
        }
        401 => UpstreamErrorKind::Unauthorized,
        402 if has("deactivated_workspace") => UpstreamErrorKind::WorkspaceDeactivated,
        402 => UpstreamErrorKind::PaymentRequired,
        403 if has("unsupported_country_region_territory") => UpstreamErrorKind::EgressBlocked,
        403 => UpstreamErrorKind::Forbidden,
        408 => UpstreamErrorKind::Timeout,
        429 => UpstreamErrorKind::RateLimited {
            retry_after: retry_after.or_else(|| try_again_in(&lower)),
        },
        400 if has("invalid_encrypted_content") => UpstreamErrorKind::InvalidEncryptedContent,
        400 if has("is not supported when using codex") || has("unknown provider for model") => {
            UpstreamErrorKind::ModelUnsupported
        }
        500..=599 => UpstreamErrorKind::ServerError,
        _ => UpstreamErrorKind::BadRequest,
    }
}

/// The `error` object whose `type` is `usage_limit_reached`, at any of the three paths.
fn usage_limit_error(json: &Value) -> Option<&Value> {
    let candidates = [
        json.get("error"),
        json.pointer("/response/error"),
        json.pointer("/response/status_details/error"),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|e| e.get("type").and_then(Value::as_str) == Some("usage_limit_reached"))
}

/// `resets_at`, else now + `resets_in_seconds` (upstream.md §5.2; the body wins over headers).
fn resets_at(err: &Value, now_secs: i64) -> Option<i64> {
    if let Some(at) = err.get("resets_at").and_then(Value::as_i64) {
        return Some(at);
    }
    err.get("resets_in_seconds")
        .and_then(Value::as_i64)
        .map(|secs| now_secs.saturating_add(secs))
}

/// "try again in 20s" / "try again in 350ms" inside a rate-limit message, rounded up to seconds.
fn try_again_in(lower: &str) -> Option<u64> {
    let rest = &lower[lower.find("try again in ")? + "try again in ".len()..];
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let value: f64 = digits.parse().ok()?;
    let unit = rest[digits.len()..].trim_start();
    let secs = if unit.starts_with("ms") {
        value / 1000.0
    } else {
        value
    };
    let rounded = secs.ceil().max(1.0);
    // The value is small and positive here; the conversion cannot lose meaning.
    Some(rounded as u64)
}

/// The kind of a terminal failure seen inside a 200 stream (`response.failed`, `error`, or a
/// break), so stream failures and HTTP failures share one retry policy.
pub fn kind_of_failure(failure: &UpstreamFailure) -> UpstreamErrorKind {
    match failure.kind {
        FailureKind::UsageLimit => UpstreamErrorKind::UsageLimit { resets_at: None },
        FailureKind::UsageNotIncluded => UpstreamErrorKind::UsageNotIncluded,
        FailureKind::RateLimited => UpstreamErrorKind::RateLimited {
            retry_after: try_again_in(&failure.message.to_ascii_lowercase()),
        },
        FailureKind::Overloaded => UpstreamErrorKind::Overloaded,
        FailureKind::InvalidEncryptedContent => UpstreamErrorKind::InvalidEncryptedContent,
        FailureKind::CyberPolicy => UpstreamErrorKind::CyberPolicy,
        FailureKind::Unauthorized => UpstreamErrorKind::Unauthorized,
        FailureKind::ContextLengthExceeded | FailureKind::InvalidRequest => {
            UpstreamErrorKind::BadRequest
        }
        FailureKind::StreamBreak => UpstreamErrorKind::Transport,
        FailureKind::Server => UpstreamErrorKind::ServerError,
    }
}

/// A user-safe one-line message from an upstream error body: `error.message`, `detail`, or
/// nothing (an HTML page or an unknown shape is never shown to clients).
pub fn safe_message(body: &str) -> Option<String> {
    let json: Value = serde_json::from_str(body).ok()?;
    let message = json
        .pointer("/error/message")
        .or_else(|| json.get("detail"))
        .or_else(|| json.pointer("/response/error/message"))
        .and_then(Value::as_str)?;
    let mut line: String = message
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect();
    if line.trim().is_empty() {
        return None;
    }
    line.truncate(line.trim_end().len());
    Some(line)
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
