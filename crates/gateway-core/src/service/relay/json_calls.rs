//! The two non-streaming upstream calls: `/v1/responses/compact` (JSON in, JSON out, with the
//! same failover as a stream before commit) and the model manifest behind
//! `/v1/models?client_version=`, proxied verbatim from any account.

use bytes::Bytes;
use gateway_protocol::ResponsesRequest;

use super::{prepare, RelayContext, RelayError};
use crate::scheduler::{AttemptOutcome, Grant, PickRequest};
use crate::upstream::classify::UpstreamErrorKind;
use crate::upstream::client::{CallContext, ManifestReply, UpstreamClient, UpstreamError};
use crate::upstream::headers::CompatMode;

/// The model a manifest call is scheduled for: any text model every plan has.
const MANIFEST_PICK_MODEL: &str = "gpt-5.4";
const MANIFEST_ATTEMPTS: usize = 3;

/// `POST /v1/responses/compact`: returns the upstream JSON unchanged.
pub async fn compact(ctx: RelayContext<'_>, req: ResponsesRequest) -> Result<Bytes, RelayError> {
    let settings = ctx.state.runtime_settings();
    let prepared = prepare::responses(req, true, ctx.prepare_context(&settings))?;
    let client = ctx
        .api
        .upstream()
        .map_err(|e| RelayError::Misconfigured(e.to_string()))?;
    let body = Bytes::from(serde_json::to_vec(&prepared.body).unwrap_or_default());
    let max_switches = settings.max_retries as usize;
    let mut tried = Vec::new();
    let mut last: Option<RelayError> = None;
    loop {
        let pick = PickRequest {
            model: &prepared.model,
            exclude: &tried,
            affinity_key: Some(&prepared.affinity.key),
        };
        let grant = match ctx.state.pool().acquire(ctx.state, &pick).await {
            Ok(grant) => grant,
            Err(err) => return Err(last.unwrap_or(RelayError::Pool(err))),
        };
        tried.push(grant.account_id);
        let call = CallContext {
            inbound: ctx.headers,
            prompt_cache_key: Some(&prepared.affinity.key),
            model: &prepared.model,
            service_tier: prepared.body.service_tier.as_deref(),
            compat: CompatMode::Preserve,
        };
        match compact_on(ctx, client, grant, body.clone(), &call).await {
            Ok(json) => return Ok(json),
            Err(err) if err.kind.is_failover() && tried.len() <= max_switches => {
                last = Some(err.into())
            }
            Err(err) => return Err(err.into()),
        }
    }
}

/// One account, with the single 401 refresh-and-retry.
async fn compact_on(
    ctx: RelayContext<'_>,
    client: &UpstreamClient,
    grant: Grant,
    body: Bytes,
    call: &CallContext<'_>,
) -> Result<Bytes, UpstreamError> {
    let pool = ctx.state.pool();
    let err = match client.send_compact(&grant, body.clone(), call).await {
        Ok(json) => {
            pool.report(&grant, &AttemptOutcome::Success);
            return Ok(json);
        }
        Err(err) => err,
    };
    pool.report(&grant, &err.kind.outcome());
    if err.kind != UpstreamErrorKind::Unauthorized {
        return Err(err);
    }
    let grant = pool
        .after_unauthorized(ctx.state, grant)
        .await
        .map_err(|_| err)?;
    let result = client.send_compact(&grant, body, call).await;
    let outcome = result
        .as_ref()
        .map_or_else(|e| e.kind.outcome(), |_| AttemptOutcome::Success);
    pool.report(&grant, &outcome);
    result
}

/// `GET /v1/models?client_version=…`: the upstream manifest, verbatim, from any account.
pub async fn manifest(
    ctx: RelayContext<'_>,
    client_version: &str,
) -> Result<ManifestReply, RelayError> {
    let client = ctx
        .api
        .upstream()
        .map_err(|e| RelayError::Misconfigured(e.to_string()))?;
    let mut tried = Vec::new();
    let mut last: Option<RelayError> = None;
    while tried.len() < MANIFEST_ATTEMPTS {
        let pick = PickRequest {
            model: MANIFEST_PICK_MODEL,
            exclude: &tried,
            affinity_key: None,
        };
        let grant = match ctx.state.pool().acquire(ctx.state, &pick).await {
            Ok(grant) => grant,
            Err(err) => return Err(last.unwrap_or(RelayError::Pool(err))),
        };
        tried.push(grant.account_id);
        match client.models_manifest(&grant, client_version).await {
            // An account-side refusal says nothing about the manifest: try another account.
            Ok(reply) if matches!(reply.status, 401 | 402 | 403 | 429) || reply.status >= 500 => {
                last = Some(RelayError::Upstream(UpstreamError {
                    status: Some(reply.status),
                    kind: UpstreamErrorKind::ServerError,
                    message: None,
                }));
            }
            Ok(reply) => return Ok(reply),
            Err(err) => last = Some(err.into()),
        }
    }
    Err(last.unwrap_or_else(|| {
        RelayError::Upstream(UpstreamError::transport(
            "no account could fetch the manifest",
        ))
    }))
}
