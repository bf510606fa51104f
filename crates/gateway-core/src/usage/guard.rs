//! [`UsageGuard`]: records one request exactly once, on completion or when dropped.

use std::time::Instant;

use super::pending::Pending;
use super::UsageRecorder;
use crate::scheduler::trace::RoutingTrace;
use crate::service::now_ms;
use crate::store::NewUsageLog;

/// The status a request gets when its handler or stream was dropped before finishing: the
/// client went away (nginx's "client closed request").
pub const CLIENT_CLOSED_STATUS: i64 = 499;
pub const CLIENT_DISCONNECTED: &str = "client_disconnected";

/// Tracks one request from its start. Holds an in-flight slot in the metrics until it is
/// finished or dropped. See the module docs of [`crate::usage`] for the usage pattern.
pub struct UsageGuard {
    recorder: UsageRecorder,
    row: NewUsageLog,
    trace: Option<RoutingTrace>,
    started: Instant,
    recorded: bool,
}

impl UsageGuard {
    pub(super) fn new(recorder: UsageRecorder, mut row: NewUsageLog) -> Self {
        if row.created_at == 0 {
            row.created_at = now_ms();
        }
        recorder.metrics().request_started();
        UsageGuard {
            recorder,
            row,
            trace: None,
            started: Instant::now(),
            recorded: false,
        }
    }

    /// The routing trace for the row's `trace` column. It is handed to the writer as is and
    /// serialised there, off the request path: the ~2 KB of JSON of a trace over 64 accounts
    /// cost ~38,000 instructions to build, a clone of the trace ~3,800 (callgrind).
    pub fn set_trace(&mut self, trace: RoutingTrace) {
        self.trace = Some(trace);
    }

    /// The row being built; fill in the account, models, attempts as they are known (the
    /// trace goes through [`Self::set_trace`]).
    pub fn row_mut(&mut self) -> &mut NewUsageLog {
        &mut self.row
    }

    /// Notes the first content byte; only the first call counts.
    pub fn mark_first_token(&mut self) {
        if self.row.first_token_ms.is_none() {
            self.row.first_token_ms = Some(elapsed_ms(self.started));
        }
    }

    pub fn set_tokens(&mut self, input: i64, cached: i64, output: i64, reasoning: i64) {
        self.row.input_tokens = input;
        self.row.cached_tokens = cached;
        self.row.output_tokens = output;
        self.row.reasoning_tokens = reasoning;
    }

    /// Records the request with its final status.
    pub fn finish(mut self, status_code: i64) {
        self.row.status_code = status_code;
        self.record();
    }

    /// Records a failed request with a stable error word (e.g. `upstream_timeout`).
    pub fn finish_with_error(mut self, status_code: i64, error_kind: &str) {
        self.row.status_code = status_code;
        self.row.error_kind = Some(error_kind.to_owned());
        self.record();
    }

    fn record(&mut self) {
        if self.recorded {
            return;
        }
        self.recorded = true;
        self.row.duration_ms = elapsed_ms(self.started);
        self.recorder.metrics().request_ended();
        self.recorder.submit(Pending {
            row: std::mem::take(&mut self.row),
            trace: self.trace.take(),
        });
    }
}

impl Drop for UsageGuard {
    fn drop(&mut self) {
        if !self.recorded {
            self.row.status_code = CLIENT_CLOSED_STATUS;
            if self.row.error_kind.is_none() {
                self.row.error_kind = Some(CLIENT_DISCONNECTED.to_owned());
            }
            self.record();
        }
    }
}

fn elapsed_ms(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::settings::RuntimeSettings;

    fn drain(rx: &mut tokio::sync::mpsc::Receiver<Pending>) -> Vec<NewUsageLog> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(Pending::into_row)
            .collect()
    }

    #[test]
    fn finish_records_once_and_drop_records_499() {
        let recorder = UsageRecorder::with_capacity(16, &RuntimeSettings::default());
        let mut rx = recorder.take_receiver().unwrap();
        let mut g = recorder.begin(NewUsageLog {
            endpoint: "/v1/responses".into(),
            ..Default::default()
        });
        assert_eq!(recorder.metrics().in_flight(), 1);
        g.mark_first_token();
        let first = g.row_mut().first_token_ms;
        g.mark_first_token();
        assert_eq!(g.row_mut().first_token_ms, first, "first call wins");
        g.set_tokens(10, 2, 5, 1);
        let trace = RoutingTrace {
            request_id: Some("traced".into()),
            ..RoutingTrace::default()
        };
        let trace_json = trace.to_json();
        g.set_trace(trace);
        g.finish(200);
        let dropped = recorder.begin(NewUsageLog {
            endpoint: "/v1/messages".into(),
            ..Default::default()
        });
        drop(dropped);
        let rows = drain(&mut rx);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].status_code, rows[0].input_tokens), (200, 10));
        assert_eq!(rows[0].trace.as_deref(), Some(trace_json.as_str()));
        assert_eq!(rows[1].trace, None);
        assert!(rows[0].created_at > 0);
        assert_eq!(rows[1].status_code, CLIENT_CLOSED_STATUS);
        assert_eq!(rows[1].error_kind.as_deref(), Some(CLIENT_DISCONNECTED));
        assert_eq!(recorder.metrics().in_flight(), 0);
        assert_eq!(recorder.metrics().total_requests(), 2);
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let recorder = UsageRecorder::with_capacity(4, &RuntimeSettings::default());
        let started = Instant::now();
        for _ in 0..10 {
            recorder.record(NewUsageLog::default());
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert_eq!(recorder.queue_depth(), 4);
        assert_eq!(recorder.dropped(), 6);
        assert_eq!(
            recorder.metrics().total_requests(),
            10,
            "metrics still see every request"
        );
    }
}
