//! A minimal HTTP/1.1 client on hyper's connection API: a pool of keep-alive connections to
//! one address, one request at a time per connection, with the timings the harness needs
//! (first body byte, end of body) and a cheap check that a stream reached its terminal event.

use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

type Sender = SendRequest<Full<Bytes>>;

/// A prepared request: everything but the connection.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Bytes that must appear near the end of the body (a stream's terminal event); empty =
    /// any 2xx body is a success.
    pub terminal: &'static [u8],
}

/// What one request produced.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub ok: bool,
    /// First body byte.
    pub first_byte: Instant,
    /// Last body byte.
    pub done: Instant,
}

/// Keep-alive connections to one address.
pub struct Pool {
    addr: SocketAddr,
    host: String,
    idle: Mutex<Vec<Sender>>,
}

impl Pool {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            host: addr.to_string(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn take_idle(&self) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some(sender) = idle.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn give_back(&self, sender: Sender) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(sender);
    }

    /// A new connection, not pooled.
    pub async fn connect(&self) -> std::io::Result<Sender> {
        let stream = TcpStream::connect(self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            // The connection ends when the sender is dropped or the peer closes it.
            let _ = conn.await;
        });
        Ok(sender)
    }

    /// Sends `call` on an idle connection (or a new one) and reads the whole body.
    pub async fn send(&self, call: &Call) -> Outcome {
        let sender = match self.take_idle() {
            Some(s) => Ok(s),
            None => self.connect().await,
        };
        match sender {
            Ok(mut sender) => {
                let outcome = self.send_on(&mut sender, call).await;
                if outcome.ok && !sender.is_closed() {
                    self.give_back(sender);
                }
                outcome
            }
            Err(_) => Outcome::failed(),
        }
    }

    /// Sends `call` on `sender` (which the caller keeps) and reads the whole body.
    pub async fn send_on(&self, sender: &mut Sender, call: &Call) -> Outcome {
        self.send_signalled(sender, call, None).await
    }

    /// Like [`Pool::send_on`], adding one permit to `first_byte` when the body starts.
    pub async fn send_signalled(
        &self,
        sender: &mut Sender,
        call: &Call,
        first_byte: Option<&Semaphore>,
    ) -> Outcome {
        match self.exchange(sender, call, first_byte).await {
            Ok(outcome) => outcome,
            Err(()) => Outcome::failed(),
        }
    }

    async fn exchange(
        &self,
        sender: &mut Sender,
        call: &Call,
        signal: Option<&Semaphore>,
    ) -> Result<Outcome, ()> {
        sender.ready().await.map_err(drop)?;
        let mut req = Request::builder()
            .method(call.method.clone())
            .uri(call.path.as_str())
            .header(hyper::header::HOST, self.host.as_str());
        for (name, value) in &call.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let req = req.body(Full::new(call.body.clone())).map_err(drop)?;
        let resp = sender.send_request(req).await.map_err(drop)?;
        let status_ok = resp.status().is_success();
        let mut body = resp.into_body();
        let mut first_byte = None;
        let mut tail: Vec<u8> = Vec::new();
        let mut seen_terminal = call.terminal.is_empty();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(drop)?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if data.is_empty() {
                continue;
            }
            if first_byte.is_none() {
                first_byte = Some(Instant::now());
                if let Some(signal) = signal {
                    signal.add_permits(1);
                }
            }
            if !seen_terminal {
                seen_terminal = contains_across(&mut tail, &data, call.terminal);
            }
        }
        let done = Instant::now();
        Ok(Outcome {
            ok: status_ok && seen_terminal,
            first_byte: first_byte.unwrap_or(done),
            done,
        })
    }

    /// A one-off request returning status and body, for setup calls.
    pub async fn fetch(&self, call: &Call) -> Result<(u16, Bytes), String> {
        let mut sender = self.connect().await.map_err(|e| e.to_string())?;
        sender.ready().await.map_err(|e| e.to_string())?;
        let mut req = Request::builder()
            .method(call.method.clone())
            .uri(call.path.as_str())
            .header(hyper::header::HOST, self.host.as_str());
        for (name, value) in &call.headers {
            req = req.header(name.as_str(), value.as_str());
        }
        let req = req
            .body(Full::new(call.body.clone()))
            .map_err(|e| e.to_string())?;
        let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}

impl Outcome {
    /// A request that failed (connect, I/O, status or a missing terminal event).
    pub fn failed() -> Self {
        let now = Instant::now();
        Self {
            ok: false,
            first_byte: now,
            done: now,
        }
    }
}

/// True when `needle` occurs in the last bytes of `tail` followed by `chunk`; keeps
/// `needle.len() - 1` bytes of the stream in `tail` for the next chunk.
fn contains_across(tail: &mut Vec<u8>, chunk: &[u8], needle: &[u8]) -> bool {
    let keep = needle.len().saturating_sub(1);
    let old = tail.len();
    tail.extend_from_slice(&chunk[..chunk.len().min(keep)]);
    if find(tail, needle) || find(chunk, needle) {
        return true;
    }
    tail.truncate(old);
    tail.extend_from_slice(&chunk[chunk.len().saturating_sub(keep)..]);
    let excess = tail.len().saturating_sub(keep);
    tail.drain(..excess);
    false
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    hay.iter().enumerate().any(|(i, &b)| {
        b == first
            && hay
                .get(i + 1..i + 1 + rest.len())
                .is_some_and(|w| w == rest)
    })
}

#[cfg(test)]
mod tests {
    use super::contains_across;

    #[test]
    fn finds_a_marker_split_across_chunks() {
        let mut tail = Vec::new();
        assert!(!contains_across(&mut tail, b"data: {} [DO", b"[DONE]"));
        assert!(contains_across(&mut tail, b"NE]\n\n", b"[DONE]"));
        let mut tail = Vec::new();
        assert!(contains_across(&mut tail, b"x[DONE]y", b"[DONE]"));
        let mut tail = Vec::new();
        assert!(!contains_across(&mut tail, b"nothing", b"[DONE]"));
    }
}
