//! Responses stream → `chat.completion.chunk` stream (translation.md §3), as a pure stateful
//! converter: `push(event)` returns the items to write, `finish()` reports a stream that ended
//! without a terminal event. Never synthesises a `stop` after a break (§10 rule 7).

use std::collections::{HashMap, HashSet};

use bytes::Bytes;
use serde_json::Value;

use super::types::{
    ChatCompletionChunk, ChatDelta, ChatToolCallDelta, ChatToolCallFunctionDelta, ChatUsage,
    ChunkChoice,
};
use crate::commit::{failure_from_event, UpstreamFailure};
use crate::responses::{ResponseItem, ResponseUsage, ResponsesStreamEvent};
use crate::sse::{encode_data, DONE_FRAME};

/// Fixed per-stream values, chosen by the caller (ids and clocks are not this crate's job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatStreamOptions {
    /// `chatcmpl-<random>`.
    pub id: String,
    /// Unix seconds.
    pub created: u64,
    /// The model name the client asked for.
    pub model: String,
    /// `stream_options.include_usage`.
    pub include_usage: bool,
}

/// One output of the converter.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatStreamItem {
    /// A `chat.completion.chunk`.
    Chunk(ChatCompletionChunk),
    /// The in-band error frame `{"error":{…}}`; the stream ends after it, without `[DONE]`.
    Error(Value),
    /// The `data: [DONE]` terminator.
    Done,
}

impl ChatStreamItem {
    /// The SSE frame for this item (`data:` only, as OpenAI sends).
    pub fn to_sse(&self) -> Bytes {
        match self {
            Self::Chunk(chunk) => encode_data(&serde_json::to_string(chunk).unwrap_or_default()),
            Self::Error(body) => encode_data(&body.to_string()),
            Self::Done => Bytes::from_static(DONE_FRAME),
        }
    }
}

#[derive(Debug)]
struct CallState {
    index: u32,
    streamed: bool,
}

/// The Chat stream converter.
#[derive(Debug)]
pub struct ResponsesToChatStream {
    opts: ChatStreamOptions,
    started: bool,
    finished: bool,
    calls: HashMap<String, CallState>,
    next_call: u32,
    text_items: HashSet<String>,
    summary_parts: HashSet<(String, u64)>,
}

impl ResponsesToChatStream {
    /// A converter for one stream.
    pub fn new(opts: ChatStreamOptions) -> Self {
        Self {
            opts,
            started: false,
            finished: false,
            calls: HashMap::new(),
            next_call: 0,
            text_items: HashSet::new(),
            summary_parts: HashSet::new(),
        }
    }

    /// The opening role chunk, once (also used for a slow-start commit).
    pub fn start(&mut self) -> Vec<ChatStreamItem> {
        if self.started {
            return Vec::new();
        }
        self.started = true;
        let delta = ChatDelta {
            role: Some("assistant".into()),
            content: Some(String::new()),
            ..ChatDelta::default()
        };
        vec![self.chunk(delta, None, None)]
    }

    /// True once a terminal (success or error) item was produced.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Converts one upstream event.
    pub fn push(&mut self, event: &ResponsesStreamEvent) -> Vec<ChatStreamItem> {
        use ResponsesStreamEvent as E;
        if self.finished {
            return Vec::new();
        }
        match event {
            E::OutputTextDelta(d) => {
                self.text_items.insert(d.item_id.clone());
                self.delta(ChatDelta {
                    content: Some(d.delta.clone()),
                    ..ChatDelta::default()
                })
            }
            E::RefusalDelta(d) => {
                self.text_items.insert(d.item_id.clone());
                self.delta(ChatDelta {
                    refusal: Some(d.delta.clone()),
                    ..ChatDelta::default()
                })
            }
            E::ReasoningSummaryTextDelta(d) => {
                let first = self
                    .summary_parts
                    .insert((d.item_id.clone(), d.summary_index));
                let sep = if first && d.summary_index > 0 {
                    "\n\n"
                } else {
                    ""
                };
                self.reasoning(format!("{sep}{}", d.delta))
            }
            E::ReasoningTextDelta(d) => self.reasoning(d.delta.clone()),
            E::OutputItemAdded(e) => self.call_added(&e.item),
            E::FunctionCallArgumentsDelta(d) => self.arguments(&d.item_id, &d.delta),
            E::CustomToolCallInputDelta(d) => self.arguments(&d.item_id, &d.delta),
            E::OutputItemDone(e) => self.item_done(&e.item),
            E::Completed(e) => {
                let reason = if self.next_call > 0 {
                    "tool_calls"
                } else {
                    "stop"
                };
                self.terminal(reason, e.response.usage.as_ref())
            }
            E::Incomplete(e) => {
                let content_filter = e
                    .response
                    .incomplete_details
                    .as_ref()
                    .and_then(|d| d.reason.as_deref())
                    == Some("content_filter");
                let reason = if content_filter {
                    "content_filter"
                } else {
                    "length"
                };
                self.terminal(reason, e.response.usage.as_ref())
            }
            E::Failed(_) | E::Error(_) => match failure_from_event(event) {
                Some(failure) => self.fail(&failure),
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// End of the upstream stream. Without a terminal event this is a break: an error item.
    pub fn finish(&mut self) -> Vec<ChatStreamItem> {
        if self.finished {
            return Vec::new();
        }
        self.fail(&UpstreamFailure::stream_break(
            "upstream stream closed before completion",
        ))
    }

    /// The in-band error for a failure (also usable by the caller for pool outcomes).
    pub fn fail(&mut self, failure: &UpstreamFailure) -> Vec<ChatStreamItem> {
        self.finished = true;
        let mut body = failure.to_openai_json();
        if let Some(err) = body.get_mut("error").and_then(Value::as_object_mut) {
            err.remove("param");
        }
        vec![ChatStreamItem::Error(body)]
    }

    fn chunk(
        &self,
        delta: ChatDelta,
        finish: Option<&str>,
        usage: Option<ChatUsage>,
    ) -> ChatStreamItem {
        ChatStreamItem::Chunk(ChatCompletionChunk {
            id: self.opts.id.clone(),
            object: "chat.completion.chunk".into(),
            created: self.opts.created,
            model: self.opts.model.clone(),
            choices: vec![ChunkChoice {
                index: 0,
                delta,
                finish_reason: finish.map(str::to_owned),
            }],
            usage,
        })
    }

    fn delta(&mut self, delta: ChatDelta) -> Vec<ChatStreamItem> {
        let mut out = self.start();
        out.push(self.chunk(delta, None, None));
        out
    }

    fn reasoning(&mut self, text: String) -> Vec<ChatStreamItem> {
        if text.is_empty() {
            return Vec::new();
        }
        self.delta(ChatDelta {
            reasoning_content: Some(text.clone()),
            reasoning: Some(text),
            ..ChatDelta::default()
        })
    }

    fn tool_delta(&mut self, call: ChatToolCallDelta) -> Vec<ChatStreamItem> {
        self.delta(ChatDelta {
            tool_calls: Some(vec![call]),
            ..ChatDelta::default()
        })
    }

    fn call_added(&mut self, item: &ResponseItem) -> Vec<ChatStreamItem> {
        let (key, call_id, name) = match item {
            ResponseItem::FunctionCall(c) => {
                (item_key(c.id.as_deref(), &c.call_id), &c.call_id, &c.name)
            }
            ResponseItem::CustomToolCall(c) => {
                (item_key(c.id.as_deref(), &c.call_id), &c.call_id, &c.name)
            }
            _ => return Vec::new(),
        };
        if self.calls.contains_key(&key) {
            return Vec::new();
        }
        let index = self.next_call;
        self.next_call += 1;
        self.calls.insert(
            key,
            CallState {
                index,
                streamed: false,
            },
        );
        self.tool_delta(ChatToolCallDelta {
            index,
            id: Some(call_id.clone()),
            kind: Some("function".into()),
            function: ChatToolCallFunctionDelta {
                name: Some(name.clone()),
                arguments: Some(String::new()),
            },
        })
    }

    fn arguments(&mut self, item_id: &str, fragment: &str) -> Vec<ChatStreamItem> {
        let Some(state) = self.calls.get_mut(item_id) else {
            return Vec::new();
        };
        state.streamed = true;
        let index = state.index;
        self.tool_delta(args_delta(index, fragment))
    }

    fn item_done(&mut self, item: &ResponseItem) -> Vec<ChatStreamItem> {
        let (key, full) = match item {
            ResponseItem::FunctionCall(c) => (item_key(c.id.as_deref(), &c.call_id), &c.arguments),
            ResponseItem::CustomToolCall(c) => (item_key(c.id.as_deref(), &c.call_id), &c.input),
            ResponseItem::Message(m) => return self.message_done(m),
            _ => return Vec::new(),
        };
        let mut out = self.call_added(item);
        if let Some(state) = self.calls.get_mut(&key) {
            if !state.streamed && !full.is_empty() {
                state.streamed = true;
                let index = state.index;
                out.extend(self.tool_delta(args_delta(index, full)));
            }
        }
        out
    }

    /// A message whose text never streamed (e.g. the Codex CLI fixture) is sent whole.
    fn message_done(&mut self, m: &crate::responses::MessageItem) -> Vec<ChatStreamItem> {
        if m.id.as_ref().is_some_and(|id| self.text_items.contains(id)) {
            return Vec::new();
        }
        let (text, refusal) = (m.text(), m.refusal());
        let mut out = Vec::new();
        if !text.is_empty() {
            out.extend(self.delta(ChatDelta {
                content: Some(text),
                ..ChatDelta::default()
            }));
        }
        if !refusal.is_empty() {
            out.extend(self.delta(ChatDelta {
                refusal: Some(refusal),
                ..ChatDelta::default()
            }));
        }
        out
    }

    fn terminal(&mut self, reason: &str, usage: Option<&ResponseUsage>) -> Vec<ChatStreamItem> {
        let mut out = self.start();
        self.finished = true;
        let usage = usage.map(ChatUsage::from);
        if self.opts.include_usage {
            out.push(self.chunk(ChatDelta::default(), Some(reason), None));
            out.push(ChatStreamItem::Chunk(ChatCompletionChunk {
                id: self.opts.id.clone(),
                object: "chat.completion.chunk".into(),
                created: self.opts.created,
                model: self.opts.model.clone(),
                choices: Vec::new(),
                usage: Some(usage.unwrap_or_default()),
            }));
        } else {
            out.push(self.chunk(ChatDelta::default(), Some(reason), usage));
        }
        out.push(ChatStreamItem::Done);
        out
    }
}

fn item_key(id: Option<&str>, call_id: &str) -> String {
    id.unwrap_or(call_id).to_owned()
}

fn args_delta(index: u32, fragment: &str) -> ChatToolCallDelta {
    ChatToolCallDelta {
        index,
        id: None,
        kind: None,
        function: ChatToolCallFunctionDelta {
            name: None,
            arguments: Some(fragment.to_owned()),
        },
    }
}
