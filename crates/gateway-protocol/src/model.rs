//! Requested-model resolution (upstream.md §6.4): effort aliases, the admin mapping with
//! exact and `*` patterns, canonical spelling, Claude defaults, the Chat default, and the
//! refusal of image models on text endpoints. Pure: the mapping is an input.

use crate::error::ProtocolError;
use crate::normalize::KNOWN_EFFORTS;

/// The model used by Chat Completions requests without one.
pub const DEFAULT_CHAT_MODEL: &str = "gpt-5.4";
/// Where `claude-opus*`, `claude-sonnet*` and other Claude names go.
pub const DEFAULT_CLAUDE_MODEL: &str = "gpt-5.5";
/// Where `claude-haiku*` and other `haiku` names go.
pub const DEFAULT_HAIKU_MODEL: &str = "gpt-5.4-mini";

/// The client protocol, which decides the Claude defaults and the missing-model rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientProtocol {
    /// `/v1/chat/completions`.
    Chat,
    /// `/v1/responses`.
    Responses,
    /// `/v1/messages`.
    Messages,
}

/// Resolution inputs that are configuration, not request.
#[derive(Debug, Clone, Copy)]
pub struct ModelContext<'a> {
    /// Which endpoint.
    pub protocol: ClientProtocol,
    /// Admin mapping entries in their configured order: `(pattern, target)`.
    pub mapping: &'a [(String, String)],
    /// Known model names, for effort aliases (`gpt-5.5-high`).
    pub known_models: &'a [String],
}

/// The outcome of resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedModel {
    /// The name to send upstream.
    pub model: String,
    /// The effort implied by an alias; set `reasoning.effort` only if the body has none.
    pub effort: Option<String>,
}

/// Resolves a requested model name (upstream.md §6.4).
pub fn resolve_model(
    requested: Option<&str>,
    ctx: &ModelContext<'_>,
) -> Result<ResolvedModel, ProtocolError> {
    let requested = requested.map(str::trim).unwrap_or_default();
    if requested.is_empty() {
        return match ctx.protocol {
            ClientProtocol::Chat => Ok(ResolvedModel {
                model: DEFAULT_CHAT_MODEL.into(),
                effort: None,
            }),
            _ => Err(ProtocolError::invalid("model is required", "model")),
        };
    }
    refuse_image_model(requested)?;
    let (name, effort) = split_effort_alias(requested, ctx.known_models);
    let mapped = match_mapping(&name, ctx.mapping);
    let model = match mapped {
        Some(target) => target.to_owned(),
        None => {
            let canonical = canonicalize_model(&name);
            if ctx.protocol == ClientProtocol::Messages {
                claude_default(&canonical).map_or(canonical, str::to_owned)
            } else {
                canonical
            }
        }
    };
    refuse_image_model(&model)?;
    Ok(ResolvedModel { model, effort })
}

fn refuse_image_model(name: &str) -> Result<(), ProtocolError> {
    if name.to_ascii_lowercase().starts_with("gpt-image-") {
        return Err(ProtocolError::InvalidRequest {
            message: format!(
                "model {name} is an image model; use /v1/images/generations or /v1/images/edits"
            ),
            param: Some("model".into()),
            code: Some("model_not_supported".into()),
        });
    }
    Ok(())
}

/// `<model>-<effort>` with a known model → (model, effort); otherwise the name unchanged.
fn split_effort_alias(name: &str, known_models: &[String]) -> (String, Option<String>) {
    if let Some((base, suffix)) = name.rsplit_once('-') {
        let effort = suffix.to_ascii_lowercase();
        let effort_ok = KNOWN_EFFORTS.contains(&effort.as_str()) || effort == "max";
        let canonical_base = canonicalize_model(base);
        let known = known_models
            .iter()
            .any(|m| m.eq_ignore_ascii_case(base) || m.eq_ignore_ascii_case(&canonical_base));
        if effort_ok && known {
            return (base.to_owned(), Some(effort));
        }
    }
    (name.to_owned(), None)
}

/// The admin mapping: a case-insensitive exact key wins; then `*` patterns, most specific
/// first (longest literal text, then fewest stars, then earliest entry).
pub fn match_mapping<'m>(name: &str, mapping: &'m [(String, String)]) -> Option<&'m str> {
    if let Some((_, target)) = mapping
        .iter()
        .find(|(pattern, _)| !pattern.contains('*') && pattern.eq_ignore_ascii_case(name))
    {
        return Some(target);
    }
    let lower = name.to_ascii_lowercase();
    mapping
        .iter()
        .enumerate()
        .filter(|(_, (pattern, _))| pattern.contains('*'))
        .filter(|(_, (pattern, _))| wildcard_match(&pattern.to_ascii_lowercase(), &lower))
        .min_by_key(|(index, (pattern, _))| {
            let stars = pattern.matches('*').count();
            (std::cmp::Reverse(pattern.len() - stars), stars, *index)
        })
        .map(|(_, (_, target))| target.as_str())
}

/// Glob match where `*` matches any (possibly empty) sequence.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = pieces.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Canonical spelling: lower case; `gpt5.5`/`gpt5-5` → `gpt-5.5`; `gpt-5.4mini` →
/// `gpt-5.4-mini`.
pub fn canonicalize_model(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("gpt") else {
        return lower;
    };
    let rest = rest.strip_prefix('-').unwrap_or(rest);
    let major_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    if major_len == 0 {
        return lower;
    }
    let (major, mut tail) = rest.split_at(major_len);
    let mut out = format!("gpt-{major}");
    // `5.5` and `5-5`: a separator followed by digits is the minor version. The dash form
    // takes one digit only, so dated names like `gpt-5-2025-08-07` stay intact.
    let (minor_start, max_len) = match tail.strip_prefix('.') {
        Some(after) => (Some(after), usize::MAX),
        None => (tail.strip_prefix('-'), 1),
    };
    if let Some(after) = minor_start {
        let minor_len = after.bytes().take_while(u8::is_ascii_digit).count();
        if minor_len > 0 && minor_len <= max_len {
            out.push('.');
            out.push_str(&after[..minor_len]);
            tail = &after[minor_len..];
            if tail.starts_with(|c: char| c.is_ascii_alphabetic()) {
                out.push('-');
            }
        }
    }
    out.push_str(tail);
    out
}

/// Claude defaults (Messages only, after the admin mapping).
fn claude_default(name: &str) -> Option<&'static str> {
    if name.starts_with("claude-opus") || name.starts_with("claude-sonnet") {
        Some(DEFAULT_CLAUDE_MODEL)
    } else if name.starts_with("claude-haiku") {
        Some(DEFAULT_HAIKU_MODEL)
    } else if name.contains("claude") {
        Some(DEFAULT_CLAUDE_MODEL)
    } else if name.contains("haiku") {
        Some(DEFAULT_HAIKU_MODEL)
    } else {
        None
    }
}
