//! Slow start (translation.md §10 rule 4) for streaming requests: the failover of
//! [`attempt::open`] runs in its own task, raced against the `slow_start_commit_ms` setting.
//! When it opens (or fails) first, nothing changes: a normal commit, or a real HTTP error.
//! When the timer wins, the answer commits with the headers alone (Anthropic also gets
//! `message_start`) and `: keepalive` comments every half of the threshold keep reverse
//! proxies from cutting the connection. Retries stay possible (no content went out); when
//! they run out, the failure, pool outcomes included (scheduling.md §9), goes in-band in
//! the protocol's terminal error shape, never as a success terminal.
//!
//! The timer starts when the request enters the relay, just before the first account is
//! picked, so a queue wait for a busy pool counts too: the client sees nothing either way.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use bytes::Bytes;
use gateway_protocol::UpstreamFailure;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};
use tokio_stream::wrappers::ReceiverStream;

use super::attempt::{self, Opened};
use super::deliver::{self, Committed};
use super::history::Recorder;
use super::writer::{keepalive_comment, Writer};
use super::{settle, Hold, Prepared, RelayContext, RelayError, Reply};
use crate::scheduler::trace::RoutingTrace;
use crate::service::api_keys::Authenticated;
use crate::service::public_api::PublicApi;
use crate::state::AppState;
use crate::usage::{UsageGuard, CLIENT_CLOSED_STATUS, CLIENT_DISCONNECTED};

/// What the open task hands back: its outcome and the attempts it made.
type Outcome = (Result<Opened, RelayError>, RoutingTrace);

/// The open task; aborted when dropped, so a client that leaves before any byte was written
/// cancels the upstream call exactly as it did when the open ran inline.
struct Opening(JoinHandle<Outcome>);

impl Drop for Opening {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The request context, owned, so the open can outlive the handler's borrow.
struct OwnedContext {
    state: AppState,
    api: Arc<PublicApi>,
    headers: HeaderMap,
    caller: Authenticated,
}

/// Relays a streaming request: opens with failover, committing early when that is slow.
pub async fn stream(
    ctx: &RelayContext<'_>,
    prepared: Prepared,
    trace: RoutingTrace,
    guard: UsageGuard,
    hold: Hold,
    recorder: Option<Recorder>,
) -> Result<Reply, RelayError> {
    let writer = Writer::new(&prepared);
    let threshold = ctx.state.runtime_settings().slow_start_commit_ms;
    let owned = OwnedContext {
        state: ctx.state.clone(),
        api: Arc::clone(ctx.api),
        headers: ctx.headers.clone(),
        caller: ctx.caller.clone(),
    };
    let mut opening = Opening(tokio::spawn(open_owned(owned, prepared, trace)));
    let joined = if threshold == 0 {
        Some((&mut opening.0).await)
    } else {
        let threshold = Duration::from_millis(u64::from(threshold));
        tokio::time::timeout(threshold, &mut opening.0).await.ok()
    };
    let state = ctx.state.clone();
    if let Some(joined) = joined {
        let (opened, trace) = outcome(joined);
        let (opened, guard) = settle(&state, guard, trace, opened)?;
        return Ok(Reply::Stream(deliver::stream(
            state, opened, writer, guard, hold, recorder,
        )));
    }
    let period = Duration::from_millis(u64::from(threshold / 2)).max(Duration::from_millis(1));
    tracing::debug!(
        threshold_ms = threshold,
        "no content yet: committing the stream early"
    );
    let (tx, rx) = mpsc::channel(deliver::CHANNEL_DEPTH);
    let early = Early {
        state,
        writer,
        tx,
        guard,
        hold,
        recorder,
        period,
    };
    tokio::spawn(early.run(opening));
    Ok(Reply::Stream(ReceiverStream::new(rx)))
}

async fn open_owned(
    owned: OwnedContext,
    mut prepared: Prepared,
    mut trace: RoutingTrace,
) -> Outcome {
    let ctx = RelayContext {
        state: &owned.state,
        api: &owned.api,
        headers: &owned.headers,
        caller: &owned.caller,
    };
    let opened = attempt::open(&ctx, &mut prepared, &mut trace).await;
    (opened, trace)
}

/// A task that only fails by panicking (its abort is ours) still ends the request once.
fn outcome(joined: Result<Outcome, JoinError>) -> Outcome {
    joined.unwrap_or_else(|err| {
        tracing::error!(error = %err, "the relay open task stopped");
        let failure = UpstreamFailure::stream_break("the gateway failed to open the stream");
        (Err(RelayError::Stream(failure)), RoutingTrace::default())
    })
}

/// Everything a slow-start commit needs until the open finishes.
struct Early {
    state: AppState,
    writer: Writer,
    tx: mpsc::Sender<Bytes>,
    guard: UsageGuard,
    hold: Hold,
    recorder: Option<Recorder>,
    period: Duration,
}

impl Early {
    /// Opening bytes, keep-alives while the failover goes on, then the normal pump or the
    /// in-band failure.
    async fn run(mut self, mut opening: Opening) {
        let announced = match self.writer.open_early() {
            Some(bytes) => {
                if !send_all(&self.tx, bytes).await {
                    return self.client_gone();
                }
                true
            }
            None => false,
        };
        let start = tokio::time::Instant::now() + self.period;
        let mut ticker = tokio::time::interval_at(start, self.period);
        let joined = loop {
            tokio::select! {
                joined = &mut opening.0 => break joined,
                _ = ticker.tick() => {
                    if self.tx.send(keepalive_comment()).await.is_err() {
                        return self.client_gone();
                    }
                }
                () = self.tx.closed() => return self.client_gone(),
            }
        };
        let (opened, trace) = outcome(joined);
        match settle(&self.state, self.guard, trace, opened) {
            Ok((opened, guard)) => {
                let out = Committed {
                    writer: self.writer,
                    tx: self.tx,
                    announced,
                };
                deliver::serve(self.state, opened, out, guard, self.hold, self.recorder).await;
            }
            Err(err) => {
                tracing::info!(error = %err, "slow start failed: answering in-band");
                let bytes = self.writer.fail_early(&err.in_band_failure());
                send_all(&self.tx, bytes).await;
            }
        }
    }

    /// The client left before any content: the open task is aborted when dropped.
    fn client_gone(self) {
        tracing::info!(status = 499, "client left during a slow start");
        self.guard
            .finish_with_error(CLIENT_CLOSED_STATUS, CLIENT_DISCONNECTED);
    }
}

/// Sends every chunk; `false` once the client is gone.
async fn send_all(tx: &mpsc::Sender<Bytes>, chunks: Vec<Bytes>) -> bool {
    for chunk in chunks {
        if tx.send(chunk).await.is_err() {
            return false;
        }
    }
    true
}
