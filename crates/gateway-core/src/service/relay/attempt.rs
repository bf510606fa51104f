//! Failover before commit (translation.md §10 rules 1–3, scheduling.md §8): pick an account,
//! send, and read the stream until its first content event. Any failure before that point
//! (error status, `response.failed`, a drop, silence) is fed back to the pool and retried:
//! on the same account after a 401 refresh, a reasoning strip or a capacity shed, otherwise on
//! another account, never one already tried.

use std::time::Duration;

use bytes::Bytes;
use gateway_protocol::normalize::strip_reasoning_items;
use gateway_protocol::{classify_event, failure_from_event, EventClass, UpstreamFailure};

use super::frames::{Frame, FrameReader, Next};
use super::{Prepared, RelayContext, RelayError};
use crate::scheduler::policy::retry::Budget;
use crate::scheduler::trace::{AttemptTrace, RoutingTrace};
use crate::scheduler::{AttemptOutcome, Grant, PickRequest};
use crate::upstream::classify::{kind_of_failure, UpstreamErrorKind};
use crate::upstream::client::{CallContext, UpstreamClient, UpstreamError};
use crate::upstream::headers::CompatMode;

/// Held output before commit is bounded; past it we commit anyway (§10 rule 1).
const MAX_HELD_BYTES: usize = 1024 * 1024;
/// First content after headers (scheduling.md §8).
const FIRST_CONTENT_TIMEOUT: Duration = Duration::from_secs(300);
/// Switches that skip quota-exhausted accounts are bounded by the pool, but never unbounded.
const MAX_ATTEMPTS: usize = 32;
const SHED_RETRY_DELAYS_MS: [u64; 2] = [500, 1500];
/// Initial buffer of the serialised upstream body.
const BODY_CAPACITY: usize = 4096;

/// A committed upstream stream: the account, the reader, and the events held before commit.
pub struct Opened {
    pub grant: Grant,
    pub reader: FrameReader,
    pub held: Vec<Frame>,
}

/// Why one attempt failed.
#[derive(Debug, Clone)]
enum AttemptError {
    Http(UpstreamError),
    Stream(UpstreamFailure),
}

impl AttemptError {
    fn kind(&self) -> UpstreamErrorKind {
        match self {
            AttemptError::Http(e) => e.kind.clone(),
            AttemptError::Stream(f) => kind_of_failure(f),
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            AttemptError::Http(e) => e.status,
            AttemptError::Stream(f) => Some(f.status),
        }
    }

    fn into_relay(self) -> RelayError {
        match self {
            AttemptError::Http(e) => RelayError::Upstream(e),
            AttemptError::Stream(f) => RelayError::Stream(f),
        }
    }
}

/// Runs attempts until one commits or the switch budget (`max_account_switches`) is spent.
pub async fn open(
    ctx: &RelayContext<'_>,
    prepared: &mut Prepared,
    trace: &mut RoutingTrace,
) -> Result<Opened, RelayError> {
    let client = ctx
        .api
        .upstream()
        .map_err(|e| RelayError::Misconfigured(e.to_string()))?;
    // Quota failures switch for free; everything else spends the budget (scheduling.md §8).
    let mut budget = Budget::new(ctx.state.runtime_settings().scheduler.max_account_switches);
    let mut tried: Vec<i64> = Vec::new();
    let mut last_error: Option<RelayError> = None;
    loop {
        let pick = PickRequest {
            model: &prepared.model,
            exclude: &tried,
            affinity_key: prepared
                .affinity
                .sticky()
                .then_some(prepared.affinity.key.as_str()),
        };
        let grant = match ctx
            .state
            .pool()
            .acquire_traced(ctx.state, &pick, trace)
            .await
        {
            Ok(grant) => grant,
            // After real attempts, the last attempt's outcome decides the answer (§9).
            Err(err) => return Err(last_error.unwrap_or(RelayError::Pool(err))),
        };
        let account_id = grant.account_id;
        let started = std::time::Instant::now();
        match attempt_account(ctx, client, grant, prepared).await {
            Ok(opened) => {
                trace.attempts.push(attempt_trace(
                    account_id, "success", None, "commit", started,
                ));
                return Ok(opened);
            }
            Err(err) => {
                tried.push(account_id);
                let kind = err.kind();
                tracing::info!(
                    account_id,
                    kind = kind.as_str(),
                    "attempt failed before the first content"
                );
                let quota = matches!(kind, UpstreamErrorKind::UsageLimit { .. });
                let status = err.status();
                let relay_err = err.into_relay();
                let switch =
                    kind.is_failover() && tried.len() < MAX_ATTEMPTS && budget.take(!quota);
                let decision = if switch { "switch" } else { "answer" };
                trace.attempts.push(attempt_trace(
                    account_id,
                    kind.as_str(),
                    status,
                    decision,
                    started,
                ));
                if !switch {
                    return Err(relay_err);
                }
                last_error = Some(relay_err);
            }
        }
    }
}

fn attempt_trace(
    account_id: i64,
    outcome: &str,
    status: Option<u16>,
    decision: &str,
    started: std::time::Instant,
) -> AttemptTrace {
    let elapsed = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    AttemptTrace {
        account_id,
        outcome: outcome.to_owned(),
        status,
        decision: decision.to_owned(),
        ttfc_ms: (decision == "commit").then_some(elapsed),
        duration_ms: Some(elapsed),
    }
}

/// One account: send, peek, and the same-account retries.
async fn attempt_account(
    ctx: &RelayContext<'_>,
    client: &UpstreamClient,
    mut grant: Grant,
    prepared: &mut Prepared,
) -> Result<Opened, AttemptError> {
    let pool = ctx.state.pool();
    let (mut refreshed, mut stripped, mut sheds) = (false, false, 0usize);
    loop {
        // Sized for a typical body up front rather than grown from serde_json's 128 bytes.
        let mut body = Vec::with_capacity(BODY_CAPACITY);
        if serde_json::to_writer(&mut body, &prepared.body).is_err() {
            body.clear();
        }
        let body = Bytes::from(body);
        let call = CallContext {
            inbound: ctx.headers,
            prompt_cache_key: Some(&prepared.affinity.key),
            model: &prepared.model,
            service_tier: prepared.body.service_tier.as_deref(),
            compat: CompatMode::Preserve,
        };
        let result = match client.send_responses(&grant, body, &call).await {
            Ok(resp) => {
                // Every answer carries the account's quota windows (upstream.md §5.1).
                ctx.state
                    .observe_upstream_headers(grant.account_id, resp.headers());
                peek(FrameReader::new(resp)).await
            }
            Err(err) => Err(AttemptError::Http(err)),
        };
        let err = match result {
            Ok((reader, held)) => {
                pool.report(&grant, &AttemptOutcome::Success);
                return Ok(Opened {
                    grant,
                    reader,
                    held,
                });
            }
            Err(err) => err,
        };
        let kind = err.kind();
        pool.report(&grant, &kind.outcome());
        match kind {
            UpstreamErrorKind::Unauthorized if !refreshed => {
                refreshed = true;
                grant = pool
                    .after_unauthorized(ctx.state, grant)
                    .await
                    .map_err(|_| err)?;
            }
            UpstreamErrorKind::InvalidEncryptedContent if !stripped => {
                stripped = true;
                strip_reasoning_items(&mut prepared.body);
            }
            UpstreamErrorKind::Overloaded if sheds < SHED_RETRY_DELAYS_MS.len() => {
                tokio::time::sleep(Duration::from_millis(SHED_RETRY_DELAYS_MS[sheds])).await;
                sheds += 1;
            }
            _ => return Err(err),
        }
    }
}

/// Reads until the first content (or terminal) event; a failure before it is an attempt error.
async fn peek(mut reader: FrameReader) -> Result<(FrameReader, Vec<Frame>), AttemptError> {
    let mut held = Vec::new();
    let mut held_bytes = 0usize;
    loop {
        let frame = match reader
            .next(FIRST_CONTENT_TIMEOUT)
            .await
            .map_err(AttemptError::Http)?
        {
            Next::Frame(frame) => *frame,
            Next::End => {
                return Err(AttemptError::Stream(UpstreamFailure::stream_break(
                    "upstream closed the stream before any content",
                )))
            }
            Next::Idle => {
                return Err(AttemptError::Stream(UpstreamFailure::stream_break(
                    "upstream sent no content in time",
                )))
            }
        };
        let class = frame
            .event
            .as_ref()
            .map_or(EventClass::PreContent, classify_event);
        if class == EventClass::Failed {
            let failure = frame.event.as_ref().and_then(failure_from_event);
            return Err(AttemptError::Stream(failure.unwrap_or_else(|| {
                UpstreamFailure::stream_break("upstream response failed")
            })));
        }
        held_bytes += frame.sse.raw.len();
        held.push(frame);
        if class != EventClass::PreContent || held_bytes > MAX_HELD_BYTES {
            return Ok((reader, held));
        }
    }
}
