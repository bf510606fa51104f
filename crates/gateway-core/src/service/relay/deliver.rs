//! After commit: the streaming pump (a task that turns upstream frames into client bytes,
//! with keep-alives, one terminal error on a break, and usage accounting at the end, even
//! when the client left) and the non-streaming collector.

use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway_protocol::responses::{
    CollectedResponse, ResponseCollector, ResponseUsage, StreamOutcome,
};
use gateway_protocol::UpstreamFailure;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::attempt::Opened;
use super::frames::Next;
use super::history::Recorder;
use super::writer::{usage_of, Writer};
use super::Hold;
use crate::scheduler::AttemptOutcome;
use crate::state::AppState;
use crate::usage::{UsageGuard, CLIENT_CLOSED_STATUS, CLIENT_DISCONNECTED};

/// Client frames buffered between the pump and the HTTP body.
pub const CHANNEL_DEPTH: usize = 64;
/// Keep-alive cadence once committed (translation.md §10 table).
const KEEPALIVE_EVERY: Duration = Duration::from_secs(10);
/// Silence after content that ends the stream (scheduling.md §8).
const SILENCE_LIMIT: Duration = Duration::from_secs(15 * 60);
/// How long we keep reading for usage after the client left (§10 rule 6).
const AFTER_CLIENT_GONE: Duration = Duration::from_secs(5);

/// Starts the pump and returns the client body stream.
pub fn stream(
    state: AppState,
    opened: Opened,
    writer: Writer,
    guard: UsageGuard,
    hold: Hold,
    recorder: Option<Recorder>,
) -> ReceiverStream<Bytes> {
    let (tx, rx) = mpsc::channel(CHANNEL_DEPTH);
    tokio::spawn(serve(
        state,
        opened,
        Committed {
            writer,
            tx,
            announced: false,
        },
        guard,
        hold,
        recorder,
    ));
    ReceiverStream::new(rx)
}

/// The client side of an already committed answer (slow start, §10 rule 4, commits early).
pub struct Committed {
    pub writer: Writer,
    pub tx: mpsc::Sender<Bytes>,
    /// The writer's opening frame already went out.
    pub announced: bool,
}

/// The pump and what follows it: history recording, releasing the hold.
pub async fn serve(
    state: AppState,
    opened: Opened,
    out: Committed,
    guard: UsageGuard,
    hold: Hold,
    recorder: Option<Recorder>,
) {
    let collected = pump(&state, opened, out, guard, recorder.is_some()).await;
    drop(hold);
    if let (Some(recorder), Some(collected)) = (recorder, collected) {
        recorder.record(&collected);
    }
}

/// The client side of the pump; remembers when the client went away.
struct Sink {
    tx: mpsc::Sender<Bytes>,
    gone_at: Option<Instant>,
}

impl Sink {
    /// How long to wait for the next upstream frame: the keep-alive period, or what is left
    /// of the grace after the client left (`None` once it is spent).
    fn next_wait(&self) -> Option<Duration> {
        match self.gone_at {
            Some(at) => AFTER_CLIENT_GONE.checked_sub(at.elapsed()),
            None => Some(KEEPALIVE_EVERY),
        }
    }

    async fn send(&mut self, chunks: Vec<Bytes>) {
        for chunk in chunks {
            if self.gone_at.is_none() && self.tx.send(chunk).await.is_err() {
                self.gone_at = Some(Instant::now());
            }
        }
    }
}

/// Returns the aggregated response when `collect` asks for it (for `previous_response_id`).
async fn pump(
    state: &AppState,
    opened: Opened,
    out: Committed,
    mut guard: UsageGuard,
    collect: bool,
) -> Option<CollectedResponse> {
    let Committed {
        mut writer,
        tx,
        announced,
    } = out;
    let Opened {
        grant,
        mut reader,
        held,
        ..
    } = opened;
    let mut sink = Sink { tx, gone_at: None };
    let mut usage = None;
    let mut broke = false;
    let mut collector = collect.then(ResponseCollector::new);
    let mut observe = |frame: &super::frames::Frame| {
        if let (Some(c), Some(event)) = (collector.as_mut(), frame.event.as_ref()) {
            c.push(event);
        }
    };
    if !announced {
        sink.send(writer.open()).await;
    }
    for frame in &held {
        observe(frame);
        usage = usage.or_else(|| usage_of(frame));
        sink.send(writer.push(frame)).await;
    }
    guard.mark_first_token();
    let mut silent = Duration::ZERO;
    while !writer.is_finished() {
        let Some(wait) = sink.next_wait() else {
            break;
        };
        match reader.next(wait).await {
            Ok(Next::Frame(frame)) => {
                silent = Duration::ZERO;
                observe(&frame);
                usage = usage.or_else(|| usage_of(&frame));
                sink.send(writer.push(&frame)).await;
            }
            Ok(Next::End) => sink.send(writer.finish()).await,
            Ok(Next::Idle) if sink.gone_at.is_some() => break,
            Ok(Next::Idle) => {
                silent += wait;
                broke |= silent >= SILENCE_LIMIT;
                sink.send(idle_output(&mut writer, silent)).await;
            }
            Err(err) => {
                broke = true;
                let message = err
                    .message
                    .unwrap_or_else(|| "the upstream stream broke".into());
                sink.send(writer.fail(&UpstreamFailure::stream_break(message)))
                    .await;
            }
        }
    }
    if usage.is_none() && sink.gone_at.is_none() {
        state.pool().report(&grant, &AttemptOutcome::Transport);
    }
    set_tokens(&mut guard, usage.as_ref());
    if let Some(at) = sink.gone_at {
        let after_ms = u64::try_from(at.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::info!(
            status = 499,
            after_ms,
            "client left before the answer ended"
        );
        guard.finish_with_error(CLIENT_CLOSED_STATUS, CLIENT_DISCONNECTED);
    } else if broke || usage.is_none() {
        guard.finish_with_error(502, "upstream_stream_broke");
    } else {
        guard.finish(200);
    }
    collector.filter(|_| !broke).map(ResponseCollector::finish)
}

/// Copies the upstream's usage onto the log row (estimating nothing: no usage, no tokens).
fn set_tokens(guard: &mut UsageGuard, usage: Option<&ResponseUsage>) {
    let Some(u) = usage else { return };
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    guard.set_tokens(
        n(u.input_tokens),
        n(u.cached_tokens()),
        n(u.output_tokens),
        n(u.reasoning_tokens()),
    );
}

/// A keep-alive while the upstream is quiet, or the terminal error once it was quiet too long.
fn idle_output(writer: &mut Writer, silent: Duration) -> Vec<Bytes> {
    if silent >= SILENCE_LIMIT {
        writer.fail(&UpstreamFailure::stream_break("the upstream went silent"))
    } else {
        vec![writer.keepalive()]
    }
}

/// Collects a committed stream for a non-streaming client.
pub async fn collect(state: &AppState, opened: Opened, mut guard: UsageGuard) -> CollectedResponse {
    let Opened {
        grant,
        mut reader,
        held,
        ..
    } = opened;
    let mut collector = ResponseCollector::new();
    guard.mark_first_token();
    // Each frame is done with once collected: its event is moved in, not cloned.
    for event in held.into_iter().filter_map(|frame| frame.event) {
        collector.push_owned(event);
    }
    while !collector.is_finished() {
        match reader.next(SILENCE_LIMIT).await {
            Ok(Next::Frame(frame)) => {
                if let Some(event) = frame.event {
                    collector.push_owned(event);
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
    set_tokens(&mut guard, collected.response.usage.as_ref());
    match &collected.outcome {
        StreamOutcome::Failed(f) => {
            guard.finish_with_error(i64::from(f.status), "upstream_stream_failed")
        }
        _ if collected.response.usage.is_none() => {
            guard.finish_with_error(502, "upstream_stream_broke")
        }
        _ => guard.finish(200),
    }
    collected
}
