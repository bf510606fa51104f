//! Stream-commit classification (translation.md §10) and terminal-failure mapping
//! (upstream.md §5.3): which upstream events commit a stream, and what HTTP status and error
//! kind a `response.failed` or `error` event stands for.

use serde_json::Value;

use crate::error::{
    anthropic_error_json, anthropic_error_type_for_status, openai_error_json,
    openai_error_type_for_status,
};
use crate::responses::{ResponseItem, ResponsesStreamEvent};

/// What an upstream event means for the commit decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    /// Lifecycle, metadata, rate limits, reasoning/message announcements: hold.
    PreContent,
    /// Output a client could see: commit now.
    Content,
    /// `response.completed` or `response.incomplete`: commits even without content.
    Finished,
    /// `response.failed` or `error`: fail (retry before commit, in-band after).
    Failed,
}

/// Classifies an event (translation.md §10).
pub fn classify_event(event: &ResponsesStreamEvent) -> EventClass {
    use ResponsesStreamEvent as E;
    match event {
        E::Completed(_) | E::Incomplete(_) => EventClass::Finished,
        E::Failed(_) | E::Error(_) => EventClass::Failed,
        E::ImageGenerationPartialImage(_) => EventClass::Content,
        E::OutputItemAdded(e) => match e.item {
            ResponseItem::FunctionCall(_) | ResponseItem::CustomToolCall(_) => EventClass::Content,
            _ => EventClass::PreContent,
        },
        E::OutputItemDone(e) => match e.item {
            ResponseItem::Message(_)
            | ResponseItem::FunctionCall(_)
            | ResponseItem::CustomToolCall(_)
            | ResponseItem::ImageGenerationCall(_) => EventClass::Content,
            _ => EventClass::PreContent,
        },
        other if other.type_name().ends_with(".delta") => EventClass::Content,
        _ => EventClass::PreContent,
    }
}

/// Coarse meaning of a terminal failure, for retry and cooldown decisions elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// `usage_limit_reached`: the account's quota is exhausted.
    UsageLimit,
    /// `usage_not_included`: the plan has no Codex access.
    UsageNotIncluded,
    /// Other rate limits (`rate_limit_exceeded`).
    RateLimited,
    /// `server_is_overloaded` / `slow_down`: capacity shed.
    Overloaded,
    /// The context window is full.
    ContextLengthExceeded,
    /// Replayed reasoning could not be decrypted (probably another account's).
    InvalidEncryptedContent,
    /// `cyber_policy`: never retried.
    CyberPolicy,
    /// 401-style failures.
    Unauthorized,
    /// Any other 4xx-style failure.
    InvalidRequest,
    /// The stream broke without a terminal event.
    StreamBreak,
    /// Anything else.
    Server,
}

/// A terminal failure of an upstream stream, with the status it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamFailure {
    /// HTTP status: the carried one, else derived (upstream.md §5.3).
    pub status: u16,
    /// Upstream `error.code` (or `error.type`), if any.
    pub code: Option<String>,
    /// Upstream message, or a generic one.
    pub message: String,
    /// Coarse classification.
    pub kind: FailureKind,
}

impl UpstreamFailure {
    /// The stream ended (or broke) without a terminal event.
    pub fn stream_break(message: impl Into<String>) -> Self {
        Self {
            status: 502,
            code: Some("upstream_stream_break".into()),
            message: message.into(),
            kind: FailureKind::StreamBreak,
        }
    }

    /// OpenAI `error.type` for this failure.
    pub fn openai_type(&self) -> &'static str {
        match self.kind {
            FailureKind::StreamBreak => "upstream_error",
            _ => openai_error_type_for_status(self.status),
        }
    }

    /// Anthropic `error.type`; a broken stream is `overloaded_error` (translation.md §5).
    pub fn anthropic_type(&self) -> &'static str {
        match self.kind {
            FailureKind::StreamBreak | FailureKind::Overloaded => "overloaded_error",
            _ => anthropic_error_type_for_status(self.status),
        }
    }

    /// `{"error":{"message","type","code","param":null}}`.
    pub fn to_openai_json(&self) -> Value {
        openai_error_json(
            &self.message,
            self.openai_type(),
            self.code.as_deref(),
            None,
        )
    }

    /// `{"type":"error","error":{"type","message"}}`.
    pub fn to_anthropic_json(&self) -> Value {
        anthropic_error_json(self.anthropic_type(), &self.message)
    }
}

/// The failure carried by a `response.failed` or `error` event; `None` for other events.
pub fn failure_from_event(event: &ResponsesStreamEvent) -> Option<UpstreamFailure> {
    let (status, code, kind_field, message) = match event {
        ResponsesStreamEvent::Failed(e) => {
            let err = e.response.error.clone().unwrap_or_default();
            let status = e.response.extra.get("status_code").and_then(Value::as_u64);
            (status, err.code, err.kind, err.message)
        }
        ResponsesStreamEvent::Error(e) => {
            let nested = e.error.clone().unwrap_or_default();
            (
                e.status.map(u64::from),
                e.code.clone().or(nested.code),
                nested.kind,
                e.message.clone().or(nested.message),
            )
        }
        _ => return None,
    };
    let code = code.or_else(|| kind_field.clone());
    let message = message.unwrap_or_else(|| "upstream response failed".to_owned());
    let joined = format!(
        "{} {} {}",
        code.as_deref().unwrap_or(""),
        kind_field.unwrap_or_default(),
        message
    );
    let status = status
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or_else(|| derive_failure_status(&joined));
    let kind = failure_kind(&joined.to_ascii_lowercase(), status);
    Some(UpstreamFailure {
        status,
        code,
        message,
        kind,
    })
}

/// The status table for a `response.failed` without one (upstream.md §5.3), applied to the
/// code and message, case-insensitively, first row first.
pub fn derive_failure_status(code_and_message: &str) -> u16 {
    let text = code_and_message.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(&["usage_limit", "rate_limit"]) {
        429
    } else if has(&["unauthorized", "invalid_api_key"]) {
        401
    } else if has(&["payment"]) {
        402
    } else if has(&["forbidden"]) {
        403
    } else if has(&[
        "context_length",
        "context_window",
        "above_max_length",
        "model_not_found",
        "unsupported",
        "invalid",
        "bad_request",
    ]) {
        400
    } else {
        500
    }
}

fn failure_kind(text: &str, status: u16) -> FailureKind {
    let checks: [(&str, FailureKind); 10] = [
        ("usage_limit_reached", FailureKind::UsageLimit),
        ("usage_not_included", FailureKind::UsageNotIncluded),
        (
            "invalid_encrypted_content",
            FailureKind::InvalidEncryptedContent,
        ),
        ("cyber_policy", FailureKind::CyberPolicy),
        ("server_is_overloaded", FailureKind::Overloaded),
        ("server_overloaded", FailureKind::Overloaded),
        ("slow_down", FailureKind::Overloaded),
        ("context_length", FailureKind::ContextLengthExceeded),
        ("context_window", FailureKind::ContextLengthExceeded),
        ("rate_limit", FailureKind::RateLimited),
    ];
    if let Some((_, kind)) = checks.iter().find(|(needle, _)| text.contains(needle)) {
        return *kind;
    }
    match status {
        401 => FailureKind::Unauthorized,
        429 => FailureKind::RateLimited,
        400..=499 => FailureKind::InvalidRequest,
        _ => FailureKind::Server,
    }
}
