//! The writer thread against a real SQLite file: every row exactly once with the trace JSON
//! it would have had when serialised on the request, batches written without waiting for
//! the interval, partial batches within it, everything queued written on shutdown, and quota
//! windows persisted on their own cadence (one bad account not holding back the others).

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};

use super::*;
use crate::scheduler::trace::{AttemptTrace, RoutingTrace};
use crate::service::settings::RuntimeSettings;
use crate::store::sqlite::SqliteStore;
use crate::store::{CredentialKind, NewAccount, QuotaWindowKind, Store, UsageFilter};
use crate::tasks::TaskSet;

struct Rig {
    recorder: UsageRecorder,
    store: Arc<dyn Store>,
    tasks: TaskSet,
    _dir: tempfile::TempDir,
}

async fn rig(settings: RuntimeSettings) -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("u.db")).await.unwrap());
    let recorder = UsageRecorder::new(&settings);
    let tasks = TaskSet::new();
    let rx = recorder.take_receiver().unwrap();
    start(recorder.clone(), store.clone(), rx, &tasks);
    Rig {
        recorder,
        store,
        tasks,
        _dir: dir,
    }
}

fn settings(batch: u32, flush_seconds: u32) -> RuntimeSettings {
    RuntimeSettings {
        usage_log_batch_size: batch,
        usage_log_flush_interval_seconds: flush_seconds,
        ..RuntimeSettings::default()
    }
}

fn trace_of(i: usize) -> RoutingTrace {
    RoutingTrace {
        request_id: Some(format!("req-{i}")),
        endpoint: Some("/v1/chat/completions".into()),
        attempts: vec![AttemptTrace {
            account_id: 7,
            outcome: "success".into(),
            status: Some(200),
            decision: "commit".into(),
            ttfc_ms: Some(3),
            duration_ms: Some(i as i64),
        }],
        ..RoutingTrace::default()
    }
}

/// Records `n` requests the way the relay does: a guard, a trace handed over unserialised.
fn record_traced(recorder: &UsageRecorder, from: usize, n: usize) {
    for i in from..from + n {
        let mut guard = recorder.begin(NewUsageLog {
            request_id: format!("req-{i}"),
            endpoint: "/v1/chat/completions".into(),
            ..NewUsageLog::default()
        });
        guard.set_trace(trace_of(i));
        guard.set_tokens(i as i64, 0, 1, 0);
        guard.finish(200);
    }
}

async fn stored_rows(store: &dyn Store) -> Vec<NewUsageLog> {
    let mut rows = Vec::new();
    for page in 1.. {
        let got = store
            .list_usage(&UsageFilter {
                page,
                page_size: crate::store::MAX_PAGE_SIZE,
                ..UsageFilter::default()
            })
            .await
            .unwrap();
        if got.items.is_empty() {
            break;
        }
        rows.extend(got.items.into_iter().map(|u| u.row));
    }
    rows
}

async fn wait_written(recorder: &UsageRecorder, n: u64, within: Duration) -> Duration {
    let start = Instant::now();
    while recorder.written() < n {
        assert!(
            start.elapsed() < within,
            "{} of {n} rows written after {within:?}",
            recorder.written()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[tokio::test]
async fn every_row_is_written_once_with_the_trace_json_of_the_request() {
    let r = rig(settings(200, 3600)).await;
    record_traced(&r.recorder, 0, 450);
    // Two full batches go out without waiting for the (hour-long) interval.
    wait_written(&r.recorder, 400, Duration::from_secs(20)).await;
    assert!(r.tasks.shutdown(Duration::from_secs(20)).await);
    assert_eq!(
        r.recorder.written(),
        450,
        "the partial batch is written on shutdown"
    );
    assert_eq!(r.recorder.dropped(), 0);

    let rows = stored_rows(r.store.as_ref()).await;
    assert_eq!(rows.len(), 450);
    let mut seen = std::collections::HashSet::new();
    for row in &rows {
        assert!(
            seen.insert(row.request_id.clone()),
            "{} twice",
            row.request_id
        );
        let i: usize = row.request_id["req-".len()..].parse().unwrap();
        assert_eq!(row.trace, Some(trace_of(i).to_json()), "{}", row.request_id);
        assert_eq!((row.input_tokens, row.status_code), (i as i64, 200));
    }
    assert_eq!(seen.len(), 450);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_partial_batch_waits_at_most_the_flush_interval() {
    let r = rig(settings(200, 1)).await;
    record_traced(&r.recorder, 0, 3);
    let took = wait_written(&r.recorder, 3, Duration::from_secs(10)).await;
    assert!(took < Duration::from_millis(1_500), "{took:?}");
    // The writer is idle again; the next row wakes it.
    tokio::time::sleep(Duration::from_millis(200)).await;
    record_traced(&r.recorder, 3, 1);
    wait_written(&r.recorder, 4, Duration::from_secs(10)).await;
    assert!(r.tasks.shutdown(Duration::from_secs(20)).await);
    assert_eq!(stored_rows(r.store.as_ref()).await.len(), 4);
}

#[tokio::test]
async fn rows_recorded_after_shutdown_are_counted_as_dropped() {
    let r = rig(settings(200, 3600)).await;
    record_traced(&r.recorder, 0, 5);
    assert!(r.tasks.shutdown(Duration::from_secs(20)).await);
    record_traced(&r.recorder, 5, 2);
    assert_eq!((r.recorder.written(), r.recorder.dropped()), (5, 2));
    assert_eq!(stored_rows(r.store.as_ref()).await.len(), 5);
}

fn account(identity: &str) -> NewAccount {
    NewAccount {
        name: identity.to_owned(),
        identity_key: identity.to_owned(),
        email: None,
        chatgpt_account_id: None,
        chatgpt_user_id: None,
        plan_type: None,
        kind: CredentialKind::RefreshToken,
        credentials_sealed: format!("sealed:{identity}"),
        access_expires_at: None,
        last_refreshed_at: None,
        proxy_url: None,
        note: None,
        now: 1,
    }
}

fn observation(used: &str) -> crate::usage::quota::QuotaObservation {
    let mut h = HeaderMap::new();
    for (k, v) in [
        ("x-codex-primary-used-percent", used),
        ("x-codex-primary-window-minutes", "300"),
        ("x-codex-primary-reset-after-seconds", "60"),
    ] {
        h.insert(k, HeaderValue::from_str(v).unwrap());
    }
    crate::usage::quota::from_headers(&h, crate::service::now_ms()).unwrap()
}

#[tokio::test]
async fn quota_windows_are_persisted_without_any_rows_and_past_a_missing_account() {
    let r = rig(settings(200, 1)).await;
    let a = r.store.insert_account(&account("a")).await.unwrap().id;
    let b = r.store.insert_account(&account("b")).await.unwrap().id;
    r.recorder.observe(a, &observation("10"));
    r.recorder.observe(999_999, &observation("20"));
    r.recorder.observe(b, &observation("30"));
    let start = Instant::now();
    loop {
        let stored = r.store.all_quota_windows().await.unwrap();
        if stored.len() == 2 {
            let used: Vec<(i64, f64)> = stored
                .iter()
                .map(|w| (w.account_id, w.used_percent))
                .collect();
            assert_eq!(used, vec![(a, 10.0), (b, 30.0)]);
            assert!(stored.iter().all(|w| w.kind == QuotaWindowKind::FiveHour));
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "{stored:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(r.recorder.written(), 0);
    assert!(r.tasks.shutdown(Duration::from_secs(20)).await);
}

/// A runtime dropped without a shutdown (as tests do) must not leave the thread parked
/// forever holding the store: it closes the queue and counts what it could not write.
#[test]
fn a_dropped_runtime_stops_the_writer_and_counts_its_rows_as_lost() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let r = runtime.block_on(rig(settings(200, 3600)));
    record_traced(&r.recorder, 0, 3);
    drop(runtime);
    let start = Instant::now();
    loop {
        // Accepted while the queue is open; counted as dropped once the writer closed it.
        let before = r.recorder.dropped();
        r.recorder.record(NewUsageLog::default());
        if r.recorder.dropped() > before {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the writer is still running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(r.recorder.written(), 0);
    assert!(r.recorder.dropped() >= 4, "{}", r.recorder.dropped());
}
