//! Protocol-level errors (`ProtocolError`) and the two client-facing error renderers:
//! the OpenAI error object (translation.md §11) and the Anthropic error body (§5.2).

use serde_json::{json, Value};

/// A request that cannot be translated. Every variant is a client error (HTTP 400); the HTTP
/// layer renders it with [`ProtocolError::to_openai_json`] or
/// [`ProtocolError::to_anthropic_json`] depending on the endpoint family.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Malformed or inconsistent request (missing field, unknown role, bad value).
    #[error("{message}")]
    InvalidRequest {
        /// User-safe message.
        message: String,
        /// JSON path of the offending field, e.g. `messages[2].role`.
        param: Option<String>,
        /// Optional stable machine code (e.g. `model_not_supported`).
        code: Option<String>,
    },
    /// A well-formed request using a feature the gateway does not support (e.g. audio input).
    #[error("{message}")]
    Unsupported {
        /// User-safe message.
        message: String,
        /// JSON path of the offending field.
        param: Option<String>,
    },
}

impl ProtocolError {
    /// Shorthand for [`ProtocolError::InvalidRequest`] without a code.
    pub fn invalid(message: impl Into<String>, param: impl Into<String>) -> Self {
        Self::InvalidRequest {
            message: message.into(),
            param: Some(param.into()),
            code: None,
        }
    }

    /// Shorthand for [`ProtocolError::Unsupported`].
    pub fn unsupported(message: impl Into<String>, param: impl Into<String>) -> Self {
        Self::Unsupported {
            message: message.into(),
            param: Some(param.into()),
        }
    }

    /// HTTP status for this error (always 400 today).
    pub fn status(&self) -> u16 {
        400
    }

    /// The offending parameter, if known.
    pub fn param(&self) -> Option<&str> {
        match self {
            Self::InvalidRequest { param, .. } | Self::Unsupported { param, .. } => {
                param.as_deref()
            }
        }
    }

    /// Machine-readable code.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::InvalidRequest { code, .. } => code.as_deref(),
            Self::Unsupported { .. } => Some("unsupported_parameter"),
        }
    }

    /// OpenAI error body: `{"error":{"message","type","code","param"}}`.
    pub fn to_openai_json(&self) -> Value {
        openai_error_json(
            &self.to_string(),
            "invalid_request_error",
            self.code(),
            self.param(),
        )
    }

    /// Anthropic error body: `{"type":"error","error":{"type","message"}}`.
    pub fn to_anthropic_json(&self) -> Value {
        anthropic_error_json("invalid_request_error", &self.to_string())
    }
}

/// Renders `{"error":{"message":…,"type":…,"code":…,"param":…}}` (translation.md §11).
pub fn openai_error_json(
    message: &str,
    error_type: &str,
    code: Option<&str>,
    param: Option<&str>,
) -> Value {
    json!({"error": {"message": message, "type": error_type, "code": code, "param": param}})
}

/// Renders `{"type":"error","error":{"type":…,"message":…}}` (translation.md §5.2).
pub fn anthropic_error_json(error_type: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": error_type, "message": message}})
}

/// OpenAI `error.type` for our own errors by HTTP status (translation.md §11). Statuses we
/// cannot map get `upstream_error`; pair it with [`openai_upstream_code`].
pub fn openai_error_type_for_status(status: u16) -> &'static str {
    match status {
        400 | 404 | 413 | 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        429 => "rate_limit_error",
        500..=599 => "server_error",
        _ => "upstream_error",
    }
}

/// `upstream_<status>`, the code of an upstream error we cannot map (translation.md §11).
pub fn openai_upstream_code(status: u16) -> String {
    format!("upstream_{status}")
}

/// Anthropic `error.type` by HTTP status (translation.md §5.2).
pub fn anthropic_error_type_for_status(status: u16) -> &'static str {
    match status {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        402 | 403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 | 529 => "overloaded_error",
        _ => "api_error",
    }
}
