//! Usage accounting: the per-request log, quota windows and request metrics.
//!
//! The relay reports every finished request through [`UsageRecorder::record`] (reached as
//! `state.usage()`); it never waits on the database. Rows go into a bounded channel read by
//! the batched writer ([`writer`]), which runs on its own OS thread: it serialises each
//! row's routing trace, folds the hourly/daily rollups and inserts both in one transaction
//! per batch, so none of that work runs on the async workers that serve requests. When the
//! channel is full the row is dropped and counted ([`UsageRecorder::dropped`]); the request
//! itself is never slowed down.
//!
//! For a streamed reply, wrap the work in a [`UsageGuard`] so exactly one row is written
//! whatever happens to the stream:
//!
//! ```ignore
//! let mut usage = state.usage().begin(NewUsageLog {
//!     request_id, endpoint: "/v1/messages".into(), requested_model, stream: true,
//!     api_key_id, user_agent, ..Default::default()
//! });
//! usage.row_mut().account_id = Some(grant.account_id);
//! state.observe_upstream_headers(grant.account_id, upstream_reply.headers());
//! // move `usage` into the body stream; on the first content delta:
//! usage.mark_first_token();
//! // once the attempts are over (the trace is serialised by the writer, not here):
//! usage.set_trace(trace);
//! // on `response.completed`:
//! usage.set_tokens(input, cached, output, reasoning);
//! usage.finish(200);
//! // if the client disconnects, the stream (and the guard) is dropped: the row is recorded
//! // with status 499 and error kind `client_disconnected`.
//! ```
//!
//! Quota windows come from the rate-limit headers of every upstream reply
//! ([`crate::state::AppState::observe_upstream_headers`], which also feeds the scheduler) and from `wham/usage` probes ([`probe`]); the latest
//! view lives in memory ([`quota_book`]) and the writer persists the changes once per flush
//! interval, whether or not rows are logged.

pub mod analytics;
pub mod exposition;
mod guard;
pub mod metrics;
pub mod ops;
mod pace;
mod pending;
mod persist;
pub mod probe;
pub mod quota;
pub mod quota_book;
pub mod retention;
pub mod rollup;
mod writer;

use std::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::Thread;
use std::time::Duration;

use tokio::sync::mpsc;

pub use guard::{UsageGuard, CLIENT_CLOSED_STATUS, CLIENT_DISCONNECTED};
use metrics::Metrics;
use pending::Pending;
use quota::QuotaObservation;
use quota_book::QuotaBook;

use crate::service::now_ms;
use crate::service::settings::RuntimeSettings;
use crate::state::AppState;
use crate::store::NewUsageLog;

/// Rows that may wait for the writer. At the default batch size this is 50 batches, which
/// absorbs a database stall of several flush intervals at high traffic.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

/// The recorder handed to request handlers; cheap to clone.
#[derive(Clone)]
pub struct UsageRecorder {
    inner: Arc<Inner>,
}

struct Inner {
    /// `usage_log_mode`: rows are written only while this is true.
    enabled: AtomicBool,
    tx: mpsc::Sender<Pending>,
    /// Taken once by the writer.
    rx: Mutex<Option<mpsc::Receiver<Pending>>>,
    capacity: usize,
    /// Set by the writer while it sleeps with nothing buffered: the next row wakes it.
    /// Otherwise it wakes on its own tick, so a busy queue costs no wake-up per row.
    writer_idle: AtomicBool,
    writer: OnceLock<Thread>,
    dropped: AtomicU64,
    written: AtomicU64,
    batch_size: AtomicU64,
    flush_interval_ms: AtomicU64,
    retention_days: AtomicU64,
    metrics: Metrics,
    quota: QuotaBook,
}

impl UsageRecorder {
    pub fn new(settings: &RuntimeSettings) -> Self {
        UsageRecorder::with_capacity(DEFAULT_QUEUE_CAPACITY, settings)
    }

    pub fn with_capacity(capacity: usize, settings: &RuntimeSettings) -> Self {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let recorder = UsageRecorder {
            inner: Arc::new(Inner {
                enabled: AtomicBool::new(settings.usage_log_enabled),
                tx,
                rx: Mutex::new(Some(rx)),
                capacity: capacity.max(1),
                writer_idle: AtomicBool::new(false),
                writer: OnceLock::new(),
                dropped: AtomicU64::new(0),
                written: AtomicU64::new(0),
                batch_size: AtomicU64::new(0),
                flush_interval_ms: AtomicU64::new(0),
                retention_days: AtomicU64::new(0),
                metrics: Metrics::default(),
                quota: QuotaBook::default(),
            }),
        };
        recorder.apply_settings(settings);
        recorder
    }

    /// Takes the writer and retention settings; called again when settings change.
    pub fn apply_settings(&self, s: &RuntimeSettings) {
        let i = &self.inner;
        i.enabled.store(s.usage_log_enabled, Ordering::Relaxed);
        i.batch_size
            .store(u64::from(s.usage_log_batch_size.max(1)), Ordering::Relaxed);
        let flush_ms = u64::from(s.usage_log_flush_interval_seconds.max(1)) * 1000;
        i.flush_interval_ms.store(flush_ms, Ordering::Relaxed);
        i.retention_days
            .store(u64::from(s.usage_log_retention_days), Ordering::Relaxed);
    }

    /// Records one finished request. Never blocks and never fails: when the queue is full
    /// (or the writer has stopped) the row is dropped and counted.
    pub fn record(&self, row: NewUsageLog) {
        self.submit(row.into());
    }

    /// The request path's whole share of the log: count the metrics and move the row into
    /// the queue (plus, at most once per writer sleep, an unpark).
    fn submit(&self, pending: Pending) {
        let i = &self.inner;
        i.metrics.request_finished(&pending.row, now_ms());
        if !i.enabled.load(Ordering::Relaxed) {
            return;
        }
        if i.tx.try_send(pending).is_err() {
            i.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        // Pairs with the fence in `writer_going_idle`: either the writer sees this row in the
        // queue, or this sees the writer idle and wakes it.
        fence(Ordering::SeqCst);
        if i.writer_idle.load(Ordering::Relaxed) && i.writer_idle.swap(false, Ordering::AcqRel) {
            if let Some(writer) = i.writer.get() {
                writer.unpark();
            }
        }
    }

    /// Starts tracking one request: counts it in flight and records it exactly once, on
    /// [`UsageGuard::finish`] or on drop. `created_at` is filled in when left at 0.
    pub fn begin(&self, row: NewUsageLog) -> UsageGuard {
        UsageGuard::new(self.clone(), row)
    }

    /// Applies an observation from any source (headers, `wham/usage` probe).
    pub fn observe(&self, account_id: i64, obs: &QuotaObservation) {
        self.inner.quota.apply(account_id, obs);
    }

    pub fn quota(&self) -> &QuotaBook {
        &self.inner.quota
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    /// Rows waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.inner.capacity.saturating_sub(self.inner.tx.capacity())
    }

    pub fn queue_capacity(&self) -> usize {
        self.inner.capacity
    }

    /// Rows lost because the queue was full, the writer had stopped, or the database kept
    /// failing.
    pub fn dropped(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// Rows the writer has committed.
    pub fn written(&self) -> u64 {
        self.inner.written.load(Ordering::Relaxed)
    }

    pub fn batch_size(&self) -> usize {
        usize::try_from(self.inner.batch_size.load(Ordering::Relaxed)).unwrap_or(usize::MAX)
    }

    pub fn flush_interval(&self) -> Duration {
        Duration::from_millis(self.inner.flush_interval_ms.load(Ordering::Relaxed))
    }

    /// 0 keeps raw logs forever.
    pub fn retention_days(&self) -> u64 {
        self.inner.retention_days.load(Ordering::Relaxed)
    }

    fn count_dropped(&self, n: usize) {
        self.inner.dropped.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn count_written(&self, n: usize) {
        self.inner.written.fetch_add(n as u64, Ordering::Relaxed);
    }

    fn take_receiver(&self) -> Option<mpsc::Receiver<Pending>> {
        self.inner
            .rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    /// The writer is about to sleep with nothing buffered. Returns false (and stays awake)
    /// when a row arrived meanwhile; otherwise the next [`Self::submit`] unparks it.
    fn writer_going_idle(&self) -> bool {
        self.inner.writer_idle.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        if self.queue_depth() > 0 {
            self.inner.writer_idle.store(false, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn writer_awake(&self) {
        self.inner.writer_idle.store(false, Ordering::Relaxed);
    }

    fn set_writer_thread(&self, thread: Thread) {
        let _ = self.inner.writer.set(thread);
    }

    fn wake_writer(&self) {
        if let Some(writer) = self.inner.writer.get() {
            writer.unpark();
        }
    }
}

/// Loads the stored quota windows into memory, starts the usage writer on its own thread and
/// spawns the retention task on the state's task set (so shutdown flushes pending rows).
/// Call once, after the state is built, from inside the runtime; a second call starts nothing.
pub async fn start(state: &AppState) {
    let recorder = state.usage().clone();
    match state.store().all_quota_windows().await {
        Ok(stored) => recorder.quota().load(stored),
        Err(e) => tracing::warn!(error = %e, "cannot load stored quota windows; starting empty"),
    }
    let Some(rx) = recorder.take_receiver() else {
        return;
    };
    let tasks = state.tasks();
    let store = state.store().clone();
    writer::start(recorder.clone(), store.clone(), rx, tasks);
    tasks.spawn(
        "usage-retention",
        retention::run(recorder, store, tasks.cancellation()),
    );
}
