//! The browser login (authorization code with PKCE, upstream.md §4.2): verifier, challenge
//! and state generation, the authorize URL, and reading the callback URL the user pastes
//! back when the browser could not reach `localhost`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use url::Url;

use super::oauth::CODEX_CLIENT_ID;

/// OpenAI's authorize endpoint.
pub const AUTHORIZE_URL: &str = "https://auth.openai.com/oauth/authorize";
/// The registered redirect URI; used verbatim, also on the server.
pub const DEFAULT_REDIRECT_URI: &str = "http://localhost:1455/auth/callback";
/// The CLI's registered fallback when port 1455 is busy.
pub const FALLBACK_REDIRECT_URI: &str = "http://localhost:1457/auth/callback";
/// The CLI's scope set (since March 2026); `offline_access` yields the refresh token.
pub const LOGIN_SCOPES: &str =
    "openid profile email offline_access api.connectors.read api.connectors.invoke";
/// The originator the CLI sends.
pub const DEFAULT_ORIGINATOR: &str = "codex_cli_rs";
/// How long a pending login (state, verifier) stays usable.
pub const PENDING_LOGIN_TTL_SECS: i64 = 30 * 60;

fn random_b64(len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A PKCE pair. The verifier is a secret until the exchange: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct PkceCodes {
    pub verifier: String,
    pub challenge: String,
}

impl PkceCodes {
    /// 64 random bytes, base64url without padding (86 characters), like the CLI.
    pub fn generate() -> Self {
        let verifier = random_b64(64);
        Self {
            challenge: pkce_challenge(&verifier),
            verifier,
        }
    }
}

impl std::fmt::Debug for PkceCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkceCodes")
            .field("verifier", &format_args!("<redacted>"))
            .field("challenge", &self.challenge)
            .finish()
    }
}

/// S256: base64url without padding of sha256(verifier).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes, base64url without padding.
pub fn generate_state() -> String {
    random_b64(32)
}

/// What goes into an authorize URL besides the fixed parameters.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest<'a> {
    /// Usually [`AUTHORIZE_URL`]; configurable for tests.
    pub authorize_url: &'a str,
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub code_challenge: &'a str,
    pub originator: &'a str,
    /// Restricts the login to these workspaces; empty = no restriction (parameter omitted).
    pub allowed_workspace_ids: &'a [String],
}

/// Builds the authorize URL with every parameter of the upstream.md §4.2 table, in the
/// CLI's order. Spaces are encoded as `%20`, as the CLI does, rather than the form `+`.
pub fn authorize_url(req: &AuthorizeRequest<'_>) -> Result<String, LoginError> {
    let mut url = Url::parse(req.authorize_url).map_err(|_| LoginError::BadAuthorizeUrl)?;
    let workspaces: Vec<&str> = req
        .allowed_workspace_ids
        .iter()
        .map(|w| w.trim())
        .filter(|w| !w.is_empty())
        .collect();
    let workspaces = workspaces.join(",");
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", CODEX_CLIENT_ID),
        ("redirect_uri", req.redirect_uri),
        ("scope", LOGIN_SCOPES),
        ("code_challenge", req.code_challenge),
        ("code_challenge_method", "S256"),
        ("id_token_add_organizations", "true"),
        ("codex_cli_simplified_flow", "true"),
        ("state", req.state),
        ("originator", req.originator),
    ];
    if !workspaces.is_empty() {
        params.push(("allowed_workspace_id", &workspaces));
    }
    let encode = |s: &str| {
        // `byte_serialize` writes a literal `+` as `%2B`, so every `+` left is a space.
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    url.set_query(Some(&query.join("&")));
    Ok(url.into())
}

/// A login in progress: what the server keeps (for [`PENDING_LOGIN_TTL_SECS`]) between
/// handing out the URL and receiving the code.
#[derive(Clone, PartialEq, Eq)]
pub struct PendingLogin {
    pub state: String,
    pub pkce: PkceCodes,
    pub redirect_uri: String,
    pub auth_url: String,
    /// Unix seconds.
    pub created_at: i64,
}

impl PendingLogin {
    /// Fresh state and PKCE pair, and the URL to open.
    pub fn start(
        authorize_base: &str,
        redirect_uri: &str,
        originator: &str,
        allowed_workspace_ids: &[String],
        now: i64,
    ) -> Result<Self, LoginError> {
        let state = generate_state();
        let pkce = PkceCodes::generate();
        let auth_url = authorize_url(&AuthorizeRequest {
            authorize_url: authorize_base,
            redirect_uri,
            state: &state,
            code_challenge: &pkce.challenge,
            originator,
            allowed_workspace_ids,
        })?;
        Ok(Self {
            state,
            pkce,
            redirect_uri: redirect_uri.to_owned(),
            auth_url,
            created_at: now,
        })
    }

    pub fn is_expired(&self, now: i64) -> bool {
        now - self.created_at > PENDING_LOGIN_TTL_SECS
    }
}

impl std::fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingLogin")
            .field("state", &self.state)
            .field("pkce", &self.pkce)
            .field("redirect_uri", &self.redirect_uri)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// What the user pasted: the code, and the state when a whole URL or query was pasted.
/// The code is a one-time secret: `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackParams {
    pub code: String,
    pub state: Option<String>,
}

impl std::fmt::Debug for CallbackParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackParams")
            .field("code", &format_args!("<redacted>"))
            .field("state", &self.state)
            .finish()
    }
}

impl CallbackParams {
    /// Checks the pasted state against the pending login's, in constant time. A bare code
    /// has no state: it is accepted, because the pending login was already chosen by its
    /// session id and the PKCE verifier still binds the code to this login.
    pub fn check_state(&self, expected: &str) -> Result<(), LoginError> {
        match &self.state {
            None => Ok(()),
            Some(got) if bool::from(got.as_bytes().ct_eq(expected.as_bytes())) => Ok(()),
            Some(_) => Err(LoginError::StateMismatch),
        }
    }
}

/// Login failures. None carries a code, verifier or token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("authorize URL is not a valid URL")]
    BadAuthorizeUrl,
    #[error("nothing was pasted")]
    Empty,
    #[error("the pasted URL has no `code` parameter")]
    MissingCode,
    #[error("the pasted text is neither a callback URL nor an authorization code")]
    Unrecognised,
    /// The provider redirected with `error=…` (e.g. the user cancelled).
    #[error("sign-in was refused: {error}")]
    Denied {
        error: String,
        description: Option<String>,
    },
    #[error("state does not match this login; start again")]
    StateMismatch,
}

/// Reads a pasted callback: a full URL (`http://localhost:1455/auth/callback?code=…&state=…`),
/// a path or query (`/auth/callback?code=…`, `code=…&state=…`), or a bare code.
pub fn parse_callback(input: &str) -> Result<CallbackParams, LoginError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(LoginError::Empty);
    }
    let query = if text.contains("://") {
        let url = Url::parse(text).map_err(|_| LoginError::Unrecognised)?;
        url.query().unwrap_or_default().to_owned()
    } else if let Some((_, query)) = text.split_once('?') {
        query.to_owned()
    } else if text.contains('=') {
        text.to_owned()
    } else {
        return bare_code(text);
    };
    // Some browsers show the parameters after `#`; the fragment is not part of the query.
    let query = query.split('#').next().unwrap_or_default();
    params_from_query(query)
}

fn bare_code(text: &str) -> Result<CallbackParams, LoginError> {
    let plausible = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.~".contains(c));
    if !plausible {
        return Err(LoginError::Unrecognised);
    }
    Ok(CallbackParams {
        code: text.to_owned(),
        state: None,
    })
}

fn params_from_query(query: &str) -> Result<CallbackParams, LoginError> {
    let (mut code, mut state, mut error, mut description) = (None, None, None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        match key.as_ref() {
            "code" => code = Some(value),
            "state" => state = Some(value),
            "error" => error = Some(value),
            "error_description" => description = Some(value),
            _ => {}
        }
    }
    if let Some(error) = error {
        return Err(LoginError::Denied { error, description });
    }
    let code = code.ok_or(LoginError::MissingCode)?;
    Ok(CallbackParams { code, state })
}

#[cfg(test)]
#[path = "login_tests.rs"]
mod tests;
