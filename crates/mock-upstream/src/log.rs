//! The request log: what the mock received, for tests to inspect (bounded ring buffer).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::util::{lock, now_unix};

/// One request as received. Headers are kept verbatim (Authorization included): tests use
/// them to check that a gateway never leaks client keys upstream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// Arrival order, starting at 1.
    pub seq: u64,
    /// Unix seconds.
    pub at: i64,
    pub method: String,
    /// Path plus query string.
    pub path: String,
    /// Header names lower-case, in arrival order; repeated headers appear repeatedly.
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body (form bodies become a JSON object); `None` if empty or unparsable.
    pub body: Option<Value>,
    /// The account the bearer token (or refresh token) belongs to, if known.
    pub account_id: Option<String>,
    /// Status of the answer (200 for streams, even ones that later fail in-band).
    pub status: u16,
    /// The usage the answer's terminal event reported (`response.completed` or
    /// `response.incomplete`); `None` for errors, in-band failures and streams cut short.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ReportedUsage>,
}

/// Token counts as the mock reported them to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReportedUsage {
    pub input_tokens: u64,
    pub cached_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
}

impl LoggedRequest {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) struct RequestLog {
    capacity: usize,
    seq: AtomicU64,
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            seq: AtomicU64::new(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    /// Logs one request; `usage` is what its answer reported (see [`LoggedRequest::usage`]).
    #[expect(clippy::too_many_arguments, reason = "the fields of one log entry")]
    pub fn record(
        &self,
        method: &str,
        path: &str,
        headers: &HeaderMap,
        body: Option<Value>,
        account_id: Option<&str>,
        status: u16,
        usage: Option<ReportedUsage>,
    ) {
        if !self.enabled() {
            return;
        }
        let entry = LoggedRequest {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            at: now_unix(),
            method: method.to_owned(),
            path: path.to_owned(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            account_id: account_id.map(str::to_owned),
            status,
            usage,
        };
        let mut entries = lock(&self.entries);
        if entries.len() >= self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}
