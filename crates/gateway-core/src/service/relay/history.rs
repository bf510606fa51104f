//! `previous_response_id` (translation.md §6.3). The backend keeps nothing (`store:false`),
//! so the gateway keeps, per API key, each completed response's input plus output items under
//! the response id, and expands a request naming that id into the whole conversation, on the
//! same affinity key (so the same account and prompt cache). In memory with byte budgets: an
//! unbounded version of this store drove RSS to about 7.8 GiB in a peer gateway. Entries are
//! kept as their JSON, so the budget counts what is actually held (parsed items take several
//! times their JSON size), and are parsed again only when a request chains on them.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use std::time::{Duration, Instant};

use gateway_protocol::responses::{
    CollectedResponse, ContentPart, MessageItem, ResponseItem, ResponsesInput, ResponsesRequest,
    StreamOutcome,
};
use gateway_protocol::ProtocolError;
use serde_json::Value;

use super::affinity::AffinityKey;

/// How long a response can be chained on.
pub const ENTRY_TTL: Duration = Duration::from_secs(10 * 60);
/// One conversation larger than this is not kept.
pub const MAX_ENTRY_BYTES: usize = 8 * 1024 * 1024;
/// All entries together, in serialised bytes.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 2_000;

/// The field, as clients send it.
const FIELD: &str = "previous_response_id";

/// Budgets, adjustable in tests.
#[derive(Debug, Clone, Copy)]
pub struct Budgets {
    pub ttl: Duration,
    pub max_entry_bytes: usize,
    pub max_total_bytes: usize,
    pub max_entries: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            ttl: ENTRY_TTL,
            max_entry_bytes: MAX_ENTRY_BYTES,
            max_total_bytes: MAX_TOTAL_BYTES,
            max_entries: MAX_ENTRIES,
        }
    }
}

struct Entry {
    /// The items as JSON.
    json: Bytes,
    affinity: AffinityKey,
    expires: Instant,
    /// Which insertion of the key this is, to tell its slot in `order` from stale ones.
    generation: u64,
}

#[derive(Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// Insertion order, oldest first: `(key, generation)`. A re-inserted key leaves a stale
    /// slot behind, dropped when it reaches the front.
    order: VecDeque<(String, u64)>,
    total_bytes: usize,
    next_generation: u64,
}

/// The shared store; clones share it.
#[derive(Clone, Default)]
pub struct ResponseHistory {
    inner: Arc<Mutex<Inner>>,
    budgets: Budgets,
}

/// What a request chained on: the items to prepend and the affinity to keep.
#[derive(Debug, Clone)]
pub struct Previous {
    pub items: Vec<ResponseItem>,
    pub affinity: AffinityKey,
}

fn slot(tenant: Option<i64>, response_id: &str) -> String {
    match tenant {
        Some(id) => format!("{id}:{response_id}"),
        None => format!("anonymous:{response_id}"),
    }
}

impl ResponseHistory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_budgets(budgets: Budgets) -> Self {
        Self {
            inner: Arc::default(),
            budgets,
        }
    }

    /// Keeps `items` under `response_id` for `tenant`; silently skips oversize entries.
    pub fn insert(
        &self,
        tenant: Option<i64>,
        response_id: &str,
        items: Vec<ResponseItem>,
        affinity: AffinityKey,
    ) {
        if response_id.is_empty() {
            return;
        }
        let json = match serde_json::to_vec(&items) {
            Ok(json) if json.len() <= self.budgets.max_entry_bytes => Bytes::from(json),
            Ok(json) => {
                tracing::debug!(
                    bytes = json.len(),
                    "conversation too large to keep for previous_response_id"
                );
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "conversation not kept for previous_response_id");
                return;
            }
        };
        let key = slot(tenant, response_id);
        let now = Instant::now();
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let generation = inner.next_generation;
        inner.next_generation += 1;
        inner.total_bytes += json.len();
        let entry = Entry {
            json,
            affinity,
            expires: now + self.budgets.ttl,
            generation,
        };
        if let Some(old) = inner.map.insert(key.clone(), entry) {
            inner.total_bytes -= old.json.len();
        }
        inner.order.push_back((key, generation));
        self.evict(&mut inner, now);
    }

    /// The conversation kept under `response_id` for `tenant`, unless expired.
    pub fn get(&self, tenant: Option<i64>, response_id: &str) -> Option<Previous> {
        let key = slot(tenant, response_id);
        let (json, affinity) = {
            let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            let entry = inner.map.get(&key)?;
            if entry.expires <= Instant::now() {
                if let Some(old) = inner.map.remove(&key) {
                    inner.total_bytes -= old.json.len();
                }
                return None;
            }
            (entry.json.clone(), entry.affinity.clone())
        };
        // Parsed outside the lock; the JSON was written from these very items.
        match serde_json::from_slice(&json) {
            Ok(items) => Some(Previous { items, affinity }),
            Err(e) => {
                tracing::warn!(error = %e, "kept conversation unreadable; treated as not found");
                None
            }
        }
    }

    /// Number of entries and their bytes (for tests and metrics).
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        (inner.map.len(), inner.total_bytes)
    }

    /// Drops expired entries, then the oldest until both budgets hold. Oldest first, so the
    /// first live entry within budget ends it (with one TTL, every later entry is live too).
    fn evict(&self, inner: &mut Inner, now: Instant) {
        while let Some((key, generation)) = inner.order.front() {
            let over = inner.map.len() > self.budgets.max_entries
                || inner.total_bytes > self.budgets.max_total_bytes;
            let owner = inner.map.get(key).filter(|e| e.generation == *generation);
            match owner {
                Some(entry) if !over && entry.expires > now => break,
                Some(_) => {
                    if let Some(old) = inner.map.remove(key) {
                        inner.total_bytes -= old.json.len();
                    }
                }
                // A stale slot: the key was re-inserted or is already gone.
                None => {}
            }
            inner.order.pop_front();
        }
    }
}

/// Takes `previous_response_id` out of a native request; with a known id, prepends the kept
/// conversation to `input` and returns the affinity it was served on. An unknown or expired
/// id is a 400 `previous_response_not_found`.
pub fn expand(
    history: &ResponseHistory,
    tenant: Option<i64>,
    req: &mut ResponsesRequest,
) -> Result<Option<AffinityKey>, ProtocolError> {
    let Some(raw) = req.extra.remove(FIELD) else {
        return Ok(None);
    };
    let id = match &raw {
        Value::Null => return Ok(None),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().to_owned(),
        _ => {
            return Err(ProtocolError::invalid(
                "previous_response_id must be a string",
                FIELD,
            ))
        }
    };
    let Some(previous) = history.get(tenant, &id) else {
        return Err(ProtocolError::InvalidRequest {
            message: format!("Previous response with id '{id}' not found."),
            param: Some(FIELD.into()),
            code: Some("previous_response_not_found".into()),
        });
    };
    let Previous {
        mut items,
        affinity,
    } = previous;
    items.extend(input_items(std::mem::take(&mut req.input)));
    req.input = ResponsesInput::Items(items);
    Ok(Some(affinity))
}

/// `input` as a list of items (a bare string is one user message).
pub fn input_items(input: ResponsesInput) -> Vec<ResponseItem> {
    match input {
        ResponsesInput::Items(items) => items,
        ResponsesInput::Text(text) => vec![ResponseItem::Message(MessageItem::new(
            "user",
            vec![ContentPart::input_text(text)],
        ))],
    }
}

/// Records a finished native response: what went upstream plus what came back.
pub struct Recorder {
    pub history: ResponseHistory,
    pub tenant: Option<i64>,
    pub input: Vec<ResponseItem>,
    pub affinity: AffinityKey,
}

impl Recorder {
    pub fn record(self, collected: &CollectedResponse) {
        if !matches!(
            collected.outcome,
            StreamOutcome::Completed | StreamOutcome::Incomplete { .. }
        ) {
            return;
        }
        let mut items = self.input;
        items.extend(collected.response.output.iter().cloned());
        self.history
            .insert(self.tenant, &collected.response.id, items, self.affinity);
    }
}

#[cfg(test)]
#[path = "history_tests.rs"]
mod tests;
