//! Parses account import payloads (admin-api.md §1.3 files, and the token lists of
//! `POST /api/admin/accounts` and `/accounts/at`) into candidate credentials with a result
//! per entry. Pure: nothing is refreshed, stored or de-duplicated against the pool here.

mod json;
mod text;

use crate::store::CredentialKind;

/// Most tokens one `POST /api/admin/accounts` (or `/accounts/at`) body may carry.
pub const MAX_TOKENS_PER_REQUEST: usize = 100;

/// The `format` field of an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// One refresh token per line.
    Txt,
    /// One access token per line.
    AtTxt,
    /// Flat entries, an array of them, Sub2API `{"accounts":[…]}` or CLIProxyAPI files.
    Json,
    /// Like `Json`, but only access tokens are trusted.
    JsonAt,
}

impl ImportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Txt => "txt",
            ImportFormat::AtTxt => "at_txt",
            ImportFormat::Json => "json",
            ImportFormat::JsonAt => "json_at",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "txt" => Some(ImportFormat::Txt),
            "at_txt" => Some(ImportFormat::AtTxt),
            "json" => Some(ImportFormat::Json),
            "json_at" => Some(ImportFormat::JsonAt),
            _ => None,
        }
    }
}

/// One credential found in the payload, with whatever the file said about it. Hints are
/// not trusted over the tokens' own claims (see `upstream::jwt::AccountIdentity`).
/// `Debug` shows which tokens are present, never their value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ImportCandidate {
    /// 1-based line (text formats) or entry (JSON) this came from.
    pub position: usize,
    pub name: Option<String>,
    pub refresh_token: Option<String>,
    pub access_token: Option<String>,
    pub id_token: Option<String>,
    pub email: Option<String>,
    /// Workspace id (`Chatgpt-Account-Id`) hint.
    pub account_id: Option<String>,
    pub user_id: Option<String>,
    pub plan_type: Option<String>,
    /// Access-token expiry hint, unix seconds.
    pub expires_at: Option<i64>,
}

impl ImportCandidate {
    /// Refresh-token accounts are refreshed; access-token-only ones die at expiry.
    pub fn kind(&self) -> CredentialKind {
        if self.refresh_token.is_some() {
            CredentialKind::RefreshToken
        } else {
            CredentialKind::AccessToken
        }
    }

    /// The token that identifies this candidate within one payload.
    fn dedupe_token(&self) -> Option<&str> {
        self.refresh_token
            .as_deref()
            .or(self.access_token.as_deref())
    }
}

impl std::fmt::Debug for ImportCandidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |t: &Option<String>| {
            if t.is_some() {
                "Some(<redacted>)"
            } else {
                "None"
            }
        };
        f.debug_struct("ImportCandidate")
            .field("position", &self.position)
            .field("name", &self.name)
            .field(
                "refresh_token",
                &format_args!("{}", shown(&self.refresh_token)),
            )
            .field(
                "access_token",
                &format_args!("{}", shown(&self.access_token)),
            )
            .field("id_token", &format_args!("{}", shown(&self.id_token)))
            .field("email", &self.email)
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .field("plan_type", &self.plan_type)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why one line or entry was skipped. The reason never quotes a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line (text formats) or entry (JSON).
    pub line_or_index: usize,
    pub reason: String,
}

/// The usable candidates, the skipped entries, and how many exact repeats were dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportParse {
    pub entries: Vec<ImportCandidate>,
    pub errors: Vec<LineError>,
    /// Entries whose token already appeared earlier in the same payload.
    pub duplicates: usize,
}

impl ImportParse {
    fn reject(&mut self, line_or_index: usize, reason: impl Into<String>) {
        self.errors.push(LineError {
            line_or_index,
            reason: reason.into(),
        });
    }

    /// Keeps the first occurrence of each token; later ones count as duplicates.
    fn dedupe(mut self) -> Self {
        let mut seen = std::collections::HashSet::new();
        let before = self.entries.len();
        self.entries
            .retain(|c| c.dedupe_token().is_none_or(|t| seen.insert(t.to_owned())));
        self.duplicates += before - self.entries.len();
        self
    }
}

/// The whole payload is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not UTF-8, invalid JSON, a top-level shape we do not know, or nothing in it.
    #[error("import cannot be read: {0}")]
    Unparseable(String),
    #[error("{count} tokens in one request; at most {max} are accepted")]
    TooManyTokens { count: usize, max: usize },
}

/// Parses an uploaded import file.
pub fn parse_import(format: ImportFormat, bytes: &[u8]) -> Result<ImportParse, ImportError> {
    let text = decode_utf8(bytes)?;
    let parsed = match format {
        ImportFormat::Txt => text::parse_lines(text, text::TokenKind::Refresh, None),
        ImportFormat::AtTxt => text::parse_lines(text, text::TokenKind::Access, None),
        ImportFormat::Json => json::parse(text, false)?,
        ImportFormat::JsonAt => json::parse(text, true)?,
    };
    let parsed = parsed.dedupe();
    if parsed.entries.is_empty() && parsed.errors.is_empty() && parsed.duplicates == 0 {
        return Err(ImportError::Unparseable("no tokens found".to_owned()));
    }
    Ok(parsed)
}

/// The `refresh_token` field of `POST /api/admin/accounts`: newline-separated, at most
/// [`MAX_TOKENS_PER_REQUEST`]; `name` is applied to every entry.
pub fn parse_refresh_token_field(
    field: &str,
    name: Option<&str>,
) -> Result<ImportParse, ImportError> {
    parse_token_field(field, text::TokenKind::Refresh, name)
}

/// The token field of `POST /api/admin/accounts/at`, with the same rules.
pub fn parse_access_token_field(
    field: &str,
    name: Option<&str>,
) -> Result<ImportParse, ImportError> {
    parse_token_field(field, text::TokenKind::Access, name)
}

fn parse_token_field(
    field: &str,
    kind: text::TokenKind,
    name: Option<&str>,
) -> Result<ImportParse, ImportError> {
    let field = field.strip_prefix('\u{feff}').unwrap_or(field);
    // Counted before de-duplication: the limit bounds what the client sent.
    let count = text::token_lines(field).count();
    if count > MAX_TOKENS_PER_REQUEST {
        return Err(ImportError::TooManyTokens {
            count,
            max: MAX_TOKENS_PER_REQUEST,
        });
    }
    if count == 0 {
        return Err(ImportError::Unparseable("no tokens found".to_owned()));
    }
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    Ok(text::parse_lines(field, kind, name).dedupe())
}

/// UTF-8 with an optional BOM; anything else is refused as a whole.
fn decode_utf8(bytes: &[u8]) -> Result<&str, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ImportError::Unparseable("the file is not UTF-8 text".to_owned()))?;
    if text.trim().is_empty() {
        return Err(ImportError::Unparseable("the file is empty".to_owned()));
    }
    Ok(text)
}

#[cfg(test)]
mod tests;
