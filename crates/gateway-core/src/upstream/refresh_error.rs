//! What a failed call to the token endpoint means for the account: dead credential,
//! our OAuth client refused, or try again later (upstream.md §4.1, scheduling.md §10.4).
//! Pure functions over status and body, so every mapping is unit-tested.

use serde_json::Value;

/// Why a refresh token is dead; the string is the stored `reauth_required` reason
/// (scheduling.md §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminalReason {
    /// Already rotated: someone used it before us (a lost race or a leaked copy).
    RefreshTokenReused,
    RefreshTokenInvalidated,
    RefreshTokenExpired,
    /// `invalid_grant`, `access_denied`, `session has ended`: signed out or revoked.
    RefreshTokenRevoked,
}

impl TerminalReason {
    pub fn as_str(self) -> &'static str {
        match self {
            TerminalReason::RefreshTokenReused => "refresh_token_reused",
            TerminalReason::RefreshTokenInvalidated => "refresh_token_invalidated",
            TerminalReason::RefreshTokenExpired => "refresh_token_expired",
            TerminalReason::RefreshTokenRevoked => "refresh_token_revoked",
        }
    }

    /// The reason an upstream error code maps to (scheduling.md §10.4), if it is terminal.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "refresh_token_reused" => Some(Self::RefreshTokenReused),
            "refresh_token_invalidated" | "token_invalidated" => {
                Some(Self::RefreshTokenInvalidated)
            }
            "refresh_token_expired" => Some(Self::RefreshTokenExpired),
            "invalid_grant" | "access_denied" | "session has ended" => {
                Some(Self::RefreshTokenRevoked)
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for TerminalReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed refresh. Messages never contain a token: bodies are reduced to their error
/// code, and transport errors to their kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    /// The refresh token is dead; never send it again. The refresher re-reads the store
    /// (another process may have rotated it) before marking the account `reauth_required`.
    #[error("refresh token rejected: {reason} (HTTP {status})")]
    Terminal { reason: TerminalReason, status: u16 },
    /// Our client id is wrong or blocked (`invalid_client`, `unauthorized_client`): not the
    /// account's fault. Raise a global alert, pause refreshes, leave accounts untouched.
    #[error("token endpoint refused the OAuth client: {code} (HTTP {status})")]
    ClientRejected { code: String, status: u16 },
    /// Anything else: transport, timeout, 5xx, 429, or an answer we do not understand.
    #[error("token refresh failed: {message}")]
    Transient {
        status: Option<u16>,
        message: String,
    },
}

impl RefreshError {
    /// True for the failures scheduling.md §10.4 retries at once (3 attempts, 1 s then
    /// 2 s): transport errors and timeouts (no status), 408, 429 and 5xx. Other transient
    /// failures (an unexpected 4xx, a malformed 200) wait for the next scheduled refresh.
    pub fn is_retryable(&self) -> bool {
        match self {
            RefreshError::Transient { status: None, .. } => true,
            RefreshError::Transient {
                status: Some(s), ..
            } => matches!(*s, 408 | 429) || (500..=599).contains(s),
            RefreshError::Terminal { .. } | RefreshError::ClientRejected { .. } => false,
        }
    }

    /// The `reauth_required` reason, for terminal failures.
    pub fn terminal_reason(&self) -> Option<TerminalReason> {
        match self {
            RefreshError::Terminal { reason, .. } => Some(*reason),
            _ => None,
        }
    }
}

/// Strings that, anywhere in the body, make the failure terminal (upstream.md §4.1 "Never
/// retried"), most specific first so the stored reason is the most precise one.
const TERMINAL_TEXT: [(&str, TerminalReason); 7] = [
    ("refresh_token_reused", TerminalReason::RefreshTokenReused),
    (
        "refresh_token_invalidated",
        TerminalReason::RefreshTokenInvalidated,
    ),
    ("token_invalidated", TerminalReason::RefreshTokenInvalidated),
    ("refresh_token_expired", TerminalReason::RefreshTokenExpired),
    ("invalid_grant", TerminalReason::RefreshTokenRevoked),
    ("access_denied", TerminalReason::RefreshTokenRevoked),
    ("session has ended", TerminalReason::RefreshTokenRevoked),
];

const CLIENT_CODES: [&str; 2] = ["invalid_client", "unauthorized_client"];

/// The error code the Codex CLI reads: `error.code` when `error` is an object, `error`
/// itself when it is a string, else top-level `code`; lowercased.
pub fn error_code(body: &Value) -> Option<String> {
    let code = match body.get("error") {
        Some(Value::Object(err)) => err.get("code").and_then(Value::as_str),
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    }
    .or_else(|| body.get("code").and_then(Value::as_str))?;
    let code = code.trim().to_ascii_lowercase();
    (!code.is_empty()).then_some(code)
}

/// Classifies a non-2xx answer of the token endpoint.
///
/// Order: the extracted code (client rejection, then the terminal codes), then the body
/// text (token-state strings, client rejection, then the generic grant strings), then the
/// status. A 401 nobody explained is terminal with `refresh_token_invalidated`: the CLI
/// treats every 401 as final, and "the server no longer accepts this token" is what
/// `invalidated` means; the mock answers unknown tokens the same way.
pub fn classify_failure(status: u16, body: &[u8]) -> RefreshError {
    let text = String::from_utf8_lossy(body).to_lowercase();
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .as_ref()
        .and_then(error_code);
    if let Some(code) = code.as_deref() {
        if CLIENT_CODES.contains(&code) {
            return RefreshError::ClientRejected {
                code: code.to_owned(),
                status,
            };
        }
        if let Some(reason) = TerminalReason::from_code(code) {
            return RefreshError::Terminal { reason, status };
        }
    }
    let by_text = |strings: &[(&str, TerminalReason)]| {
        strings
            .iter()
            .find(|(needle, _)| text.contains(needle))
            .map(|(_, reason)| *reason)
    };
    if let Some(reason) = by_text(&TERMINAL_TEXT[..4]) {
        return RefreshError::Terminal { reason, status };
    }
    if let Some(client) = CLIENT_CODES.iter().find(|c| text.contains(*c)) {
        return RefreshError::ClientRejected {
            code: (*client).to_owned(),
            status,
        };
    }
    if let Some(reason) = by_text(&TERMINAL_TEXT[4..]) {
        return RefreshError::Terminal { reason, status };
    }
    if status == 401 {
        return RefreshError::Terminal {
            reason: TerminalReason::RefreshTokenInvalidated,
            status,
        };
    }
    RefreshError::Transient {
        status: Some(status),
        message: http_message(status, code),
    }
}

/// `HTTP 503 (server_is_overloaded)`, or `HTTP 502` when the body has no safe code.
fn http_message(status: u16, code: Option<String>) -> String {
    match code.filter(|c| is_safe_code(c)) {
        Some(code) => format!("HTTP {status} ({code})"),
        None => format!("HTTP {status}"),
    }
}

/// Error codes are short identifiers; tokens are long. Only a code passing this test may
/// reach an error message, so an echoed token or free text never reaches a log line.
fn is_safe_code(code: &str) -> bool {
    code.len() <= 40
        && code
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "_-.".contains(ch))
}

/// The body's error code ([`error_code`]) if it is safe to show.
pub(crate) fn safe_error_code(body: &[u8]) -> Option<String> {
    let value = serde_json::from_slice::<Value>(body).ok()?;
    error_code(&value).filter(|c| is_safe_code(c))
}

/// True when the code means our OAuth client itself was refused.
pub(crate) fn is_client_rejection(code: &str) -> bool {
    CLIENT_CODES.contains(&code)
}

#[cfg(test)]
#[path = "refresh_error_tests.rs"]
mod tests;
