//! Incremental Server-Sent Events codec. The decoder accepts byte chunks split anywhere
//! (inside `\r\n`, inside multi-byte UTF-8) and yields complete frames together with their
//! original bytes, so native `/v1/responses` can forward upstream frames untouched.

use std::borrow::Cow;

use bytes::{Bytes, BytesMut};

/// One dispatched SSE event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseFrame {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The exact input bytes of this frame, comments and blank-line terminator included.
    /// A frame flushed by [`SseDecoder::finish`] gets the missing terminator appended, so
    /// forwarding `raw` always produces well-formed SSE.
    pub raw: Bytes,
}

/// Incremental decoder. Feed chunks with [`SseDecoder::push`]; call
/// [`SseDecoder::finish`] at end of stream.
#[derive(Debug, Default)]
pub struct SseDecoder {
    /// Bytes of the frame in progress (from its first byte).
    buf: BytesMut,
    /// Offset in `buf` up to which complete lines were already parsed.
    scanned: usize,
    event: Option<String>,
    data: String,
    has_data: bool,
    bom_checked: bool,
}

impl SseDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk and returns the frames it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<SseFrame> {
        self.buf.extend_from_slice(chunk);
        if !self.bom_checked {
            if self.buf.len() < 3 && b"\xEF\xBB\xBF".starts_with(&self.buf) {
                return Vec::new();
            }
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                let _ = self.buf.split_to(3);
            }
            self.bom_checked = true;
        }
        let mut frames = Vec::new();
        while let Some((line_end, next)) = self.next_line(false) {
            if let Some(frame) = self.take_line(line_end, next) {
                frames.push(frame);
            }
        }
        frames
    }

    /// Flushes a trailing frame that lacked its blank-line terminator.
    pub fn finish(&mut self) -> Option<SseFrame> {
        while let Some((line_end, next)) = self.next_line(true) {
            if let Some(frame) = self.take_line(line_end, next) {
                // Only a trailing lone `\r` can complete a frame here; the buffer is now empty.
                return Some(frame);
            }
        }
        let terminator: &[u8] = if self.scanned < self.buf.len() {
            self.field(self.scanned, self.buf.len());
            b"\n\n"
        } else {
            match self.buf.last() {
                // Repeat the last line ending: `\n` + `\n` or `\r` + `\r` is a blank line.
                Some(b'\r') => b"\r",
                Some(_) => b"\n",
                None => return None,
            }
        };
        let mut raw = self.buf.split();
        raw.extend_from_slice(terminator);
        self.scanned = 0;
        self.dispatch(raw.freeze())
    }

    /// Finds the next complete line after `scanned`: (end of content, start of next line).
    /// A lone trailing `\r` is ambiguous until more bytes arrive, unless `at_eof`.
    fn next_line(&self, at_eof: bool) -> Option<(usize, usize)> {
        let rest = &self.buf[self.scanned..];
        let pos = memchr::memchr2(b'\n', b'\r', rest)?;
        let end = self.scanned + pos;
        if rest[pos] == b'\n' {
            return Some((end, end + 1));
        }
        match rest.get(pos + 1) {
            Some(b'\n') => Some((end, end + 2)),
            Some(_) => Some((end, end + 1)),
            None if at_eof => Some((end, end + 1)),
            None => None,
        }
    }

    /// Parses one complete line; returns a frame when the line was the blank terminator.
    fn take_line(&mut self, line_end: usize, next: usize) -> Option<SseFrame> {
        let start = self.scanned;
        self.scanned = next;
        if line_end == start {
            let raw = self.buf.split_to(next).freeze();
            self.scanned = 0;
            return self.dispatch(raw);
        }
        self.field(start, line_end);
        None
    }

    /// Applies the line `buf[start..end]`, borrowed: only `event` and `data` values are
    /// copied (lines are per-event work, so no `String` per line).
    fn field(&mut self, start: usize, end: usize) {
        let Self {
            buf,
            event,
            data,
            has_data,
            ..
        } = self;
        // `from_utf8` validates a word at a time; the lossy path is for broken input only.
        let bytes = &buf[start..end];
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => Cow::Borrowed(line),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        if line.starts_with(':') {
            return;
        }
        let (name, value) = match line.split_once(':') {
            Some((n, v)) => (n, v.strip_prefix(' ').unwrap_or(v)),
            None => (&*line, ""),
        };
        match name {
            "event" => *event = Some(value.to_owned()),
            "data" => {
                if *has_data {
                    data.push('\n');
                }
                data.push_str(value);
                *has_data = true;
            }
            _ => {}
        }
    }

    /// Emits the accumulated fields; frames without `data:` (comments only) are skipped,
    /// as the SSE spec says.
    fn dispatch(&mut self, raw: Bytes) -> Option<SseFrame> {
        let event = self.event.take();
        let data = std::mem::take(&mut self.data);
        let had = std::mem::replace(&mut self.has_data, false);
        had.then_some(SseFrame { event, data, raw })
    }
}

/// Encodes `event: <name>` plus `data:` lines (one per line of `data`) and a blank line.
pub fn encode_event(event: &str, data: &str) -> Bytes {
    let mut out = String::with_capacity(event.len() + data.len() + 16);
    out.push_str("event: ");
    out.push_str(event);
    out.push('\n');
    push_data(&mut out, data);
    Bytes::from(out)
}

/// Encodes a data-only frame (Chat Completions style).
pub fn encode_data(data: &str) -> Bytes {
    let mut out = String::with_capacity(data.len() + 8);
    push_data(&mut out, data);
    Bytes::from(out)
}

/// Encodes an SSE comment such as `: keepalive`.
pub fn encode_comment(text: &str) -> Bytes {
    Bytes::from(format!(": {text}\n\n"))
}

/// The Chat Completions terminal frame, `data: [DONE]`.
pub const DONE_FRAME: &[u8] = b"data: [DONE]\n\n";

fn push_data(out: &mut String, data: &str) {
    for line in data.split('\n') {
        out.push_str("data: ");
        out.push_str(line.strip_suffix('\r').unwrap_or(line));
        out.push('\n');
    }
    out.push('\n');
}
