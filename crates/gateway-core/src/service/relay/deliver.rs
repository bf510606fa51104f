//! After commit: the streaming pump (a task that turns upstream frames into client bytes,
//! with keep-alives, one terminal error on a break, and usage accounting at the end, even
//! when the client left) and the non-streaming collector.

use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway_protocol::responses::{CollectedResponse, ResponseCollector, ResponseUsage};
use gateway_protocol::UpstreamFailure;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::attempt::Opened;
use super::frames::Next;
use super::writer::{usage_of, Writer};
use super::Hold;
use crate::scheduler::AttemptOutcome;
use crate::state::AppState;

/// Keep-alive cadence once committed (translation.md §10 table).
const KEEPALIVE_EVERY: Duration = Duration::from_secs(10);
/// Silence after content that ends the stream (scheduling.md §8).
const SILENCE_LIMIT: Duration = Duration::from_secs(15 * 60);
/// How long we keep reading for usage after the client left (§10 rule 6).
const AFTER_CLIENT_GONE: Duration = Duration::from_secs(5);

/// Starts the pump and returns the client body stream.
pub fn stream(state: AppState, opened: Opened, writer: Writer, key_id: Option<i64>, hold: Hold) -> ReceiverStream<Bytes> {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let usage = pump(&state, opened, writer, tx).await;
        record_usage(&state, key_id, usage.as_ref());
        drop(hold);
    });
    ReceiverStream::new(rx)
}

/// Sends bytes; `false` once the client is gone.
struct Sink {
    tx: mpsc::Sender<Bytes>,
    gone_at: Option<Instant>,
}

impl Sink {
    async fn send(&mut self, chunks: Vec<Bytes>) {
        for chunk in chunks {
            if self.gone_at.is_none() && self.tx.send(chunk).await.is_err() {
                self.gone_at = Some(Instant::now());
            }
        }
    }
}

async fn pump(state: &AppState, opened: Opened, mut writer: Writer, tx: mpsc::Sender<Bytes>) -> Option<ResponseUsage> {
    let Opened { grant, mut reader, held, .. } = opened;
    let mut sink = Sink { tx, gone_at: None };
    let mut usage = None;
    sink.send(writer.open()).await;
    for frame in &held {
        usage = usage.or_else(|| usage_of(frame));
        sink.send(writer.push(frame)).await;
    }
    let mut silent = Duration::ZERO;
    while !writer.is_finished() {
        let wait = match sink.gone_at {
            Some(at) => match AFTER_CLIENT_GONE.checked_sub(at.elapsed()) {
                Some(left) => left,
                None => break,
            },
            None => KEEPALIVE_EVERY,
        };
        match reader.next(wait).await {
            Ok(Next::Frame(frame)) => {
                silent = Duration::ZERO;
                usage = usage.or_else(|| usage_of(&frame));
                sink.send(writer.push(&frame)).await;
            }
            Ok(Next::End) => sink.send(writer.finish()).await,
            Ok(Next::Idle) if sink.gone_at.is_some() => break,
            Ok(Next::Idle) => {
                silent += wait;
                if silent >= SILENCE_LIMIT {
                    let failure = UpstreamFailure::stream_break("the upstream went silent");
                    sink.send(writer.fail(&failure)).await;
                } else {
                    sink.send(vec![writer.keepalive()]).await;
                }
            }
            Err(err) => {
                let message = err.message.unwrap_or_else(|| "the upstream stream broke".into());
                sink.send(writer.fail(&UpstreamFailure::stream_break(message))).await;
            }
        }
    }
    if usage.is_none() && sink.gone_at.is_none() {
        state.pool().report(&grant, &AttemptOutcome::Transport);
    }
    if let Some(at) = sink.gone_at {
        tracing::info!(status = 499, after_ms = at.elapsed().as_millis() as u64, "client left before the answer ended");
    }
    usage
}

/// Collects a committed stream for a non-streaming client.
pub async fn collect(state: &AppState, opened: Opened, key_id: Option<i64>) -> CollectedResponse {
    let Opened { grant, mut reader, held, .. } = opened;
    let mut collector = ResponseCollector::new();
    for frame in &held {
        if let Some(event) = &frame.event {
            collector.push(event);
        }
    }
    while !collector.is_finished() {
        match reader.next(SILENCE_LIMIT).await {
            Ok(Next::Frame(frame)) => {
                if let Some(event) = &frame.event {
                    collector.push(event);
                }
            }
            // A missing terminal is reported by `finish` as a stream break.
            Ok(Next::End | Next::Idle) | Err(_) => break,
        }
    }
    let collected = collector.finish();
    if collected.response.usage.is_none() {
        state.pool().report(&grant, &AttemptOutcome::Transport);
    }
    record_usage(state, key_id, collected.response.usage.as_ref());
    collected
}

/// Adds the request's tokens to the key's `tokens_used` (its quota), off the request path.
fn record_usage(state: &AppState, key_id: Option<i64>, usage: Option<&ResponseUsage>) {
    let (Some(key_id), Some(usage)) = (key_id, usage) else {
        return;
    };
    let tokens = i64::try_from(usage.input_tokens.saturating_add(usage.output_tokens)).unwrap_or(i64::MAX);
    let store = state.store().clone();
    tokio::spawn(async move {
        if let Err(err) = store.record_api_key_use(key_id, tokens, crate::service::now_ms()).await {
            tracing::warn!(key_id, error = %err, "could not record API key usage");
        }
    });
}
