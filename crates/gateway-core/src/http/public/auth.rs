//! Public-API authentication and our own limits, in the order of scheduling.md §12: the API
//! key first (so unauthenticated traffic cannot drain the global bucket), then the global
//! RPM bucket, the key's RPM bucket and the key's in-flight cap. `/v1/models` and
//! `count_tokens` are exempt from the limits but still need a key.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::Response;
use axum::Extension;

use super::error::{ApiError, Flavor};
use crate::service::api_keys::limits::ConcurrencySlot;
use crate::service::api_keys::Authenticated;
use crate::service::public_api::PublicApi;
use crate::state::AppState;

/// The authenticated caller, for handlers.
#[derive(Clone)]
pub struct Caller(pub Arc<Authenticated>);

/// The key's in-flight slot; handlers move it into the answer so it lives as long as the
/// stream does.
#[derive(Clone, Default)]
pub struct KeySlot {
    /// Read by nobody: it frees the slot when the last clone drops.
    _slot: Option<Arc<ConcurrencySlot>>,
}

pub async fn require_api_key(
    State(state): State<AppState>,
    Extension(api): Extension<Arc<PublicApi>>,
    mut req: Request,
    next: Next,
) -> Response {
    let flavor = Flavor::of_path(req.uri().path());
    let presented = presented_key(req.headers());
    let now_ms = crate::service::now_ms();
    let allow_anonymous = state.config().allow_anonymous;
    let caller = match api
        .keys
        .authenticate(
            state.store().as_ref(),
            presented.as_deref(),
            allow_anonymous,
            now_ms,
        )
        .await
    {
        Ok(caller) => caller,
        Err(err) => return ApiError::from(err).render(flavor),
    };
    let path = req.uri().path();
    let exempt = path.ends_with("/models") || path.ends_with("/count_tokens");
    let mut slot = KeySlot::default();
    if !exempt {
        match limit(&state, &api, &caller).await {
            Ok(held) => slot = held,
            Err(err) => return err.render(flavor),
        }
    }
    req.extensions_mut().insert(Caller(Arc::new(caller)));
    req.extensions_mut().insert(slot);
    next.run(req).await
}

async fn limit(
    state: &AppState,
    api: &PublicApi,
    caller: &Authenticated,
) -> Result<KeySlot, ApiError> {
    let cache = state.cache().as_ref();
    api.limits
        .check_global(cache, state.runtime_settings().global_rpm)
        .await?;
    let Authenticated::Key(key) = caller else {
        return Ok(KeySlot::default());
    };
    api.limits.check_key_rpm(cache, key.id, key.rpm).await?;
    let slot = api
        .limits
        .acquire_slot(state.pool().leases(state), key.id, key.max_concurrency)
        .await?;
    Ok(KeySlot {
        _slot: Some(Arc::new(slot)),
    })
}

/// `Authorization: Bearer`, then `x-api-key`, then `anthropic-auth-token`; first present wins.
fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let auth = auth.trim();
        let token = match auth.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => auth,
        };
        return Some(token.to_owned());
    }
    ["x-api-key", "anthropic-auth-token"]
        .iter()
        .find_map(|name| headers.get(*name).and_then(|v| v.to_str().ok()))
        .map(|v| v.trim().to_owned())
}
