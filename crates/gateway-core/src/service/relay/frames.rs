//! Reading an upstream SSE body frame by frame, with an idle bound per read so the caller can
//! send keep-alives or give up on a silent upstream.

use std::collections::VecDeque;
use std::time::Duration;

use gateway_protocol::{ResponsesStreamEvent, SseDecoder, SseFrame};

use crate::upstream::client::{transport_message, UpstreamError};

/// One frame with its parsed event (`None` when the payload is not JSON we understand).
#[derive(Debug, Clone)]
pub struct Frame {
    pub sse: SseFrame,
    pub event: Option<ResponsesStreamEvent>,
}

impl Frame {
    fn new(sse: SseFrame) -> Self {
        let event = ResponsesStreamEvent::from_frame(&sse).ok();
        Self { sse, event }
    }
}

/// What a bounded read produced.
pub enum Next {
    Frame(Box<Frame>),
    /// The body ended (a trailing unterminated frame was already delivered).
    End,
    /// Nothing arrived within the bound.
    Idle,
}

pub struct FrameReader {
    resp: reqwest::Response,
    decoder: SseDecoder,
    queue: VecDeque<SseFrame>,
    ended: bool,
}

impl FrameReader {
    pub fn new(resp: reqwest::Response) -> Self {
        Self {
            resp,
            decoder: SseDecoder::new(),
            queue: VecDeque::new(),
            ended: false,
        }
    }

    /// The next frame, waiting at most `idle` for bytes. A read that times out leaves the
    /// reader usable: `Response::chunk` buffers nothing in its future.
    pub async fn next(&mut self, idle: Duration) -> Result<Next, UpstreamError> {
        loop {
            if let Some(frame) = self.queue.pop_front() {
                return Ok(Next::Frame(Box::new(Frame::new(frame))));
            }
            if self.ended {
                return Ok(Next::End);
            }
            match tokio::time::timeout(idle, self.resp.chunk()).await {
                Err(_) => return Ok(Next::Idle),
                Ok(Err(err)) => return Err(UpstreamError::transport(transport_message(&err))),
                Ok(Ok(Some(chunk))) => self.queue.extend(self.decoder.push(&chunk)),
                Ok(Ok(None)) => {
                    self.ended = true;
                    self.queue.extend(self.decoder.finish());
                }
            }
        }
    }
}
