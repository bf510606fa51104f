//! The JSON import shapes: a flat entry, an array of them, Sub2API's
//! `{"accounts":[{"name","credentials":{…}}]}`, CLIProxyAPI credential files and the Codex
//! CLI's `auth.json` (`{"tokens":{…}}`). Keys are read in snake_case and camelCase.

use serde_json::{Map, Value};

use super::text::{check_access_token, check_refresh_token};
use super::{ImportCandidate, ImportError, ImportParse};
use crate::upstream::timestamp::{parse_rfc3339, unix_seconds_from_number};

type Object = Map<String, Value>;

/// Sub2API and CLIProxyAPI keep other providers' credentials in the same export; these
/// `type` values name them, so such entries are reported rather than failing obscurely.
const OTHER_PROVIDER_TYPES: [&str; 9] = [
    "claude",
    "anthropic",
    "gemini",
    "gemini-cli",
    "qwen",
    "iflow",
    "antigravity",
    "vertex",
    "kimi",
];

/// Parses the whole document; `access_only` is the `json_at` format.
pub(super) fn parse(text: &str, access_only: bool) -> Result<ImportParse, ImportError> {
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| ImportError::Unparseable(format!("invalid JSON: {e}")))?;
    let entries: Vec<&Value> = match &doc {
        Value::Array(items) => items.iter().collect(),
        Value::Object(obj) => match obj.get("accounts") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(_) => return Err(unparseable("`accounts` must be an array")),
            None => vec![&doc],
        },
        _ => return Err(unparseable("expected a JSON object or an array of objects")),
    };
    if entries.is_empty() {
        return Err(unparseable("the file contains no accounts"));
    }
    let mut out = ImportParse::default();
    for (i, entry) in entries.into_iter().enumerate() {
        let position = i + 1;
        let result = match entry {
            Value::Object(obj) => candidate(obj, access_only),
            _ => Err("entry is not a JSON object".to_owned()),
        };
        match result {
            Ok(c) => out.entries.push(ImportCandidate { position, ..c }),
            Err(reason) => out.reject(position, reason),
        }
    }
    Ok(out)
}

fn unparseable(reason: &str) -> ImportError {
    ImportError::Unparseable(reason.to_owned())
}

/// Where an entry's fields may live, most specific first: Sub2API's `credentials`, the
/// Codex CLI's `tokens`, then the entry itself (CLIProxyAPI and flat entries).
fn views(entry: &Object) -> Vec<&Object> {
    let nested = ["credentials", "tokens"]
        .into_iter()
        .filter_map(|k| entry.get(k)?.as_object());
    nested.chain(std::iter::once(entry)).collect()
}

fn text_of(value: &Value) -> Option<String> {
    let s = value.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The first non-empty string under any of `keys` in any view.
fn field(views: &[&Object], keys: &[&str]) -> Option<String> {
    views
        .iter()
        .find_map(|v| keys.iter().find_map(|k| v.get(*k).and_then(text_of)))
}

/// The first non-empty string at `parent.key` in any view (`user.email`, `account.id`).
fn nested(views: &[&Object], parent: &str, keys: &[&str]) -> Option<String> {
    let parents: Vec<&Object> = views
        .iter()
        .filter_map(|v| v.get(parent).and_then(Value::as_object))
        .collect();
    field(&parents, keys)
}

/// RFC 3339, unix seconds or milliseconds, as a number or a numeric string.
fn timestamp(views: &[&Object], keys: &[&str]) -> Option<i64> {
    let value = views
        .iter()
        .find_map(|v| keys.iter().find_map(|k| v.get(*k)))?;
    match value {
        Value::Number(n) => n.as_i64().map(unix_seconds_from_number),
        Value::String(s) => {
            parse_rfc3339(s).or_else(|| s.trim().parse::<i64>().ok().map(unix_seconds_from_number))
        }
        _ => None,
    }
}

/// Reads one flat (or Sub2API) entry. The error is a human reason that quotes no token.
fn candidate(entry: &Object, access_only: bool) -> Result<ImportCandidate, String> {
    check_provider(entry)?;
    let v = views(entry);
    let mut refresh_token = field(&v, &["refresh_token", "refreshToken"]);
    let mut id_token = field(&v, &["id_token", "idToken"]);
    let mut access_token = field(&v, &["access_token", "accessToken"]);
    let session_token = field(&v, &["session_token", "sessionToken"]);
    if access_only {
        // json_at: only the access token is trusted; a refresh or id token from the same
        // file might belong to another account, so both are dropped.
        refresh_token = None;
        id_token = None;
    }
    if let Some(rt) = &refresh_token {
        check_refresh_token(rt).map_err(|why| format!("refresh_token {why}"))?;
        // A bad access token next to a good refresh token is harmless: the first refresh
        // replaces it.
        access_token = access_token.filter(|at| check_access_token(at).is_ok());
    } else if let Some(at) = &access_token {
        check_access_token(at).map_err(|why| format!("access_token {why}"))?;
    } else {
        return Err(missing_token_reason(access_only, session_token.is_some()));
    }
    Ok(ImportCandidate {
        position: 0,
        name: field(&[entry], &["name"]).or_else(|| nested(&v, "user", &["name"])),
        refresh_token,
        access_token,
        id_token,
        email: field(&v, &["email"]).or_else(|| nested(&v, "user", &["email"])),
        account_id: field(
            &v,
            &[
                "account_id",
                "accountId",
                "chatgpt_account_id",
                "chatgptAccountId",
            ],
        )
        .or_else(|| nested(&v, "account", &["id"]))
        // Same rule as for JWT claims: a `user-` id names a user, not a workspace.
        .filter(|id| !id.starts_with("user-")),
        user_id: field(
            &v,
            &["chatgpt_user_id", "chatgptUserId", "user_id", "userId"],
        )
        .or_else(|| nested(&v, "user", &["id"])),
        plan_type: field(
            &v,
            &[
                "plan_type",
                "planType",
                "chatgpt_plan_type",
                "chatgptPlanType",
            ],
        )
        .or_else(|| nested(&v, "account", &["plan_type", "planType"])),
        expires_at: timestamp(&v, &["expired", "expires_at", "expiresAt", "expires"]),
    })
}

fn missing_token_reason(access_only: bool, has_session_token: bool) -> String {
    if access_only {
        "no access_token (json_at trusts only access tokens)".to_owned()
    } else if has_session_token {
        "only a session_token: session tokens are not supported, import a refresh token".to_owned()
    } else {
        "no refresh_token or access_token".to_owned()
    }
}

/// Refuses entries that belong to another provider (Sub2API `platform`, CLIProxyAPI `type`).
fn check_provider(entry: &Object) -> Result<(), String> {
    if let Some(platform) = entry.get("platform").and_then(text_of) {
        if !platform.eq_ignore_ascii_case("openai") {
            return Err(format!("platform `{}` is not supported", short(&platform)));
        }
    }
    if let Some(kind) = entry.get("type").and_then(text_of) {
        if OTHER_PROVIDER_TYPES.contains(&kind.to_ascii_lowercase().as_str()) {
            return Err(format!(
                "`{}` credentials are not Codex credentials",
                short(&kind)
            ));
        }
    }
    Ok(())
}

/// Keeps quoted file content short in messages.
fn short(s: &str) -> String {
    s.chars().take(32).collect()
}
