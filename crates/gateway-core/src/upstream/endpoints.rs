//! The Codex backend URLs, derived once from the configured `upstream_base_url`
//! (`CODEX_UPSTREAM_BASE_URL`) so a mock at the same base serves all of them
//! (upstream.md §1, §5.5).

use url::Url;

/// Why a base URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    #[error("upstream base URL is not a valid URL")]
    Invalid,
    #[error("upstream base URL must use http or https")]
    Scheme,
    #[error("upstream base URL must not carry a query or fragment")]
    QueryOrFragment,
}

/// Every upstream URL Switchyard calls on the Codex backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamEndpoints {
    base: String,
    responses: String,
    compact: String,
    models: String,
    wham_usage: String,
}

impl UpstreamEndpoints {
    /// Derives the URLs from a base such as `https://chatgpt.com/backend-api/codex`.
    /// Trailing slashes are ignored.
    pub fn new(base_url: &str) -> Result<Self, EndpointError> {
        let parsed = Url::parse(base_url.trim()).map_err(|_| EndpointError::Invalid)?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(EndpointError::Scheme);
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(EndpointError::QueryOrFragment);
        }
        let base = base_url.trim().trim_end_matches('/').to_owned();
        Ok(Self {
            responses: format!("{base}/responses"),
            compact: format!("{base}/responses/compact"),
            models: format!("{base}/models"),
            wham_usage: wham_usage_url(&base),
            base,
        })
    }

    /// The base as configured, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `POST …/responses` (SSE).
    pub fn responses(&self) -> &str {
        &self.responses
    }

    /// `POST …/responses/compact`.
    pub fn compact(&self) -> &str {
        &self.compact
    }

    /// `GET …/models?client_version=<ver>`; the version is query-encoded.
    pub fn models(&self, client_version: &str) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("client_version", client_version)
            .finish();
        format!("{}?{query}", self.models)
    }

    /// `GET …/wham/usage` (the quota probe).
    pub fn wham_usage(&self) -> &str {
        &self.wham_usage
    }
}

/// Replaces a trailing `/codex` with `/wham/usage` (upstream.md §5.5). A base without that
/// suffix (e.g. `…/backend-api`) gets `/wham/usage` appended: the probe lives beside the
/// Codex routes, under the same backend prefix, which is what the CLI's backend client does
/// for any base that contains `/backend-api`.
fn wham_usage_url(base: &str) -> String {
    let root = base.strip_suffix("/codex").unwrap_or(base);
    format!("{root}/wham/usage")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_base_gives_the_documented_urls() {
        let e = UpstreamEndpoints::new("https://chatgpt.com/backend-api/codex").unwrap();
        assert_eq!(
            e.responses(),
            "https://chatgpt.com/backend-api/codex/responses"
        );
        assert_eq!(
            e.compact(),
            "https://chatgpt.com/backend-api/codex/responses/compact"
        );
        assert_eq!(
            e.models("0.128.0"),
            "https://chatgpt.com/backend-api/codex/models?client_version=0.128.0"
        );
        assert_eq!(e.wham_usage(), "https://chatgpt.com/backend-api/wham/usage");
    }

    #[test]
    fn mock_base_with_trailing_slash() {
        let e = UpstreamEndpoints::new("http://127.0.0.1:4000/backend-api/codex/").unwrap();
        assert_eq!(e.base(), "http://127.0.0.1:4000/backend-api/codex");
        assert_eq!(
            e.wham_usage(),
            "http://127.0.0.1:4000/backend-api/wham/usage"
        );
        assert_eq!(
            e.responses(),
            "http://127.0.0.1:4000/backend-api/codex/responses"
        );
    }

    #[test]
    fn base_without_codex_suffix_appends_the_probe() {
        let e = UpstreamEndpoints::new("https://proxy.example/backend-api").unwrap();
        assert_eq!(
            e.wham_usage(),
            "https://proxy.example/backend-api/wham/usage"
        );
        // Only a whole trailing path segment counts.
        let e = UpstreamEndpoints::new("https://proxy.example/mycodex").unwrap();
        assert_eq!(e.wham_usage(), "https://proxy.example/mycodex/wham/usage");
    }

    #[test]
    fn client_version_is_query_encoded() {
        let e = UpstreamEndpoints::new("https://chatgpt.com/backend-api/codex").unwrap();
        assert!(e
            .models("1.0 beta&x")
            .ends_with("?client_version=1.0+beta%26x"));
    }

    #[test]
    fn bad_bases_are_refused() {
        assert_eq!(
            UpstreamEndpoints::new("not a url"),
            Err(EndpointError::Invalid)
        );
        assert_eq!(
            UpstreamEndpoints::new("ftp://x/codex"),
            Err(EndpointError::Scheme)
        );
        assert_eq!(
            UpstreamEndpoints::new("https://x/codex?a=1"),
            Err(EndpointError::QueryOrFragment)
        );
    }
}
