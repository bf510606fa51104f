//! The line formats (`txt`, `at_txt`, and the token lists of the create endpoints): one
//! token per line, blank lines and `#` comments skipped, whitespace trimmed.

use super::{ImportCandidate, ImportParse};
use crate::upstream::jwt::{decode_payload, is_opaque_access_token, looks_like_jwt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenKind {
    Refresh,
    Access,
}

/// 1-based line numbers with their trimmed content, blanks and comments left out.
pub(super) fn token_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            (
                i + 1,
                line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'),
            )
        })
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
}

pub(super) fn parse_lines(text: &str, kind: TokenKind, name: Option<&str>) -> ImportParse {
    let mut out = ImportParse::default();
    for (line, token) in token_lines(text) {
        let checked = match kind {
            TokenKind::Refresh => check_refresh_token(token),
            TokenKind::Access => check_access_token(token),
        };
        if let Err(reason) = checked {
            out.reject(line, reason);
            continue;
        }
        let mut candidate = ImportCandidate {
            position: line,
            name: name.map(str::to_owned),
            ..ImportCandidate::default()
        };
        match kind {
            TokenKind::Refresh => candidate.refresh_token = Some(token.to_owned()),
            TokenKind::Access => candidate.access_token = Some(token.to_owned()),
        }
        out.entries.push(candidate);
    }
    out
}

/// Refresh tokens are opaque; refuse what is clearly something else, so the user learns
/// about a wrong format now rather than from a failed refresh.
pub(super) fn check_refresh_token(token: &str) -> Result<(), &'static str> {
    if token.chars().any(char::is_whitespace) {
        return Err("contains whitespace; put one token per line");
    }
    if looks_like_jwt(token) {
        return Err("looks like an access or id token (a JWT), not a refresh token");
    }
    if is_opaque_access_token(token) {
        return Err("looks like an access token (`at-`), not a refresh token");
    }
    Ok(())
}

/// Access tokens are JWTs with a readable payload, or opaque `at-` tokens.
pub(super) fn check_access_token(token: &str) -> Result<(), &'static str> {
    if token.chars().any(char::is_whitespace) {
        return Err("contains whitespace; put one token per line");
    }
    if is_opaque_access_token(token) {
        return Ok(());
    }
    if !looks_like_jwt(token) {
        return Err("not an access token (expected a JWT or an `at-` token)");
    }
    decode_payload(token)
        .map(|_| ())
        .map_err(|_| "malformed JWT: its payload cannot be read")
}
