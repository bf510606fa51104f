//! The upstream request headers of upstream.md §2, built in the documented order (a later
//! step overwrites an earlier one) from the client's headers and the chosen account. Pure, so
//! every rule is unit-tested; the client never decides `Authorization` or the session ids.

use axum::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The version floor as a literal, so the generated `User-Agent` can be a constant too.
macro_rules! version_floor {
    () => {
        "0.169.0"
    };
}

/// Our `Version` floor: the Codex CLI release current when this was written (upstream.md §2.1).
pub const VERSION_FLOOR: &str = version_floor!();

/// [`generated_user_agent`] of [`VERSION_FLOOR`], spelled out at compile time.
const GENERATED_USER_AGENT: &str = concat!(
    "codex-tui/",
    version_floor!(),
    " (Mac OS 15.5.0; arm64) xterm-256color (codex-tui; ",
    version_floor!(),
    ")"
);
const GENERATED_ORIGINATOR: &str = "codex-tui";

/// UA prefixes of official Codex clients (codex2api's list, upstream.md §2.1).
const OFFICIAL_UA_PREFIXES: &[&str] = &[
    "codex-tui/",
    "codex_cli_rs/",
    "codex_vscode/",
    "codex_app/",
    "codex_chatgpt_desktop/",
    "codex_atlas/",
    "codex_exec/",
    "codex_sdk_ts/",
    "codex ",
    "opencode/",
];

/// Originator prefixes that count as official.
const OFFICIAL_ORIGINATOR_PREFIXES: &[&str] = &["codex_", "codex-tui", "codex ", "opencode"];

/// Client headers copied upstream when present (upstream.md §2 row 5).
const PASS_THROUGH: [HeaderName; 10] = [
    HeaderName::from_static("x-codex-turn-state"),
    HeaderName::from_static("x-codex-turn-metadata"),
    HeaderName::from_static("x-client-request-id"),
    BETA_FEATURES,
    HeaderName::from_static("x-openai-internal-codex-responses-lite"),
    HeaderName::from_static("x-codex-window-id"),
    HeaderName::from_static("x-codex-parent-thread-id"),
    HeaderName::from_static("x-openai-subagent"),
    HeaderName::from_static("x-openai-memgen-request"),
    HeaderName::from_static("x-oai-attestation"),
];

/// Headers that carry the `prompt_cache_key`, in the order they are written.
const SESSION_HEADERS: [HeaderName; 4] = [
    HeaderName::from_static("session-id"),
    HeaderName::from_static("thread-id"),
    HeaderName::from_static("x-client-request-id"),
    HeaderName::from_static("session_id"),
];

const VERSION: HeaderName = HeaderName::from_static("version");
const ORIGINATOR: HeaderName = HeaderName::from_static("originator");
const BETA_FEATURES: HeaderName = HeaderName::from_static("x-codex-beta-features");

/// Injected when the client sent no beta features (codex2api's default, upstream.md §2 row 6).
const DEFAULT_BETA_FEATURES: &str = "remote_compaction_v2";

/// `client_compat_mode` (upstream.md §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompatMode {
    /// Official clients keep their identity.
    #[default]
    Preserve,
    /// Official clients older than the floor get the generated identity.
    Auto,
    /// Everyone gets the generated identity.
    Force,
}

impl CompatMode {
    pub fn parse(value: &str) -> Self {
        match value {
            "auto" => Self::Auto,
            "force" => Self::Force,
            _ => Self::Preserve,
        }
    }
}

/// What the account and the outgoing body contribute.
#[derive(Debug, Clone, Copy)]
pub struct HeaderContext<'a> {
    pub access_token: &'a str,
    pub chatgpt_account_id: Option<&'a str>,
    /// The affinity-derived `prompt_cache_key` of the body.
    pub prompt_cache_key: Option<&'a str>,
    /// The model of the final body, for the routing hint.
    pub model: &'a str,
    /// The final body's `service_tier`.
    pub service_tier: Option<&'a str>,
    pub compat: CompatMode,
    /// `Accept`: `text/event-stream` for `/responses`, `application/json` for compaction.
    pub accept: &'static str,
}

/// Builds the headers of a `/responses` (or compaction) request. Runs on every relayed
/// request: constant values are static, and a value used twice is built once.
pub fn responses_headers(inbound: &HeaderMap, ctx: &HeaderContext<'_>) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(24);
    let identity = client_identity(inbound, ctx.compat);
    insert(&mut out, USER_AGENT, identity.user_agent);
    insert(&mut out, VERSION, identity.version);
    insert(
        &mut out,
        AUTHORIZATION,
        owned_value(format!("Bearer {}", ctx.access_token)),
    );
    out.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    out.insert(ACCEPT, HeaderValue::from_static(ctx.accept));
    insert(&mut out, ORIGINATOR, identity.originator);
    for name in &PASS_THROUGH {
        if let Some(value) = inbound.get(name) {
            out.insert(name.clone(), value.clone());
        }
    }
    if !out.contains_key(BETA_FEATURES) {
        out.insert(
            BETA_FEATURES,
            HeaderValue::from_static(DEFAULT_BETA_FEATURES),
        );
    }
    if let Some(id) = ctx.chatgpt_account_id.filter(|id| !id.is_empty()) {
        set(&mut out, HeaderName::from_static("chatgpt-account-id"), id);
    }
    if let Some(key) = ctx
        .prompt_cache_key
        .and_then(|k| HeaderValue::from_str(k).ok())
    {
        for name in SESSION_HEADERS {
            out.insert(name, key.clone());
        }
    }
    insert(
        &mut out,
        HeaderName::from_static("x-codex-routing-hint"),
        owned_value(routing_hint(ctx)),
    );
    out
}

/// Headers of the auxiliary calls (models manifest): upstream.md §2.2.
pub fn auxiliary_headers(access_token: &str, chatgpt_account_id: Option<&str>) -> HeaderMap {
    let mut out = HeaderMap::new();
    let version = VERSION_FLOOR;
    set(&mut out, USER_AGENT, &generated_user_agent(version));
    set(&mut out, HeaderName::from_static("version"), version);
    set(&mut out, AUTHORIZATION, &format!("Bearer {access_token}"));
    set(&mut out, ACCEPT, "application/json");
    set(&mut out, HeaderName::from_static("originator"), "codex-tui");
    if let Some(id) = chatgpt_account_id.filter(|id| !id.is_empty()) {
        set(&mut out, HeaderName::from_static("chatgpt-account-id"), id);
    }
    out
}

/// `User-Agent`, `Version` and `Originator`; `None` for a value that is not a valid header
/// (skipped rather than sent mangled, as [`set`] does).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    user_agent: Option<HeaderValue>,
    version: Option<HeaderValue>,
    originator: Option<HeaderValue>,
}

/// Rule §2.1 plus row 4: official clients keep UA, Version and Originator; everyone else
/// (and, by mode, old or all official clients) gets the generated identity.
fn client_identity(inbound: &HeaderMap, compat: CompatMode) -> Identity {
    let ua = header_str(inbound, "user-agent");
    let originator = header_str(inbound, "originator");
    let official_ua = ua.is_some_and(|ua| OFFICIAL_UA_PREFIXES.iter().any(|p| ua.starts_with(p)));
    let official_originator = originator.is_some_and(|o| {
        OFFICIAL_ORIGINATOR_PREFIXES
            .iter()
            .any(|p| o.starts_with(p))
    });
    let client_version = header_str(inbound, "version")
        .map(str::to_owned)
        .or_else(|| ua.and_then(version_from_ua));
    let keep = match compat {
        CompatMode::Force => false,
        CompatMode::Preserve => official_ua || official_originator,
        CompatMode::Auto => {
            (official_ua || official_originator)
                && client_version
                    .as_deref()
                    .is_some_and(|v| !older_than(v, VERSION_FLOOR))
        }
    };
    match (keep, ua) {
        (true, Some(ua)) => Identity {
            user_agent: HeaderValue::from_str(ua).ok(),
            version: client_version.map_or_else(
                || Some(HeaderValue::from_static(VERSION_FLOOR)),
                owned_value,
            ),
            originator: match originator.filter(|_| official_originator) {
                Some(o) => HeaderValue::from_str(o).ok(),
                None => Some(HeaderValue::from_static(GENERATED_ORIGINATOR)),
            },
        },
        _ => Identity {
            user_agent: Some(HeaderValue::from_static(GENERATED_USER_AGENT)),
            version: Some(HeaderValue::from_static(VERSION_FLOOR)),
            originator: Some(HeaderValue::from_static(GENERATED_ORIGINATOR)),
        },
    }
}

/// The CLI's UA shape: `<originator>/<version> (<OS> <OS version>; <arch>) <terminal>` plus
/// ` (<client name>; <client version>)` for app-server clients such as the TUI.
fn generated_user_agent(version: &str) -> String {
    format!("codex-tui/{version} (Mac OS 15.5.0; arm64) xterm-256color (codex-tui; {version})")
}

/// `codex_exec/0.169.0 (Debian …)` → `0.169.0`.
fn version_from_ua(ua: &str) -> Option<String> {
    let after = ua.split_once('/')?.1;
    let version: String = after
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    (!version.is_empty() && version.starts_with(|c: char| c.is_ascii_digit())).then_some(version)
}

/// Dotted numeric comparison; unparsable parts count as 0.
fn older_than(version: &str, floor: &str) -> bool {
    let parts = |v: &str| -> Vec<u64> {
        v.split(['.', '-'])
            .take(3)
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parts(version) < parts(floor)
}

/// `model=<model>` plus `;tier=priority` / `;tier=flex` from the outgoing body (row 10).
fn routing_hint(ctx: &HeaderContext<'_>) -> String {
    match ctx.service_tier {
        Some(tier @ ("priority" | "flex")) => format!("model={};tier={tier}", ctx.model),
        _ => format!("model={}", ctx.model),
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Inserts a header; a value that is not a valid header (control characters) is skipped
/// rather than sent mangled.
fn set(out: &mut HeaderMap, name: HeaderName, value: &str) {
    insert(out, name, HeaderValue::from_str(value).ok());
}

fn insert(out: &mut HeaderMap, name: HeaderName, value: Option<HeaderValue>) {
    if let Some(value) = value {
        out.insert(name, value);
    }
}

/// A header value that takes over the string's buffer instead of copying it.
fn owned_value(value: String) -> Option<HeaderValue> {
    HeaderValue::try_from(value).ok()
}

#[cfg(test)]
#[path = "headers_tests.rs"]
mod tests;
