//! What a finished request hands to the usage writer: its row and, kept apart, its routing
//! trace. The request only moves these into the queue; turning the trace into the row's JSON
//! text (~2 KB, the costliest part of a row) happens on the writer's thread.

use crate::scheduler::trace::RoutingTrace;
use crate::store::NewUsageLog;

#[derive(Debug, Default)]
pub struct Pending {
    pub row: NewUsageLog,
    /// When set, replaces `row.trace` with its JSON when the row is written.
    pub trace: Option<RoutingTrace>,
}

impl Pending {
    /// The row as stored. Done by the writer, never on the request path.
    pub fn into_row(self) -> NewUsageLog {
        let Pending { mut row, trace } = self;
        if let Some(trace) = trace {
            row.trace = Some(trace.to_json());
        }
        row
    }
}

impl From<NewUsageLog> for Pending {
    fn from(row: NewUsageLog) -> Self {
        Pending { row, trace: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_handed_over_apart_is_stored_as_the_same_json() {
        let trace = RoutingTrace {
            request_id: Some("r1".into()),
            endpoint: Some("/v1/responses".into()),
            ..RoutingTrace::default()
        };
        let expected = trace.to_json();
        let row = Pending {
            row: NewUsageLog {
                request_id: "r1".into(),
                trace: Some("replaced".into()),
                ..NewUsageLog::default()
            },
            trace: Some(trace),
        }
        .into_row();
        assert_eq!(row.trace.as_deref(), Some(expected.as_str()));
        assert_eq!(row.request_id, "r1");

        let plain = NewUsageLog {
            trace: Some("{\"kept\":true}".into()),
            ..NewUsageLog::default()
        };
        assert_eq!(Pending::from(plain.clone()).into_row(), plain);
    }
}
