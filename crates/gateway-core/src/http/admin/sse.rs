//! Progress streams for long admin actions (imports, batches, account tests): JSON events
//! over SSE, fed from a channel by a task that keeps running if the client leaves.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

/// Turns a receiver of serialisable events into an SSE response with keep-alives.
pub fn progress_stream<T: Serialize + Send + 'static>(
    rx: mpsc::Receiver<T>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let stream = ReceiverStream::new(rx).map(|event| {
        let data = serde_json::to_string(&event).unwrap_or_else(|_| "{}".to_owned());
        Ok(Event::default().data(data))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(10)))
}

/// Whether the caller asked for a progress stream (`?stream=true` or `Accept: text/event-stream`).
pub fn wants_stream(query_stream: Option<bool>, headers: &axum::http::HeaderMap) -> bool {
    query_stream.unwrap_or(false)
        || headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/event-stream"))
}
