use super::*;
use crate::upstream::jwt::AccountIdentity;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/import/", $name)).as_slice()
    };
}

fn positions(p: &ImportParse) -> Vec<usize> {
    p.entries.iter().map(|c| c.position).collect()
}

fn error_lines(p: &ImportParse) -> Vec<usize> {
    p.errors.iter().map(|e| e.line_or_index).collect()
}

fn unparseable(r: Result<ImportParse, ImportError>) -> String {
    match r {
        Err(ImportError::Unparseable(why)) => why,
        other => panic!("expected Unparseable, got {other:?}"),
    }
}

#[test]
fn format_names_round_trip() {
    for f in [
        ImportFormat::Txt,
        ImportFormat::AtTxt,
        ImportFormat::Json,
        ImportFormat::JsonAt,
    ] {
        assert_eq!(ImportFormat::parse(f.as_str()), Some(f));
    }
    assert_eq!(ImportFormat::parse(" JSON "), Some(ImportFormat::Json));
    assert_eq!(ImportFormat::parse("csv"), None);
}

#[test]
fn txt_strips_bom_skips_comments_and_dedupes() {
    let p = parse_import(ImportFormat::Txt, fixture!("refresh_tokens.txt")).unwrap();
    assert_eq!(positions(&p), [3, 4, 6, 11]);
    assert_eq!(p.duplicates, 1);
    assert_eq!(error_lines(&p), [9, 10]);
    assert!(p.errors[0].reason.contains("JWT"), "{:?}", p.errors[0]);
    assert!(p.errors[1].reason.contains("whitespace"));
    for c in &p.entries {
        let rt = c.refresh_token.as_deref().unwrap();
        assert!(rt.starts_with("rt_") && rt.trim() == rt && !rt.contains('\u{feff}'));
        assert_eq!(c.access_token, None);
        assert_eq!(c.kind(), CredentialKind::RefreshToken);
    }
}

#[test]
fn at_txt_accepts_jwts_and_opaque_tokens() {
    let p = parse_import(ImportFormat::AtTxt, fixture!("access_tokens.txt")).unwrap();
    assert_eq!(positions(&p), [2, 4, 5]);
    assert_eq!(p.duplicates, 1);
    assert_eq!(error_lines(&p), [7, 8, 9]);
    assert!(p.errors[1].reason.contains("malformed JWT"));
    assert!(p.entries[1]
        .access_token
        .as_deref()
        .unwrap()
        .starts_with("at-"));
    assert!(p
        .entries
        .iter()
        .all(|c| c.kind() == CredentialKind::AccessToken));
}

#[test]
fn cliproxyapi_credential_file() {
    let p = parse_import(ImportFormat::Json, fixture!("cliproxyapi_codex.json")).unwrap();
    assert!(p.errors.is_empty());
    let [c] = p.entries.as_slice() else {
        panic!("{p:?}")
    };
    assert_eq!(c.position, 1);
    assert_eq!(c.email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        c.account_id.as_deref(),
        Some("3f1c2a9e-6b7d-4c1e-9a2b-5d8e7f6a1b2c")
    );
    // "2026-01-24T10:13:20+08:00"
    assert_eq!(c.expires_at, Some(1_769_220_800));
    assert!(c.refresh_token.is_some() && c.access_token.is_some() && c.id_token.is_some());
    // The tokens themselves agree with the hints.
    let who = AccountIdentity::from_tokens_at(
        c.id_token.as_deref(),
        c.access_token.as_deref(),
        1_768_400_100,
    );
    assert_eq!(who.email.as_deref(), Some("alice@example.com"));
    assert_eq!(who.plan_type.as_deref(), Some("plus"));
    assert_eq!(
        who.identity_key(c.refresh_token.as_deref(), None)
            .as_deref(),
        Some("acct:3f1c2a9e-6b7d-4c1e-9a2b-5d8e7f6a1b2c:user-Qm9vYmFyQmF6cXV4MTIz")
    );
}

#[test]
fn codex_cli_auth_json() {
    let p = parse_import(ImportFormat::Json, fixture!("codex_auth.json")).unwrap();
    let [c] = p.entries.as_slice() else {
        panic!("{p:?}")
    };
    assert!(c.refresh_token.as_deref().unwrap().starts_with("rt_"));
    assert_eq!(
        c.account_id.as_deref(),
        Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    );
}

#[test]
fn flat_array_reads_every_key_variant() {
    let p = parse_import(ImportFormat::Json, fixture!("flat_array.json")).unwrap();
    assert_eq!(positions(&p), [1, 2, 3]);
    assert_eq!(p.duplicates, 1);
    assert_eq!(error_lines(&p), [4, 5, 7, 8]);
    let [a, b, c] = p.entries.as_slice() else {
        unreachable!()
    };
    assert_eq!(
        (a.name.as_deref(), a.plan_type.as_deref()),
        (Some("alice-plus"), Some("plus"))
    );
    assert_eq!(a.expires_at, Some(1_769_264_000));
    // camelCase keys and `user.{email,id,name}`.
    assert_eq!(b.name.as_deref(), Some("Bob"));
    assert_eq!(b.email.as_deref(), Some("bob@example.com"));
    assert_eq!(b.user_id.as_deref(), Some("user-WmFwcGVkQnlUaGVMYXc0"));
    assert_eq!(
        b.account_id.as_deref(),
        Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
    );
    assert_eq!(b.plan_type.as_deref(), Some("pro"));
    assert!(b.refresh_token.is_some() && b.id_token.is_some());
    // `account.{plan_type,id}`, an access token alone, expiry in milliseconds.
    assert_eq!(c.kind(), CredentialKind::AccessToken);
    assert_eq!(c.plan_type.as_deref(), Some("team"));
    assert_eq!(
        c.account_id.as_deref(),
        Some("0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0")
    );
    assert_eq!(c.email.as_deref(), Some("carol@example.org"));
    assert_eq!(c.expires_at, Some(1_769_264_000));
    let reasons: Vec<&str> = p.errors.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons[0], "no refresh_token or access_token");
    assert_eq!(reasons[1], "entry is not a JSON object");
    assert!(reasons[2].contains("session tokens are not supported"));
    assert!(reasons[3].contains("not Codex credentials"));
}

#[test]
fn json_at_trusts_only_access_tokens() {
    let p = parse_import(ImportFormat::JsonAt, fixture!("flat_array.json")).unwrap();
    assert_eq!(positions(&p), [1, 2, 3]);
    assert_eq!(error_lines(&p), [4, 5, 6, 7, 8]);
    assert!(p.errors[2].reason.contains("json_at"));
    for c in &p.entries {
        assert_eq!(
            (c.refresh_token.as_deref(), c.id_token.as_deref()),
            (None, None)
        );
        assert!(c.access_token.is_some());
        assert_eq!(c.kind(), CredentialKind::AccessToken);
    }
}

#[test]
fn sub2api_export() {
    let p = parse_import(ImportFormat::Json, fixture!("sub2api.json")).unwrap();
    assert_eq!(positions(&p), [1, 2]);
    assert_eq!(error_lines(&p), [3]);
    assert!(p.errors[0].reason.contains("anthropic"));
    let [carol, bob] = p.entries.as_slice() else {
        unreachable!()
    };
    assert_eq!(carol.name.as_deref(), Some("codex-team-carol"));
    assert_eq!(carol.user_id.as_deref(), Some("user-U3dpdGNoeWFyZFRlc3Q1"));
    assert_eq!(carol.plan_type.as_deref(), Some("team"));
    assert_eq!(carol.expires_at, Some(1_769_220_800));
    assert!(carol.id_token.is_some());
    assert_eq!(bob.name.as_deref(), Some("codex-pro-bob"));
    assert_eq!(bob.expires_at, Some(1_769_220_800));
    assert_eq!(bob.id_token, None);
}

#[test]
fn whole_file_errors() {
    assert!(
        unparseable(parse_import(ImportFormat::Json, fixture!("malformed.json")))
            .starts_with("invalid JSON")
    );
    assert!(unparseable(parse_import(
        ImportFormat::Json,
        fixture!("wrong_shape.json")
    ))
    .contains("expected a JSON object"));
    assert!(unparseable(parse_import(
        ImportFormat::Json,
        fixture!("empty_array.json")
    ))
    .contains("no accounts"));
    assert!(unparseable(parse_import(
        ImportFormat::Json,
        fixture!("accounts_not_array.json")
    ))
    .contains("`accounts`"));
    assert!(unparseable(parse_import(ImportFormat::Txt, b"\xEF\xBB\xBF \n\n")).contains("empty"));
    assert!(
        unparseable(parse_import(ImportFormat::Txt, b"# only a comment\n")).contains("no tokens")
    );
    assert!(unparseable(parse_import(ImportFormat::Txt, b"rt_\xff\xfe")).contains("UTF-8"));
    assert!(unparseable(parse_import(ImportFormat::Json, b"")).contains("empty"));
}

#[test]
fn whole_file_errors_do_not_quote_tokens() {
    let why = unparseable(parse_import(ImportFormat::Json, fixture!("malformed.json")));
    assert!(!why.contains("rt_"), "{why}");
    let why = unparseable(parse_import(
        ImportFormat::Json,
        fixture!("wrong_shape.json"),
    ));
    assert!(!why.contains("rt_"), "{why}");
}

#[test]
fn create_body_accepts_up_to_100_tokens() {
    let text = std::str::from_utf8(fixture!("too_many_tokens.txt")).unwrap();
    assert_eq!(
        parse_refresh_token_field(text, None),
        Err(ImportError::TooManyTokens {
            count: 101,
            max: 100
        })
    );
    let hundred: String = text.lines().take(100).map(|l| format!("{l}\n")).collect();
    let p = parse_refresh_token_field(&hundred, Some(" main ")).unwrap();
    assert_eq!(p.entries.len(), 100);
    assert!(p.entries.iter().all(|c| c.name.as_deref() == Some("main")));
    assert!(matches!(
        parse_refresh_token_field(" \n# x\n", None),
        Err(ImportError::Unparseable(_))
    ));
}

#[test]
fn create_body_single_tokens() {
    let p = parse_refresh_token_field("rt_abc\r\nrt_abc\n", Some("")).unwrap();
    assert_eq!((p.entries.len(), p.duplicates), (1, 1));
    assert_eq!(p.entries[0].name, None);
    let p = parse_access_token_field("at-opaque-1\nrt_nope", Some("x")).unwrap();
    assert_eq!(positions(&p), [1]);
    assert_eq!(error_lines(&p), [2]);
    assert_eq!(p.entries[0].access_token.as_deref(), Some("at-opaque-1"));
}

#[test]
fn candidate_debug_redacts_tokens() {
    let p = parse_import(ImportFormat::Json, fixture!("cliproxyapi_codex.json")).unwrap();
    let c = &p.entries[0];
    let shown = format!("{c:?} {p:?} {p:#?}");
    for token in [&c.refresh_token, &c.access_token, &c.id_token] {
        let token = token.as_deref().unwrap();
        assert!(!shown.contains(token));
        assert!(!shown.contains(&token[..20]));
    }
    assert!(shown.contains("Some(<redacted>)") && shown.contains("alice@example.com"));
}

#[test]
fn line_errors_never_quote_tokens() {
    for (format, file) in [
        (ImportFormat::Txt, fixture!("refresh_tokens.txt")),
        (ImportFormat::AtTxt, fixture!("access_tokens.txt")),
        (ImportFormat::Json, fixture!("flat_array.json")),
    ] {
        let p = parse_import(format, file).unwrap();
        for e in &p.errors {
            assert!(
                !e.reason.contains("rt_") && !e.reason.contains("eyJ"),
                "{e:?}"
            );
            assert!(!e.reason.contains("sk-ant"), "{e:?}");
        }
    }
}
