//! The batched usage writer, on its own OS thread (`usage-writer`), so none of its work
//! (serialising routing traces, folding rollups, building and binding the inserts) runs on
//! the async workers that serve requests. A task is never preempted: a flush running as one
//! held its worker (on a one-core pin, the core) until it was done, and every request that
//! arrived meanwhile waited. A thread is preempted by the kernel, and this one also yields on
//! its own every few tens of microseconds ([`super::pace`]).
//!
//! It drains the recorder's channel once per [`TICK`] while rows flow (not once per row),
//! writes a batch as soon as one is full or the oldest row has waited the flush interval, and
//! persists quota changes once per flush interval, rows or not. The store calls run through
//! the gateway's runtime handle (`Handle::block_on`), so connections and timers stay with
//! that runtime.
//!
//! Stopping: on the task set's cancellation it writes everything queued and exits; shutdown
//! waits for that through a tracked task. If the runtime goes away without a shutdown (a
//! dropped test runtime), the thread exits without touching the store.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::pace::Pacer;
use super::pending::Pending;
use super::persist::{persist_quota, write_batch};
use super::UsageRecorder;
use crate::store::{NewUsageLog, Store};
use crate::tasks::TaskSet;

/// Rows kept for a retry while the database is failing; beyond this the oldest are dropped
/// (and counted) so a long outage cannot exhaust memory.
const MAX_RETAINED: usize = 50_000;
/// How often a busy writer drains the channel. The channel holds 10,000 rows, so it
/// overflows within one tick only above 100,000 requests per second.
const TICK: Duration = Duration::from_millis(100);

const RUNNING: u8 = 0;
/// Write everything queued, then exit.
const FLUSH_AND_STOP: u8 = 1;
/// The runtime is gone: exit without touching the store.
const ABANDON: u8 = 2;

/// Starts the writer thread and a tracked task that stops it on shutdown and waits for its
/// last flush. Must be called from inside the runtime the store belongs to.
pub(super) fn start(
    recorder: UsageRecorder,
    store: Arc<dyn Store>,
    rx: mpsc::Receiver<Pending>,
    tasks: &TaskSet,
) {
    let stop = Arc::new(AtomicU8::new(RUNNING));
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    let writer = Writer {
        recorder: recorder.clone(),
        store,
        rx,
        runtime: Handle::current(),
        stop: stop.clone(),
        buf: Vec::new(),
        arrivals: VecDeque::new(),
        retry_at: None,
    };
    let spawned = std::thread::Builder::new()
        .name("usage-writer".to_owned())
        .spawn(move || {
            writer.run();
            let _ = done_tx.send(());
        });
    let thread = match spawned {
        Ok(join) => join.thread().clone(),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the usage writer thread; usage rows will be dropped");
            return;
        }
    };
    recorder.set_writer_thread(thread);
    let cancel = tasks.cancellation();
    // Built outside the task so that dropping the task even before its first poll stops the
    // writer.
    let guard = AbandonOnDrop {
        stop: stop.clone(),
        recorder: recorder.clone(),
    };
    tasks.spawn("usage-writer", async move {
        let _guard = guard;
        cancel.cancelled().await;
        stop.store(FLUSH_AND_STOP, Ordering::SeqCst);
        recorder.wake_writer();
        let _ = done_rx.await;
    });
}

/// Dropped with the tracked task: when that happens before a shutdown (the runtime itself is
/// being dropped), the writer must not call into a runtime that no longer runs. After a
/// shutdown began it changes nothing.
struct AbandonOnDrop {
    stop: Arc<AtomicU8>,
    recorder: UsageRecorder,
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if self
            .stop
            .compare_exchange(RUNNING, ABANDON, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            self.recorder.wake_writer();
        }
    }
}

struct Writer {
    recorder: UsageRecorder,
    store: Arc<dyn Store>,
    rx: mpsc::Receiver<Pending>,
    runtime: Handle,
    stop: Arc<AtomicU8>,
    /// Rows ready to insert, oldest first.
    buf: Vec<NewUsageLog>,
    /// `(time no later than their arrival, count)` of consecutive runs of `buf`.
    arrivals: VecDeque<(Instant, usize)>,
    /// After a failed write, when to try again.
    retry_at: Option<Instant>,
}

impl Writer {
    fn run(mut self) {
        let mut next_quota = Instant::now() + self.recorder.flush_interval();
        let mut woke = Instant::now();
        loop {
            let stop = self.stop.load(Ordering::SeqCst);
            if stop == ABANDON {
                self.abandon();
                return;
            }
            // Rows taken now arrived after the previous wake-up: stamping them with it keeps
            // every row's wait within the flush interval.
            self.drain(woke);
            woke = Instant::now();
            let interval = self.recorder.flush_interval();
            if stop == FLUSH_AND_STOP {
                self.finish();
                return;
            }
            self.write_due(woke, interval);
            if woke >= next_quota {
                self.runtime
                    .block_on(persist_quota(&self.recorder, self.store.as_ref()));
                next_quota = Instant::now() + interval;
            }
            if let Some(idle_since) = self.sleep(next_quota, interval) {
                woke = idle_since;
            }
        }
    }

    /// Moves everything queued into the buffer, turning each into its stored row (the
    /// routing trace's JSON is built here), in short slices.
    fn drain(&mut self, stamp: Instant) {
        let before = self.buf.len();
        let mut pacer = Pacer::new();
        while let Ok(pending) = self.rx.try_recv() {
            self.buf.push(pending.into_row());
            pacer.step();
        }
        if self.buf.len() > before {
            self.arrivals.push_back((stamp, self.buf.len() - before));
        }
    }

    fn oldest(&self) -> Option<Instant> {
        self.arrivals.front().map(|(at, _)| *at)
    }

    /// Forgets the first `n` buffered rows (written or given up).
    fn remove_front(&mut self, mut n: usize) {
        self.buf.drain(..n);
        while n > 0 {
            let Some(run) = self.arrivals.front_mut() else {
                return;
            };
            if run.1 > n {
                run.1 -= n;
                return;
            }
            n -= run.1;
            self.arrivals.pop_front();
        }
    }

    /// Writes the full batches, and everything once the oldest row is due.
    fn write_due(&mut self, now: Instant, interval: Duration) {
        if self.retry_at.is_some_and(|at| now < at) {
            return;
        }
        let batch = self.recorder.batch_size().max(1);
        let due = self.oldest().is_some_and(|at| now >= at + interval);
        while self.buf.len() >= batch || (due && !self.buf.is_empty()) {
            if !self.write_front(batch.min(self.buf.len())) {
                self.retry_at = Some(Instant::now() + interval);
                return;
            }
        }
        self.retry_at = None;
    }

    /// Inserts the first `n` buffered rows; false (rows kept) when the database failed.
    fn write_front(&mut self, n: usize) -> bool {
        match self
            .runtime
            .block_on(write_batch(self.store.as_ref(), &self.buf[..n]))
        {
            Ok(()) => {
                self.recorder.count_written(n);
                self.remove_front(n);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, pending = self.buf.len(), "usage batch not written; will retry");
                if self.buf.len() > MAX_RETAINED {
                    let excess = self.buf.len() - MAX_RETAINED;
                    self.remove_front(excess);
                    self.recorder.count_dropped(excess);
                }
                false
            }
        }
    }

    /// Sleeps until the next tick, the oldest row's deadline (or the retry) or the quota
    /// deadline, whichever comes first. With nothing buffered, until a row arrives (the
    /// recorder wakes it) or the quota deadline; then returns when it went idle, which is
    /// no later than the arrival of anything queued since.
    fn sleep(&self, next_quota: Instant, interval: Duration) -> Option<Instant> {
        let now = Instant::now();
        match self.oldest() {
            // Rows buffered: keep draining every tick (also while a failed write waits for
            // its retry, so the channel does not fill up meanwhile).
            Some(oldest) => {
                let due = self.retry_at.unwrap_or(oldest + interval);
                let until = next_quota.min(now + TICK).min(due);
                std::thread::park_timeout(until.saturating_duration_since(now));
                None
            }
            None => {
                if self.recorder.writer_going_idle() {
                    std::thread::park_timeout(next_quota.saturating_duration_since(now));
                }
                self.recorder.writer_awake();
                Some(now)
            }
        }
    }

    /// Shutdown: rows recorded from now on are counted as dropped; everything already queued
    /// is written.
    fn finish(&mut self) {
        self.rx.close();
        self.drain(Instant::now());
        self.retry_at = None;
        let batch = self.recorder.batch_size().max(1);
        while !self.buf.is_empty() {
            if !self.write_front(batch.min(self.buf.len())) {
                break;
            }
        }
        self.runtime
            .block_on(persist_quota(&self.recorder, self.store.as_ref()));
        if !self.buf.is_empty() {
            tracing::error!(
                rows = self.buf.len(),
                "usage rows lost at shutdown: the database write failed"
            );
            self.recorder.count_dropped(self.buf.len());
        }
    }

    fn abandon(&mut self) {
        self.rx.close();
        let mut lost = self.buf.len();
        while self.rx.try_recv().is_ok() {
            lost += 1;
        }
        if lost > 0 {
            tracing::warn!(
                rows = lost,
                "usage rows lost: the runtime stopped without a shutdown"
            );
            self.recorder.count_dropped(lost);
        }
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
