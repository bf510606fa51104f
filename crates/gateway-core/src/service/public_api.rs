//! The long-lived parts of the public API that are not in `AppState`: the Codex HTTP client
//! (its per-account connection pools), the cached API-key directory and our rate limiters.
//! Built once per router and shared by the public routes and the admin key routes.

use std::sync::Arc;

use crate::config::Config;
use crate::service::api_keys::limits::Limits;
use crate::service::api_keys::KeyDirectory;
use crate::service::relay::history::ResponseHistory;
use crate::upstream::client::UpstreamClient;
use crate::upstream::endpoints::EndpointError;

pub struct PublicApi {
    upstream: Result<UpstreamClient, EndpointError>,
    pub keys: KeyDirectory,
    pub limits: Limits,
    /// Conversations kept for `previous_response_id` (translation.md §6.3).
    pub history: ResponseHistory,
}

impl PublicApi {
    /// A misconfigured upstream URL does not stop the gateway (the admin API must still work
    /// to fix things); relay requests answer 503 instead.
    pub fn new(config: &Config) -> Arc<Self> {
        let upstream = UpstreamClient::new(&config.upstream_base_url);
        if let Err(err) = &upstream {
            tracing::error!(error = %err, "CODEX_UPSTREAM_BASE_URL cannot be used; relay routes answer 503");
        }
        Arc::new(Self {
            upstream,
            keys: KeyDirectory::new(),
            limits: Limits,
            history: ResponseHistory::new(),
        })
    }

    pub fn upstream(&self) -> Result<&UpstreamClient, &EndpointError> {
        self.upstream.as_ref()
    }
}
