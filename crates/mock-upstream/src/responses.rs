//! `POST /backend-api/codex/responses`: validation like the real backend, then the SSE stream.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use futures_util::stream;
use serde_json::Value;

use crate::auth::{account_header, authenticate, detail, invalid_request, json_reply};
use crate::content::expected_output;
use crate::faults::{FaultKind, Scope};
use crate::models::MANIFEST;
use crate::sse::{self, Frame, StreamSpec, Terminal, Usage};
use crate::state::{Account, InFlight, State};
use crate::usage::rate_limit_headers;
use crate::util::lock;

/// Top-level fields the backend refuses with `Unsupported parameter: <name>` (upstream.md §3.7).
pub(crate) const UNSUPPORTED: &[&str] = &[
    "max_output_tokens",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "logprobs",
    "top_logprobs",
    "n",
    "seed",
    "stop",
    "user",
    "logit_bias",
    "response_format",
    "serviceTier",
    "metadata",
    "stream_options",
    "reasoning_effort",
    "truncation",
    "context_management",
    "disable_response_storage",
    "verbosity",
    "prompt_cache_retention",
    "safety_identifier",
    "type",
    "previous_response_id",
];

/// Logs the request and builds an error answer carrying the account's rate-limit headers.
pub(crate) fn reject(
    state: &State,
    req: &Req<'_>,
    account: Option<&Account>,
    body: Option<&Value>,
    (status, text): (StatusCode, String),
) -> Response {
    state.log.record(
        req.method.as_str(),
        &req.uri.to_string(),
        req.headers,
        body.cloned(),
        account.map(|a| a.id.as_str()),
        status.as_u16(),
        None,
    );
    let mut r = json_reply(status, text);
    if status == StatusCode::BAD_GATEWAY {
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    }
    if let Some(a) = account {
        rate_limit_headers(&lock(&a.mutable).rate, r.headers_mut());
    }
    r
}

/// The parts of a request every handler needs for logging.
pub(crate) struct Req<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
}

/// Parses a JSON object body or explains why not, like the backend does.
pub(crate) fn parse_body(headers: &HeaderMap, body: &[u8]) -> Result<Value, (StatusCode, String)> {
    if headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v != "identity")
    {
        return Err(detail("The mock does not decode compressed request bodies"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(detail("Could not parse the request body as a JSON object")),
    }
}

/// First deny-listed field present, if any.
pub(crate) fn unsupported(body: &Value, extra: &[&str]) -> Option<(StatusCode, String)> {
    let obj = body.as_object()?;
    UNSUPPORTED
        .iter()
        .chain(extra)
        .find(|k| obj.contains_key(**k))
        .map(|k| detail(&format!("Unsupported parameter: {k}")))
}

/// A `reasoning` input item whose `encrypted_content` this account did not issue.
fn foreign_reasoning(state: &State, body: &Value, account: &str) -> Option<(StatusCode, String)> {
    let items = body.get("input")?.as_array()?;
    items.iter().find_map(|item| {
        if item.get("type").and_then(Value::as_str) != Some("reasoning") {
            return None;
        }
        let blob = item.get("encrypted_content").and_then(Value::as_str)?;
        if state.unseal(blob).as_deref() == Some(account) {
            return None;
        }
        Some(invalid_request(
            StatusCode::BAD_REQUEST,
            Some("invalid_encrypted_content"),
            "The encrypted content could not be decrypted or parsed.",
        ))
    })
}

/// Applies a delay or hang fault; other faults are returned for the caller to act on.
pub(crate) async fn pre_answer_fault(
    state: &State,
    account: &Account,
    scope: Scope,
) -> Option<FaultKind> {
    let (fault, signal) = state.faults.take(&account.id, scope)?;
    match fault {
        FaultKind::SlowFirstByte { delay_ms } => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            None
        }
        FaultKind::Hang => {
            signal.cleared().await;
            None
        }
        other => Some(other),
    }
}

pub(crate) async fn handle(
    AxState(state): AxState<Arc<State>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    raw: Bytes,
) -> Response {
    let req = Req {
        method: &method,
        uri: &uri,
        headers: &headers,
    };
    let account = match authenticate(&state, &headers) {
        Ok(a) => a,
        Err(e) => return reject(&state, &req, None, None, e),
    };
    account.counters.responses.fetch_add(1, Ordering::Relaxed);
    let guard = InFlight::enter(account.clone());
    if state.config.require_account_header && account_header(&headers) != Some(account.id.as_str())
    {
        let e = invalid_request(
            StatusCode::FORBIDDEN,
            Some("account_mismatch"),
            "chatgpt-account-id does not match the authentication token",
        );
        return reject(&state, &req, Some(&account), None, e);
    }
    let body = match parse_body(&headers, &raw) {
        Ok(b) => b,
        Err(e) => return reject(&state, &req, Some(&account), None, e),
    };
    let rule = if body.get("stream") != Some(&Value::Bool(true)) {
        Some(detail("Stream must be set to true"))
    } else if body.get("store") != Some(&Value::Bool(false)) {
        Some(detail("Store must be set to false"))
    } else {
        unsupported(&body, &[]).or_else(|| foreign_reasoning(&state, &body, &account.id))
    };
    if let Some(e) = rule {
        return reject(&state, &req, Some(&account), Some(&body), e);
    }

    let fault = pre_answer_fault(&state, &account, Scope::Responses).await;
    if let Some(e) = fault.as_ref().and_then(|f| f.error_reply(&account.plan)) {
        return reject(&state, &req, Some(&account), Some(&body), e);
    }
    let (terminal, cut) = match fault {
        Some(FaultKind::ResponseFailed { code, message }) => {
            let message = message.unwrap_or_else(|| format!("The response failed: {code}"));
            (Terminal::Failed { code, message }, None)
        }
        Some(FaultKind::ResponseIncomplete { reason }) => (Terminal::Incomplete { reason }, None),
        Some(FaultKind::DropMidStream { after_deltas }) => {
            (Terminal::Completed, Some(after_deltas))
        }
        _ => (Terminal::Completed, None),
    };

    let output = expected_output(&body);
    let input = (raw.len() as u64 / 4).max(1);
    let (cached, own_delay, mut out_headers) = {
        let mut m = lock(&account.mutable);
        let cached = match body.get("prompt_cache_key").and_then(Value::as_str) {
            Some(key) => m
                .prompt_cache
                .insert(key.to_owned(), input)
                .map_or(0, |p| p.min(input)),
            None => 0,
        };
        let mut h = HeaderMap::new();
        rate_limit_headers(&m.rate, &mut h);
        (cached, m.delta_delay, h)
    };
    let delay = own_delay
        .unwrap_or_else(|| Duration::from_micros(state.default_delay_us.load(Ordering::Relaxed)));
    let reasoning_chars = output
        .reasoning_summary
        .as_ref()
        .map_or(0, |s| s.chars().count());
    let out_chars = output.text.as_ref().map_or(0, |t| t.chars().count())
        + output
            .tool_calls
            .iter()
            .map(|c| c.arguments.chars().count())
            .sum::<usize>();
    let reasoning = if reasoning_chars > 0 {
        (reasoning_chars as u64 / 4).max(1)
    } else {
        0
    };
    let usage = Usage {
        input,
        cached,
        output: (out_chars as u64 / 4).max(1) + reasoning,
        reasoning,
    };
    let model = body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("gpt-5.5");
    let spec = StreamSpec {
        model,
        account_id: &account.id,
        service_tier: body.get("service_tier").and_then(Value::as_str),
        output: &output,
        usage,
        terminal,
    };
    let frames = sse::build(&state, &spec);
    // What the client is told in the terminal event, when one is sent.
    let reported = match (&spec.terminal, cut) {
        (Terminal::Completed | Terminal::Incomplete { .. }, None) => Some(usage.reported()),
        _ => None,
    };
    if let Ok(v) = HeaderValue::from_str(model) {
        out_headers.insert("openai-model", v);
    }
    out_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    out_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    out_headers.insert("x-models-etag", MANIFEST.etag.clone());
    if state.log.enabled() {
        state.log.record(
            method.as_str(),
            &uri.to_string(),
            &headers,
            Some(body.clone()),
            Some(&account.id),
            200,
            reported,
        );
    }
    let mut response = Response::new(stream_body(frames, delay, cut, guard));
    *response.headers_mut() = out_headers;
    response
}

/// The streamed body: pauses `delay` before each delta, aborts after `cut` deltas, and holds
/// the in-flight guard until the last byte is out or the client hangs up.
fn stream_body(frames: Vec<Frame>, delay: Duration, cut: Option<u32>, guard: InFlight) -> Body {
    if delay.is_zero() && cut.is_none() {
        let mut all = Vec::with_capacity(frames.iter().map(|f| f.bytes.len()).sum());
        for f in &frames {
            all.extend_from_slice(&f.bytes);
        }
        let once = stream::once(async move {
            let _guard = guard;
            Ok::<_, std::io::Error>(Bytes::from(all))
        });
        return Body::from_stream(once);
    }
    struct S {
        frames: std::vec::IntoIter<Frame>,
        delay: Duration,
        left: Option<u32>,
        _guard: InFlight,
    }
    let s = S {
        frames: frames.into_iter(),
        delay,
        left: cut,
        _guard: guard,
    };
    Body::from_stream(stream::unfold(Some(s), |s| async move {
        let mut s = s?;
        if s.left == Some(0) {
            // Pending once so hyper flushes what was sent before the abort; otherwise the head
            // and deltas could die in its write buffer and the client would see no response.
            tokio::time::sleep(Duration::from_millis(10)).await;
            let err = std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "injected drop");
            return Some((Err(err), None));
        }
        let frame = s.frames.next()?;
        if frame.delta {
            if !s.delay.is_zero() {
                tokio::time::sleep(s.delay).await;
            }
            s.left = s.left.map(|n| n - 1);
        }
        Some((Ok(frame.bytes), Some(s)))
    }))
}
