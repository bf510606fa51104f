//! Responses stream → Anthropic Messages SSE (translation.md §5) as a pure stateful
//! converter: `message_start`, content blocks for thinking (with the reasoning
//! `encrypted_content` as `signature`), text and tool_use, pings, `message_delta` with the
//! stop reason and usage, `message_stop`; or an `error` event after a failure.

use std::collections::HashSet;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::types::AnthropicUsage;
use crate::commit::{failure_from_event, UpstreamFailure};
use crate::responses::{
    MessageItem, ReasoningItem, ResponseItem, ResponseUsage, ResponsesStreamEvent,
};
use crate::sse::encode_event;

/// Deltas between two pings.
pub const PING_EVERY_DELTAS: u32 = 40;

/// Fixed per-stream values, chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnthropicStreamOptions {
    /// `msg_<random>`.
    pub message_id: String,
    /// The Claude model name the client asked for.
    pub model: String,
    /// Emit thinking blocks (the request enabled thinking).
    pub thinking: bool,
}

/// One Anthropic SSE event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnthropicStreamEvent {
    /// Opening frame.
    MessageStart {
        /// The empty message.
        message: Value,
    },
    /// A block starts.
    ContentBlockStart {
        /// Block index, from 0 in emission order.
        index: u32,
        /// The empty block.
        content_block: Value,
    },
    /// A block grows.
    ContentBlockDelta {
        /// Block index.
        index: u32,
        /// `text_delta`, `thinking_delta`, `signature_delta`, `input_json_delta`.
        delta: Value,
    },
    /// A block ends.
    ContentBlockStop {
        /// Block index.
        index: u32,
    },
    /// Stop reason and usage.
    MessageDelta {
        /// `{"stop_reason","stop_sequence":null}`.
        delta: Value,
        /// Final usage.
        usage: AnthropicUsage,
    },
    /// Normal end.
    MessageStop,
    /// Keep-alive.
    Ping,
    /// Failure end (no `message_stop` follows).
    Error {
        /// `{"type","message"}`.
        error: Value,
    },
}

impl AnthropicStreamEvent {
    /// The `event:` name (equal to the payload `type`).
    pub fn event_name(&self) -> &'static str {
        match self {
            Self::MessageStart { .. } => "message_start",
            Self::ContentBlockStart { .. } => "content_block_start",
            Self::ContentBlockDelta { .. } => "content_block_delta",
            Self::ContentBlockStop { .. } => "content_block_stop",
            Self::MessageDelta { .. } => "message_delta",
            Self::MessageStop => "message_stop",
            Self::Ping => "ping",
            Self::Error { .. } => "error",
        }
    }

    /// The SSE frame with its `event:` line (required by Claude Code and the SDKs).
    pub fn to_sse(&self) -> Bytes {
        encode_event(
            self.event_name(),
            &serde_json::to_string(self).unwrap_or_default(),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum BlockKind {
    Thinking,
    Text,
    ToolUse { streamed: bool },
}

#[derive(Debug, Clone)]
struct OpenBlock {
    index: u32,
    item_id: String,
    kind: BlockKind,
}

/// The Anthropic stream converter.
#[derive(Debug)]
pub struct ResponsesToAnthropicStream {
    opts: AnthropicStreamOptions,
    started: bool,
    finished: bool,
    next_index: u32,
    open: Option<OpenBlock>,
    tool_used: bool,
    deltas_since_ping: u32,
    pinged_first: bool,
    summary_parts: HashSet<(String, u64)>,
    text_items: HashSet<String>,
}

impl ResponsesToAnthropicStream {
    /// A converter for one stream.
    pub fn new(opts: AnthropicStreamOptions) -> Self {
        Self {
            opts,
            started: false,
            finished: false,
            next_index: 0,
            open: None,
            tool_used: false,
            deltas_since_ping: 0,
            pinged_first: false,
            summary_parts: HashSet::new(),
            text_items: HashSet::new(),
        }
    }

    /// `message_start`, once (also used for a slow-start commit).
    pub fn start(&mut self) -> Vec<AnthropicStreamEvent> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        let message = json!({
            "id": self.opts.message_id,
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": self.opts.model,
            "stop_reason": null,
            "stop_sequence": null,
            "usage": AnthropicUsage::default(),
        });
        vec![AnthropicStreamEvent::MessageStart { message }]
    }

    /// True once `message_stop` or `error` was produced.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Converts one upstream event.
    pub fn push(&mut self, event: &ResponsesStreamEvent) -> Vec<AnthropicStreamEvent> {
        use ResponsesStreamEvent as E;
        if self.finished {
            return Vec::new();
        }
        let mut out = Vec::new();
        match event {
            E::OutputItemAdded(e) => self.item_added(&e.item, &mut out),
            E::ReasoningSummaryTextDelta(d) if self.opts.thinking => {
                let first = self
                    .summary_parts
                    .insert((d.item_id.clone(), d.summary_index));
                let sep = if first && d.summary_index > 0 {
                    "\n\n"
                } else {
                    ""
                };
                self.thinking_delta(&d.item_id, &format!("{sep}{}", d.delta), &mut out);
            }
            E::ReasoningTextDelta(d) if self.opts.thinking => {
                self.thinking_delta(&d.item_id, &d.delta, &mut out);
            }
            E::OutputTextDelta(d) | E::RefusalDelta(d) => {
                self.text_delta(&d.item_id, &d.delta, &mut out)
            }
            E::OutputTextDone(_) => {
                if matches!(
                    self.open,
                    Some(OpenBlock {
                        kind: BlockKind::Text,
                        ..
                    })
                ) {
                    self.close(&mut out);
                }
            }
            E::FunctionCallArgumentsDelta(d) => self.json_delta(&d.item_id, &d.delta, &mut out),
            E::CustomToolCallInputDelta(d) => self.json_delta(&d.item_id, &d.delta, &mut out),
            E::OutputItemDone(e) => self.item_done(&e.item, &mut out),
            E::Completed(e) => self.terminal(None, e.response.usage.as_ref(), &mut out),
            E::Incomplete(e) => {
                let reason = e
                    .response
                    .incomplete_details
                    .as_ref()
                    .and_then(|d| d.reason.as_deref());
                self.terminal(reason, e.response.usage.as_ref(), &mut out);
            }
            E::Failed(_) | E::Error(_) => {
                if let Some(failure) = failure_from_event(event) {
                    out.extend(self.fail(&failure));
                }
            }
            _ => {}
        }
        out
    }

    /// End of the upstream stream; without a terminal event this is a break.
    pub fn finish(&mut self) -> Vec<AnthropicStreamEvent> {
        if self.finished {
            return Vec::new();
        }
        self.fail(&UpstreamFailure::stream_break(
            "upstream stream closed before completion",
        ))
    }

    /// Closes any open block and emits the `error` event (no `message_stop`).
    pub fn fail(&mut self, failure: &UpstreamFailure) -> Vec<AnthropicStreamEvent> {
        let mut out = Vec::new();
        self.close(&mut out);
        self.finished = true;
        let error = json!({"type": failure.anthropic_type(), "message": failure.message});
        out.push(AnthropicStreamEvent::Error { error });
        out
    }

    fn open_block(
        &mut self,
        item_id: &str,
        kind: BlockKind,
        block: Value,
        out: &mut Vec<AnthropicStreamEvent>,
    ) {
        out.extend(self.start());
        self.close(out);
        let index = self.next_index;
        self.next_index += 1;
        self.open = Some(OpenBlock {
            index,
            item_id: item_id.to_owned(),
            kind,
        });
        out.push(AnthropicStreamEvent::ContentBlockStart {
            index,
            content_block: block,
        });
        if !self.pinged_first {
            self.pinged_first = true;
            out.push(AnthropicStreamEvent::Ping);
        }
    }

    fn close(&mut self, out: &mut Vec<AnthropicStreamEvent>) {
        if let Some(block) = self.open.take() {
            out.push(AnthropicStreamEvent::ContentBlockStop { index: block.index });
        }
    }

    fn delta(&mut self, delta: Value, out: &mut Vec<AnthropicStreamEvent>) {
        let Some(block) = &self.open else { return };
        out.push(AnthropicStreamEvent::ContentBlockDelta {
            index: block.index,
            delta,
        });
        self.deltas_since_ping += 1;
        if self.deltas_since_ping >= PING_EVERY_DELTAS {
            self.deltas_since_ping = 0;
            out.push(AnthropicStreamEvent::Ping);
        }
    }

    fn is_open(&self, item_id: &str, pred: impl Fn(&BlockKind) -> bool) -> bool {
        self.open
            .as_ref()
            .is_some_and(|b| b.item_id == item_id && pred(&b.kind))
    }

    fn item_added(&mut self, item: &ResponseItem, out: &mut Vec<AnthropicStreamEvent>) {
        match item {
            ResponseItem::Reasoning(r) if self.opts.thinking => {
                let block = json!({"type": "thinking", "thinking": ""});
                self.open_block(
                    r.id.as_deref().unwrap_or_default(),
                    BlockKind::Thinking,
                    block,
                    out,
                );
            }
            ResponseItem::FunctionCall(c) => {
                self.open_tool(c.id.as_deref(), &c.call_id, &c.name, out)
            }
            ResponseItem::CustomToolCall(c) => {
                self.open_tool(c.id.as_deref(), &c.call_id, &c.name, out)
            }
            _ => {}
        }
    }

    fn open_tool(
        &mut self,
        id: Option<&str>,
        call_id: &str,
        name: &str,
        out: &mut Vec<AnthropicStreamEvent>,
    ) {
        self.tool_used = true;
        let block = json!({"type": "tool_use", "id": call_id, "name": name, "input": {}});
        self.open_block(
            id.unwrap_or(call_id),
            BlockKind::ToolUse { streamed: false },
            block,
            out,
        );
    }

    fn thinking_delta(&mut self, item_id: &str, text: &str, out: &mut Vec<AnthropicStreamEvent>) {
        if text.is_empty() {
            return;
        }
        if !self.is_open(item_id, |k| *k == BlockKind::Thinking) {
            let block = json!({"type": "thinking", "thinking": ""});
            self.open_block(item_id, BlockKind::Thinking, block, out);
        }
        self.delta(json!({"type": "thinking_delta", "thinking": text}), out);
    }

    fn text_delta(&mut self, item_id: &str, text: &str, out: &mut Vec<AnthropicStreamEvent>) {
        self.text_items.insert(item_id.to_owned());
        if !self.is_open(item_id, |k| *k == BlockKind::Text) {
            self.open_block(
                item_id,
                BlockKind::Text,
                json!({"type": "text", "text": ""}),
                out,
            );
        }
        self.delta(json!({"type": "text_delta", "text": text}), out);
    }

    fn json_delta(&mut self, item_id: &str, fragment: &str, out: &mut Vec<AnthropicStreamEvent>) {
        let Some(block) = self.open.as_mut() else {
            return;
        };
        if block.item_id != item_id {
            return;
        }
        if let BlockKind::ToolUse { streamed } = &mut block.kind {
            *streamed = true;
            self.delta(
                json!({"type": "input_json_delta", "partial_json": fragment}),
                out,
            );
        }
    }

    fn item_done(&mut self, item: &ResponseItem, out: &mut Vec<AnthropicStreamEvent>) {
        match item {
            ResponseItem::Reasoning(r) if self.opts.thinking => self.reasoning_done(r, out),
            ResponseItem::Message(m) => self.message_done(m, out),
            ResponseItem::FunctionCall(c) => {
                self.call_done(c.id.as_deref(), &c.call_id, &c.name, &c.arguments, out);
            }
            ResponseItem::CustomToolCall(c) => {
                self.call_done(c.id.as_deref(), &c.call_id, &c.name, &c.input, out);
            }
            _ => {}
        }
    }

    fn reasoning_done(&mut self, r: &ReasoningItem, out: &mut Vec<AnthropicStreamEvent>) {
        let id = r.id.as_deref().unwrap_or_default();
        let signature = r.encrypted_content.as_deref().filter(|s| !s.is_empty());
        if !self.is_open(id, |k| *k == BlockKind::Thinking) {
            // Nothing streamed for this item: send it whole, but only if it can be replayed.
            let Some(_) = signature else { return };
            self.open_block(
                id,
                BlockKind::Thinking,
                json!({"type": "thinking", "thinking": ""}),
                out,
            );
            let text = r.summary_text();
            if !text.is_empty() {
                self.delta(json!({"type": "thinking_delta", "thinking": text}), out);
            }
        }
        if let Some(signature) = signature {
            self.delta(
                json!({"type": "signature_delta", "signature": signature}),
                out,
            );
        }
        self.close(out);
    }

    fn message_done(&mut self, m: &MessageItem, out: &mut Vec<AnthropicStreamEvent>) {
        let id = m.id.as_deref().unwrap_or_default();
        if self.text_items.contains(id) {
            if self.is_open(id, |k| *k == BlockKind::Text) {
                self.close(out);
            }
            return;
        }
        let text = m.text() + &m.refusal();
        if !text.is_empty() {
            self.text_delta(id, &text, out);
            self.close(out);
        }
    }

    fn call_done(
        &mut self,
        id: Option<&str>,
        call_id: &str,
        name: &str,
        args: &str,
        out: &mut Vec<AnthropicStreamEvent>,
    ) {
        let key = id.unwrap_or(call_id);
        if !self.is_open(key, |k| matches!(k, BlockKind::ToolUse { .. })) {
            self.open_tool(id, call_id, name, out);
        }
        let streamed = matches!(
            self.open.as_ref().map(|b| &b.kind),
            Some(BlockKind::ToolUse { streamed: true })
        );
        if !streamed && !args.is_empty() {
            self.delta(
                json!({"type": "input_json_delta", "partial_json": args}),
                out,
            );
        }
        self.close(out);
    }

    fn terminal(
        &mut self,
        incomplete: Option<&str>,
        usage: Option<&ResponseUsage>,
        out: &mut Vec<AnthropicStreamEvent>,
    ) {
        out.extend(self.start());
        self.close(out);
        self.finished = true;
        let stop_reason = stop_reason(self.tool_used, incomplete);
        out.push(AnthropicStreamEvent::MessageDelta {
            delta: json!({"stop_reason": stop_reason, "stop_sequence": null}),
            usage: usage.map(AnthropicUsage::from).unwrap_or_default(),
        });
        out.push(AnthropicStreamEvent::MessageStop);
    }
}

/// `tool_use` if a tool_use block was sent; `max_tokens` for `max_output_tokens`; `refusal`
/// for `content_filter`; otherwise `end_turn` (translation.md §5).
pub(crate) fn stop_reason(tool_used: bool, incomplete: Option<&str>) -> &'static str {
    if tool_used {
        "tool_use"
    } else {
        match incomplete {
            Some("max_output_tokens") => "max_tokens",
            Some("content_filter") => "refusal",
            Some(_) => "max_tokens",
            None => "end_turn",
        }
    }
}
