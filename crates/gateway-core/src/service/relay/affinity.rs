//! The affinity key (scheduling.md §6.1): first client-provided conversation id wins, else a
//! content hash of model + system text + first user message. The key is a SHA-256 over a
//! fixed prefix, the API key id and the raw value, so tenants never share a key and raw client
//! identifiers never leave the gateway; its first 16 bytes, written as a version-8 UUID, go
//! upstream as `prompt_cache_key` and in the session headers.

use axum::http::HeaderMap;
use gateway_protocol::responses::{ResponseItem, ResponsesInput, ResponsesRequest};
use sha2::{Digest, Sha256};

/// Header sources in precedence order; names are matched case-insensitively by `HeaderMap`.
const HEADER_SOURCES: &[&str] = &[
    "session-id",
    "session_id",
    "thread-id",
    "conversation_id",
    "x-session-affinity",
    "x-claude-code-session-id",
];

const CLIENT_PREFIX: &[u8] = b"switchyard/affinity/client/v1\0";
const CONTENT_PREFIX: &[u8] = b"switchyard/affinity/content/v1\0";

/// Where the key came from, for the routing trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AffinitySource {
    Header(&'static str),
    PromptCacheKey,
    MetadataUserId,
    ContentHash,
    /// No user message: a fresh random key, no affinity.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffinityKey {
    /// The UUID string sent upstream.
    pub key: String,
    pub source: AffinitySource,
}

impl AffinityKey {
    /// Whether the scheduler should bind this key to an account.
    pub fn sticky(&self) -> bool {
        self.source != AffinitySource::None
    }
}

/// Body-level sources the translated request no longer carries.
#[derive(Debug, Clone, Copy, Default)]
pub struct BodySources<'a> {
    pub prompt_cache_key: Option<&'a str>,
    /// Messages `metadata.user_id`.
    pub metadata_user_id: Option<&'a str>,
}

/// Derives the key for a translated request (model already resolved).
pub fn derive(
    headers: &HeaderMap,
    body: BodySources<'_>,
    req: &ResponsesRequest,
    api_key_id: Option<i64>,
) -> AffinityKey {
    let tenant = api_key_id.map_or_else(|| "anonymous".to_owned(), |id| id.to_string());
    let header = HEADER_SOURCES.iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?.trim();
        (!value.is_empty()).then_some((*name, value))
    });
    let client = header
        .map(|(name, value)| (AffinitySource::Header(name), value.to_owned()))
        .or_else(|| {
            nonempty(body.prompt_cache_key).map(|v| (AffinitySource::PromptCacheKey, v.to_owned()))
        })
        .or_else(|| {
            nonempty(body.metadata_user_id)
                .map(|v| (AffinitySource::MetadataUserId, session_part(v)))
        });
    if let Some((source, raw)) = client {
        return AffinityKey {
            key: uuid_of(CLIENT_PREFIX, &tenant, &raw),
            source,
        };
    }
    match content_basis(req) {
        Some(basis) => AffinityKey {
            key: uuid_of(CONTENT_PREFIX, &tenant, &basis),
            source: AffinitySource::ContentHash,
        },
        None => AffinityKey {
            key: uuid::Uuid::now_v7().to_string(),
            source: AffinitySource::None,
        },
    }
}

fn nonempty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Claude Code's `metadata.user_id` is a JSON string holding `session_id`; use that part.
fn session_part(user_id: &str) -> String {
    serde_json::from_str::<serde_json::Value>(user_id)
        .ok()
        .and_then(|v| {
            v.get("session_id")
                .and_then(|s| s.as_str())
                .map(str::to_owned)
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| user_id.to_owned())
}

/// model + instructions (or the first developer/system text) + first user message; `None`
/// when there is no user message at all.
fn content_basis(req: &ResponsesRequest) -> Option<String> {
    let items: &[ResponseItem] = match &req.input {
        ResponsesInput::Text(text) => {
            return Some(format!(
                "{}\0{}\0{}",
                req.model,
                req.instructions.as_deref().unwrap_or(""),
                text
            ))
        }
        ResponsesInput::Items(items) => items,
    };
    let message_text = |roles: &[&str]| {
        items.iter().find_map(|item| match item {
            ResponseItem::Message(m) if roles.contains(&m.role.as_str()) => Some(m.text()),
            _ => None,
        })
    };
    let user = message_text(&["user"])?;
    let system = req
        .instructions
        .clone()
        .filter(|i| !i.is_empty())
        .or_else(|| message_text(&["developer", "system"]))
        .unwrap_or_default();
    Some(format!("{}\0{system}\0{user}", req.model))
}

fn uuid_of(prefix: &[u8], tenant: &str, raw: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(prefix);
    hasher.update(tenant.as_bytes());
    hasher.update([0]);
    hasher.update(raw.as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    // RFC 9562 version 8 (custom) with the standard variant bits.
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use gateway_protocol::responses::ResponseItem;

    use super::*;

    fn request(system: &str, user: &str) -> ResponsesRequest {
        ResponsesRequest {
            model: "gpt-5.5".into(),
            input: ResponsesInput::Items(vec![
                ResponseItem::text_message("developer", system),
                ResponseItem::text_message("user", user),
                ResponseItem::text_message("assistant", "later turns do not matter"),
            ]),
            ..ResponsesRequest::default()
        }
    }

    #[test]
    fn headers_win_in_order_and_keys_are_namespaced_per_api_key() {
        let mut h = HeaderMap::new();
        h.insert("x-session-affinity", HeaderValue::from_static("aff"));
        h.insert("thread-id", HeaderValue::from_static("thr"));
        let req = request("s", "u");
        let a = derive(&h, BodySources::default(), &req, Some(1));
        assert_eq!(a.source, AffinitySource::Header("thread-id"));
        assert_ne!(a.key, derive(&h, BodySources::default(), &req, Some(2)).key);
        let parsed = uuid::Uuid::parse_str(&a.key).unwrap();
        assert_eq!(parsed.get_version_num(), 8);
        assert!(!a.key.contains("thr"));
    }

    #[test]
    fn body_sources_then_content_hash() {
        let h = HeaderMap::new();
        let req = request("sys", "hello");
        let pck = derive(
            &h,
            BodySources {
                prompt_cache_key: Some("pck"),
                ..Default::default()
            },
            &req,
            None,
        );
        assert_eq!(pck.source, AffinitySource::PromptCacheKey);
        let meta = r#"{"device_id":"d","session_id":"s-1"}"#;
        let m = derive(
            &h,
            BodySources {
                metadata_user_id: Some(meta),
                ..Default::default()
            },
            &req,
            None,
        );
        let mut claude = HeaderMap::new();
        claude.insert("x-claude-code-session-id", HeaderValue::from_static("s-1"));
        assert_eq!(
            m.key,
            derive(&claude, BodySources::default(), &req, None).key,
            "rows 5 and 7 agree"
        );
        let c1 = derive(&h, BodySources::default(), &req, None);
        assert_eq!(c1.source, AffinitySource::ContentHash);
        let mut longer = request("sys", "hello");
        if let ResponsesInput::Items(items) = &mut longer.input {
            items.push(ResponseItem::text_message("user", "turn two"));
        }
        assert_eq!(
            c1.key,
            derive(&h, BodySources::default(), &longer, None).key,
            "later turns keep the key"
        );
        assert_ne!(
            c1.key,
            derive(&h, BodySources::default(), &request("sys", "other"), None).key
        );
    }

    #[test]
    fn no_user_message_means_no_affinity() {
        let req = ResponsesRequest {
            model: "m".into(),
            ..ResponsesRequest::default()
        };
        let a = derive(&HeaderMap::new(), BodySources::default(), &req, None);
        assert_eq!(a.source, AffinitySource::None);
        assert!(!a.sticky());
        assert_ne!(
            a.key,
            derive(&HeaderMap::new(), BodySources::default(), &req, None).key
        );
    }
}
