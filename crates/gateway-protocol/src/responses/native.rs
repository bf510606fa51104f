//! Native `/v1/responses` pass-through helpers (translation.md §6.2): which upstream frames
//! are forwarded byte for byte and which are dropped, and the in-band failure frame sent when
//! the upstream stream breaks after commit.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::json;

use crate::sse::{encode_event, SseFrame};

/// What to do with an upstream frame on the native path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeFrameAction {
    /// Forward `frame.raw` unchanged.
    Forward,
    /// Drop it (`codex.rate_limits` describes a pool member's quota, not the client's).
    Drop,
}

#[derive(Deserialize)]
struct TypeOnly<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<std::borrow::Cow<'a, str>>,
}

/// Decides whether a native frame is forwarded. Only the event name is inspected (the
/// `event:` line, else the payload's `type`), so the hot path never re-serialises.
pub fn native_frame_action(frame: &SseFrame) -> NativeFrameAction {
    let dropped = |name: &str| name == "codex.rate_limits";
    if let Some(name) = frame.event.as_deref() {
        return if dropped(name) {
            NativeFrameAction::Drop
        } else {
            NativeFrameAction::Forward
        };
    }
    match serde_json::from_str::<TypeOnly<'_>>(&frame.data) {
        Ok(TypeOnly { kind: Some(name) }) if dropped(&name) => NativeFrameAction::Drop,
        _ => NativeFrameAction::Forward,
    }
}

/// The `response.failed` frame for an upstream break after commit: the upstream response id,
/// the next `sequence_number`, `status:"failed"` and code `upstream_stream_break`.
pub fn native_stream_break_frame(response_id: &str, sequence_number: u64, message: &str) -> Bytes {
    let payload = json!({
        "type": "response.failed",
        "sequence_number": sequence_number,
        "response": {
            "id": response_id,
            "object": "response",
            "status": "failed",
            "error": {"code": "upstream_stream_break", "message": message},
        },
    });
    encode_event("response.failed", &payload.to_string())
}
