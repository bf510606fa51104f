//! Load shapes. Open loop: a pacer thread fixes each request's intended send time at a
//! constant rate and latency is measured from that time, so a slow server cannot slow the
//! load down (no coordinated omission). Closed loop: N connections send back to back, for
//! maximum throughput. Also a hold of N concurrent streams for the memory figure.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Semaphore;

use crate::http::{Call, Outcome, Pool};

/// Longest a single request may take before it counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Most connections an open-loop run may have open at once.
const MAX_OPEN_LOOP_CONNECTIONS: usize = 2048;

/// One scenario's measurements (nanoseconds).
#[derive(Debug, Clone)]
pub struct Stats {
    pub total: Histogram<u64>,
    pub ttfb: Histogram<u64>,
    pub ok: u64,
    pub errors: u64,
    pub elapsed: Duration,
}

impl Stats {
    fn new() -> Self {
        Self {
            total: histogram(),
            ttfb: histogram(),
            ok: 0,
            errors: 0,
            elapsed: Duration::ZERO,
        }
    }

    fn record(&mut self, start: Instant, outcome: &Outcome) {
        if !outcome.ok {
            self.errors += 1;
            return;
        }
        self.ok += 1;
        let nanos = |t: Instant| u64::try_from(t.duration_since(start).as_nanos()).unwrap_or(0);
        self.total.saturating_record(nanos(outcome.done).max(1));
        self.ttfb
            .saturating_record(nanos(outcome.first_byte).max(1));
    }

    /// Successful requests per second.
    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// Failed share of all requests.
    pub fn error_rate(&self) -> f64 {
        let all = self.ok + self.errors;
        if all == 0 {
            1.0
        } else {
            self.errors as f64 / all as f64
        }
    }
}

#[expect(
    clippy::expect_used,
    reason = "constant bounds that hdrhistogram accepts; an error here is a programming bug"
)]
fn histogram() -> Histogram<u64> {
    // 1 ns .. 10 min at 3 significant figures.
    Histogram::new_with_bounds(1, 600_000_000_000, 3).expect("valid histogram bounds")
}

async fn send_timed(pool: &Pool, call: &Call) -> Outcome {
    match tokio::time::timeout(REQUEST_TIMEOUT, pool.send(call)).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed(),
    }
}

/// Sends `rate` requests per second for `secs`, cycling through `calls`.
pub async fn open_loop(pool: Arc<Pool>, calls: Arc<Vec<Call>>, rate: f64, secs: f64) -> Stats {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let total = (rate * secs).round().max(1.0) as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(1e-3));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Instant>();
    let begin = Instant::now() + Duration::from_millis(5);
    let pacer = std::thread::spawn(move || {
        for i in 0..total {
            let at = begin + interval.mul_f64(i as f64);
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            if tx.send(at).is_err() {
                break;
            }
        }
    });
    let permits = Arc::new(Semaphore::new(MAX_OPEN_LOOP_CONNECTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    let mut seq = 0usize;
    while let Some(at) = rx.recv().await {
        let (pool, calls, stats, permits) =
            (pool.clone(), calls.clone(), stats.clone(), permits.clone());
        let index = seq % calls.len().max(1);
        seq += 1;
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire().await else {
                return;
            };
            let outcome = match calls.get(index) {
                Some(call) => send_timed(&pool, call).await,
                None => Outcome::failed(),
            };
            lock(&stats).record(at, &outcome);
        });
        // Reap finished tasks so the set does not grow with the run.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let _ = pacer.join();
    let mut out = lock(&stats).clone();
    out.elapsed = begin.elapsed();
    out
}

/// `connections` connections send back to back for `secs`, cycling through `calls`.
pub async fn closed_loop(
    pool: Arc<Pool>,
    calls: Arc<Vec<Call>>,
    connections: usize,
    secs: f64,
) -> Stats {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let begin = Instant::now();
    let deadline = begin + Duration::from_secs_f64(secs);
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..connections {
        let (pool, calls, stats) = (pool.clone(), calls.clone(), stats.clone());
        tasks.spawn(async move {
            let mut seq = worker;
            while Instant::now() < deadline {
                let start = Instant::now();
                let outcome = match calls.get(seq % calls.len().max(1)) {
                    Some(call) => send_timed(&pool, call).await,
                    None => Outcome::failed(),
                };
                seq += connections;
                lock(&stats).record(start, &outcome);
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let mut out = lock(&stats).clone();
    out.elapsed = begin.elapsed();
    out
}

/// Opens `n` concurrent streams; once all have sent their first byte (or `wait` passed),
/// runs `sample` while they are open, then waits for them to finish. Returns how many
/// streams were open at sampling time, the sample, and the stats.
pub async fn hold_streams<T>(
    pool: Arc<Pool>,
    call: Call,
    n: usize,
    wait: Duration,
    sample: impl FnOnce() -> T,
) -> (usize, T, Stats) {
    let stats = Arc::new(Mutex::new(Stats::new()));
    let open = Arc::new(Semaphore::new(0));
    let call = Arc::new(call);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (pool, call, stats, open) = (pool.clone(), call.clone(), stats.clone(), open.clone());
        tasks.spawn(async move {
            let start = Instant::now();
            let outcome = match pool.connect().await {
                Ok(mut sender) => {
                    let fut = pool.send_signalled(&mut sender, &call, Some(&open));
                    tokio::time::timeout(REQUEST_TIMEOUT, fut)
                        .await
                        .unwrap_or_else(|_| Outcome::failed())
                }
                Err(_) => Outcome::failed(),
            };
            lock(&stats).record(start, &outcome);
        });
    }
    let begin = Instant::now();
    let deadline = begin + wait;
    while open.available_permits() < n && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let opened = open.available_permits().min(n);
    let sampled = sample();
    while tasks.join_next().await.is_some() {}
    let mut out = lock(&stats).clone();
    out.elapsed = begin.elapsed();
    (opened, sampled, out)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
