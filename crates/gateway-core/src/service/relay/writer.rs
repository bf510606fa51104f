//! The per-protocol output side of a committed stream: each upstream frame becomes the bytes
//! the client gets. Chat and Messages run the protocol crate's converters; native Responses
//! forwards the upstream frame bytes untouched (dropping only `codex.rate_limits`).

use bytes::Bytes;
use gateway_protocol::responses::{
    native_frame_action, native_stream_break_frame, NativeFrameAction, ResponseUsage,
};
use gateway_protocol::{
    AnthropicStreamEvent, AnthropicStreamOptions, ChatStreamItem, ChatStreamOptions,
    ResponsesStreamEvent, ResponsesToAnthropicStream, ResponsesToChatStream, UpstreamFailure,
};
use serde::Deserialize;

use super::frames::Frame;
use super::prepare::{OutputSpec, Prepared};

const KEEPALIVE_COMMENT: &[u8] = b": keepalive\n\n";

pub enum Writer {
    Chat(ResponsesToChatStream),
    Messages(ResponsesToAnthropicStream),
    Native(NativeState),
}

/// What the native path must remember to end a broken stream correctly.
#[derive(Default)]
pub struct NativeState {
    response_id: String,
    next_sequence: u64,
    finished: bool,
}

impl Writer {
    pub fn new(prepared: &Prepared) -> Self {
        match prepared.output {
            OutputSpec::Chat { include_usage } => {
                Writer::Chat(ResponsesToChatStream::new(ChatStreamOptions {
                    id: format!("chatcmpl-{}", uuid::Uuid::now_v7().simple()),
                    created: unix_secs(),
                    model: prepared.requested_model.clone(),
                    include_usage,
                }))
            }
            OutputSpec::Messages { thinking } => {
                Writer::Messages(ResponsesToAnthropicStream::new(AnthropicStreamOptions {
                    message_id: format!("msg_{}", uuid::Uuid::now_v7().simple()),
                    model: prepared.requested_model.clone(),
                    thinking,
                }))
            }
            OutputSpec::Native => Writer::Native(NativeState::default()),
        }
    }

    /// The opening frame at commit (role chunk, `message_start`; nothing for native).
    pub fn open(&mut self) -> Vec<Bytes> {
        match self {
            Writer::Chat(c) => chat_bytes(c.start()),
            Writer::Messages(m) => anthropic_bytes(m.start()),
            Writer::Native(_) => Vec::new(),
        }
    }

    pub fn push(&mut self, frame: &Frame) -> Vec<Bytes> {
        match (self, frame.event.as_ref()) {
            (Writer::Chat(c), Some(event)) => chat_bytes(c.push(event)),
            (Writer::Messages(m), Some(event)) => anthropic_bytes(m.push(event)),
            (Writer::Native(n), event) => n.push(frame, event),
            _ => Vec::new(),
        }
    }

    /// The upstream body ended: a break unless a terminal was written.
    pub fn finish(&mut self) -> Vec<Bytes> {
        match self {
            Writer::Chat(c) => chat_bytes(c.finish()),
            Writer::Messages(m) => anthropic_bytes(m.finish()),
            Writer::Native(n) if !n.finished => {
                n.fail("upstream stream closed before response.completed")
            }
            Writer::Native(_) => Vec::new(),
        }
    }

    /// A failure after commit (transport error, silence): one terminal error in-band.
    pub fn fail(&mut self, failure: &UpstreamFailure) -> Vec<Bytes> {
        match self {
            Writer::Chat(c) => chat_bytes(c.fail(failure)),
            Writer::Messages(m) => anthropic_bytes(m.fail(failure)),
            Writer::Native(n) => n.fail(&failure.message),
        }
    }

    /// The opening bytes of a slow-start commit (translation.md §10 rule 4): the headers
    /// alone, except Anthropic's `message_start`. `None` when `open` was not spent, so the
    /// pump still sends the opening frame (Chat's role chunk) with the first content.
    pub fn open_early(&mut self) -> Option<Vec<Bytes>> {
        match self {
            Writer::Messages(m) => Some(anthropic_bytes(m.start())),
            _ => None,
        }
    }

    /// A failure of a slow-start commit before any content: the protocol's terminal error.
    /// Native Responses keeps the failure's own code (`usage_limit_reached`, …) when it has
    /// one, so Codex clients can react to it as to an HTTP error.
    pub fn fail_early(&mut self, failure: &UpstreamFailure) -> Vec<Bytes> {
        match self {
            Writer::Native(n) => {
                n.finished = true;
                let code = failure.code.as_deref().unwrap_or("upstream_stream_break");
                vec![native_failed_frame(code, &failure.message)]
            }
            _ => self.fail(failure),
        }
    }

    pub fn is_finished(&self) -> bool {
        match self {
            Writer::Chat(c) => c.is_finished(),
            Writer::Messages(m) => m.is_finished(),
            Writer::Native(n) => n.finished,
        }
    }

    /// Anthropic clients expect `ping` events; everyone else gets an SSE comment.
    pub fn keepalive(&self) -> Bytes {
        match self {
            Writer::Messages(_) => AnthropicStreamEvent::Ping.to_sse(),
            _ => Bytes::from_static(KEEPALIVE_COMMENT),
        }
    }
}

/// The SSE comment every protocol gets while a slow start waits (§10 rule 4).
pub fn keepalive_comment() -> Bytes {
    Bytes::from_static(KEEPALIVE_COMMENT)
}

/// `response.failed` for a stream that never saw an upstream event (no id, sequence 0).
fn native_failed_frame(code: &str, message: &str) -> Bytes {
    let payload = serde_json::json!({
        "type": "response.failed",
        "sequence_number": 0,
        "response": {
            "id": "",
            "object": "response",
            "status": "failed",
            "error": {"code": code, "message": message},
        },
    });
    let mut frame = format!("event: response.failed\ndata: {payload}\n\n");
    frame.shrink_to_fit();
    Bytes::from(frame)
}

impl NativeState {
    fn push(&mut self, frame: &Frame, event: Option<&ResponsesStreamEvent>) -> Vec<Bytes> {
        if let Some(event) = event {
            if let Some(id) = event
                .response()
                .map(|r| r.id.clone())
                .filter(|id| !id.is_empty())
            {
                self.response_id = id;
            }
            self.finished |= event.is_terminal();
        }
        if let Ok(SequenceOnly {
            sequence_number: Some(seq),
        }) = serde_json::from_str(&frame.sse.data)
        {
            self.next_sequence = seq + 1;
        }
        match native_frame_action(&frame.sse) {
            NativeFrameAction::Forward => vec![frame.sse.raw.clone()],
            NativeFrameAction::Drop => Vec::new(),
        }
    }

    fn fail(&mut self, message: &str) -> Vec<Bytes> {
        self.finished = true;
        vec![native_stream_break_frame(
            &self.response_id,
            self.next_sequence,
            message,
        )]
    }
}

/// Reads only `sequence_number`, skipping the rest of the payload without building it.
#[derive(Deserialize)]
struct SequenceOnly {
    sequence_number: Option<u64>,
}

/// The usage of a terminal event, for accounting.
pub fn usage_of(frame: &Frame) -> Option<ResponseUsage> {
    let event = frame.event.as_ref()?;
    if !event.is_terminal() {
        return None;
    }
    event.response()?.usage.clone()
}

fn chat_bytes(items: Vec<ChatStreamItem>) -> Vec<Bytes> {
    items.iter().map(ChatStreamItem::to_sse).collect()
}

fn anthropic_bytes(events: Vec<AnthropicStreamEvent>) -> Vec<Bytes> {
    events.iter().map(AnthropicStreamEvent::to_sse).collect()
}

pub fn unix_secs() -> u64 {
    u64::try_from(crate::service::now_ms() / 1000).unwrap_or_default()
}
