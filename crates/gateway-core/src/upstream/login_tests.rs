use super::*;

fn query_of(url: &str) -> Vec<(String, String)> {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[test]
fn pkce_shapes() {
    let p = PkceCodes::generate();
    assert_eq!(p.verifier.len(), 86); // 64 bytes, base64url, no padding
    assert!(p
        .verifier
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    assert_eq!(p.challenge, pkce_challenge(&p.verifier));
    assert_eq!(p.challenge.len(), 43);
    assert_ne!(PkceCodes::generate().verifier, p.verifier);
    assert_eq!(generate_state().len(), 43); // 32 bytes
                                            // RFC 7636 appendix B.
    assert_eq!(
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let shown = format!("{p:?}");
    assert!(!shown.contains(&p.verifier) && shown.contains(&p.challenge));
}

#[test]
fn authorize_url_has_every_parameter_in_order() {
    let url = authorize_url(&AuthorizeRequest {
        authorize_url: AUTHORIZE_URL,
        redirect_uri: DEFAULT_REDIRECT_URI,
        state: "st",
        code_challenge: "ch",
        originator: DEFAULT_ORIGINATOR,
        allowed_workspace_ids: &[],
    })
    .unwrap();
    assert!(url.starts_with("https://auth.openai.com/oauth/authorize?response_type=code&"));
    assert!(url.contains("scope=openid%20profile%20email%20offline_access%20api.connectors.read%20api.connectors.invoke"));
    assert!(url.contains("redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fauth%2Fcallback"));
    let expected = [
        ("response_type", "code"),
        ("client_id", CODEX_CLIENT_ID),
        ("redirect_uri", DEFAULT_REDIRECT_URI),
        ("scope", LOGIN_SCOPES),
        ("code_challenge", "ch"),
        ("code_challenge_method", "S256"),
        ("id_token_add_organizations", "true"),
        ("codex_cli_simplified_flow", "true"),
        ("state", "st"),
        ("originator", "codex_cli_rs"),
    ];
    let got = query_of(&url);
    let want: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn allowed_workspaces_are_comma_joined() {
    let ids = vec!["ws-1".to_owned(), " ".to_owned(), "ws-2".to_owned()];
    let url = authorize_url(&AuthorizeRequest {
        authorize_url: "http://127.0.0.1:9/oauth/authorize",
        redirect_uri: FALLBACK_REDIRECT_URI,
        state: "s",
        code_challenge: "c",
        originator: "switchyard",
        allowed_workspace_ids: &ids,
    })
    .unwrap();
    let got = query_of(&url);
    assert_eq!(
        got.last().unwrap(),
        &("allowed_workspace_id".to_owned(), "ws-1,ws-2".to_owned())
    );
    assert!(url.starts_with("http://127.0.0.1:9/oauth/authorize?"));
}

#[test]
fn pending_login_ties_url_state_and_challenge() {
    let login = PendingLogin::start(
        AUTHORIZE_URL,
        DEFAULT_REDIRECT_URI,
        "codex_cli_rs",
        &[],
        100,
    )
    .unwrap();
    let q = query_of(&login.auth_url);
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("state"), login.state);
    assert_eq!(get("code_challenge"), pkce_challenge(&login.pkce.verifier));
    assert!(!login.is_expired(100 + PENDING_LOGIN_TTL_SECS));
    assert!(login.is_expired(101 + PENDING_LOGIN_TTL_SECS));
    assert!(!format!("{login:?}").contains(&login.pkce.verifier));
    assert_eq!(
        PendingLogin::start("not a url", DEFAULT_REDIRECT_URI, "o", &[], 0),
        Err(LoginError::BadAuthorizeUrl)
    );
}

#[test]
fn parses_pasted_callback_urls() {
    let p = parse_callback(
        "  http://localhost:1455/auth/callback?code=ac_abc-123&scope=openid&state=xyz \n",
    )
    .unwrap();
    assert_eq!(p.code, "ac_abc-123");
    assert_eq!(p.state.as_deref(), Some("xyz"));
    let p = parse_callback("/auth/callback?code=a%2Bb&state=s").unwrap();
    assert_eq!(p.code, "a+b");
    let p = parse_callback("code=c1&state=s1").unwrap();
    assert_eq!((p.code.as_str(), p.state.as_deref()), ("c1", Some("s1")));
    let p = parse_callback("http://localhost:1455/auth/callback?code=c2#frag").unwrap();
    assert_eq!((p.code.as_str(), p.state), ("c2", None));
}

#[test]
fn parses_bare_codes() {
    let p = parse_callback("ac_Zm9vYmFy.baz-qux_1").unwrap();
    assert_eq!(p.code, "ac_Zm9vYmFy.baz-qux_1");
    assert_eq!(p.state, None);
    assert_eq!(parse_callback("two words"), Err(LoginError::Unrecognised));
    assert_eq!(parse_callback("   "), Err(LoginError::Empty));
}

#[test]
fn reports_missing_code_and_provider_errors() {
    assert_eq!(
        parse_callback("http://localhost:1455/auth/callback?state=s"),
        Err(LoginError::MissingCode)
    );
    assert_eq!(
        parse_callback("http://localhost:1455/auth/callback?error=access_denied&error_description=User+cancelled&state=s"),
        Err(LoginError::Denied { error: "access_denied".into(), description: Some("User cancelled".into()) })
    );
    assert_eq!(parse_callback("http://[bad"), Err(LoginError::Unrecognised));
}

#[test]
fn state_check() {
    let with = CallbackParams {
        code: "c".into(),
        state: Some("s1".into()),
    };
    assert_eq!(with.check_state("s1"), Ok(()));
    assert_eq!(with.check_state("s2"), Err(LoginError::StateMismatch));
    let bare = CallbackParams {
        code: "c".into(),
        state: None,
    };
    assert_eq!(bare.check_state("anything"), Ok(()));
    assert!(!format!("{with:?}").contains("\"c\""));
}
