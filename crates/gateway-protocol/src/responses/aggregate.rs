//! Aggregation of a Responses stream into the final response object (translation.md §6.4).
//! The output is rebuilt from `response.output_item.done` events, because
//! `response.completed` may carry an empty `output` (upstream.md §8). The Chat and Anthropic
//! non-streaming paths build on the same collector.

use super::events::ResponsesStreamEvent;
use super::items::{ResponseItem, ResponseObject};
use crate::commit::{failure_from_event, UpstreamFailure};

/// How the stream ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamOutcome {
    /// `response.completed`.
    Completed,
    /// `response.incomplete` with `incomplete_details.reason`.
    Incomplete {
        /// `max_output_tokens`, `content_filter`, …
        reason: Option<String>,
    },
    /// `response.failed`, `error`, or no terminal event at all.
    Failed(UpstreamFailure),
}

/// The aggregated stream.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectedResponse {
    /// The terminal event's response (or the last one seen), with `output` rebuilt.
    pub response: ResponseObject,
    /// How it ended.
    pub outcome: StreamOutcome,
}

/// Collects events; feed every event with [`ResponseCollector::push`].
#[derive(Debug, Default)]
pub struct ResponseCollector {
    done_items: Vec<(u64, ResponseItem)>,
    last_response: Option<ResponseObject>,
    outcome: Option<StreamOutcome>,
}

impl ResponseCollector {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one event. Events after the first terminal are ignored. Only the events the
    /// aggregate keeps something of are cloned (their response object or item).
    pub fn push(&mut self, event: &ResponsesStreamEvent) {
        if self.outcome.is_none()
            && (event.response().is_some()
                || event.is_terminal()
                || matches!(event, ResponsesStreamEvent::OutputItemDone(_)))
        {
            self.push_owned(event.clone());
        }
    }

    /// Records an event the caller no longer needs: the response object and the items are
    /// moved in rather than cloned.
    pub fn push_owned(&mut self, event: ResponsesStreamEvent) {
        use ResponsesStreamEvent as E;
        if self.outcome.is_some() {
            return;
        }
        match event {
            E::OutputItemDone(e) => self.done_items.push((e.output_index, e.item)),
            E::Created(e) | E::InProgress(e) => self.last_response = Some(e.response),
            E::Completed(e) => {
                self.last_response = Some(e.response);
                self.outcome = Some(StreamOutcome::Completed);
            }
            E::Incomplete(e) => {
                let reason = e
                    .response
                    .incomplete_details
                    .as_ref()
                    .and_then(|d| d.reason.clone());
                self.last_response = Some(e.response);
                self.outcome = Some(StreamOutcome::Incomplete { reason });
            }
            E::Failed(_) | E::Error(_) => {
                self.outcome = failure_from_event(&event).map(StreamOutcome::Failed);
                if let E::Failed(e) = event {
                    self.last_response = Some(e.response);
                }
            }
            _ => {}
        }
    }

    /// True once a terminal event was seen.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    /// The aggregate. Without a terminal event the outcome is a stream break.
    pub fn finish(self) -> CollectedResponse {
        let mut response = self.last_response.unwrap_or_default();
        if !self.done_items.is_empty() {
            let mut items = self.done_items;
            items.sort_by_key(|(index, _)| *index);
            response.output = items.into_iter().map(|(_, item)| item).collect();
        }
        let outcome = self.outcome.unwrap_or_else(|| {
            StreamOutcome::Failed(UpstreamFailure::stream_break(
                "upstream stream closed before response.completed",
            ))
        });
        CollectedResponse { response, outcome }
    }
}

/// Aggregates a whole event sequence (convenience over [`ResponseCollector`]).
pub fn collect_events<'a>(
    events: impl IntoIterator<Item = &'a ResponsesStreamEvent>,
) -> CollectedResponse {
    let mut collector = ResponseCollector::new();
    for event in events {
        collector.push(event);
    }
    collector.finish()
}
