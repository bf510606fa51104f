//! Client-config editor tests on realistic files with comments and unrelated sections:
//! round trips, idempotence, backup and restore, the changed-since-plan guard, loop refusal.

use super::*;

const CODEX_SAMPLE: &str = r#"# Codex CLI configuration — hand-written, keep my comments!
model = "o4-mini"   # what I use day to day
approval_policy = "on-request"
model_provider = "openai"

[model_providers.ollama]
name = "Ollama"
base_url = "http://localhost:11434/v1"

# MCP servers I rely on
[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]

[profiles.fast]
model = "gpt-5-mini"
"#;

const CLAUDE_SAMPLE: &str = r#"{
  "permissions": {
    "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
    "deny": []
  },
  "env": {
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "ANTHROPIC_BASE_URL": "https://api.anthropic.com"
  },
  "model": "sonnet",
  "hooks": {}
}
"#;

fn target(port: u16) -> Target {
    Target {
        port,
        upstream_base_url: "https://chatgpt.com/backend-api/codex".to_owned(),
        keys_required: false,
        api_key: None,
        model: None,
    }
}

fn home_with(client: Client, text: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let path = client.path(home.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    home
}

#[test]
fn codex_edit_keeps_comments_and_unrelated_sections() {
    let out = codex::edit(CODEX_SAMPLE, &target(8708)).unwrap();
    let doc: toml_edit::DocumentMut = out.parse().unwrap();
    assert_eq!(doc["model_provider"].as_str(), Some("switchyard"));
    let p = &doc["model_providers"]["switchyard"];
    assert_eq!(p["base_url"].as_str(), Some("http://127.0.0.1:8708/v1"));
    assert_eq!(p["wire_api"].as_str(), Some("responses"));
    assert!(p.get("env_key").is_none(), "no keys configured: no env_key");
    // `model` is only written when the user picks one.
    assert_eq!(doc["model"].as_str(), Some("o4-mini"));
    for kept in [
        "# Codex CLI configuration — hand-written, keep my comments!",
        "# what I use day to day",
        "# MCP servers I rely on",
        "[mcp_servers.docs]",
        "args = [\"-y\", \"docs-mcp\"]",
        "[model_providers.ollama]",
        "[profiles.fast]",
        "approval_policy = \"on-request\"",
    ] {
        assert!(out.contains(kept), "lost {kept:?} in:\n{out}");
    }
    // Idempotent: a second run changes nothing.
    assert_eq!(codex::edit(&out, &target(8708)).unwrap(), out);
}

#[test]
fn codex_edit_sets_the_model_and_the_key_variable_when_asked() {
    let mut t = target(8710);
    t.model = Some("gpt-5".to_owned());
    t.keys_required = true;
    let out = codex::edit(CODEX_SAMPLE, &t).unwrap();
    let doc: toml_edit::DocumentMut = out.parse().unwrap();
    assert_eq!(doc["model"].as_str(), Some("gpt-5"));
    assert_eq!(
        doc["model_providers"]["switchyard"]["env_key"].as_str(),
        Some(codex::API_KEY_ENV)
    );
    // Keys turned off again: the env_key goes away.
    let off = codex::edit(&out, &target(8710)).unwrap();
    assert!(!off.contains("env_key"));
}

#[test]
fn codex_edit_of_an_empty_file_makes_a_minimal_config() {
    let out = codex::edit("", &target(8708)).unwrap();
    assert!(
        out.starts_with("model_provider = \"switchyard\"\n"),
        "{out}"
    );
    assert!(out.contains("[model_providers.switchyard]"));
    assert!(
        !out.contains("[model_providers]\n"),
        "no empty parent header:\n{out}"
    );
}

#[test]
fn claude_edit_owns_only_two_env_keys_and_keeps_order() {
    let out = claude::edit(CLAUDE_SAMPLE, &target(8708)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["env"]["ANTHROPIC_BASE_URL"], "http://127.0.0.1:8708");
    assert_eq!(v["env"]["ANTHROPIC_AUTH_TOKEN"], claude::PLACEHOLDER_TOKEN);
    assert_eq!(v["env"]["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"], "1");
    assert_eq!(v["permissions"]["allow"][0], "Bash(npm run test:*)");
    assert_eq!(v["model"], "sonnet");
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["permissions", "env", "model", "hooks"],
        "key order kept"
    );
    assert_eq!(
        claude::edit(&out, &target(8708)).unwrap(),
        out,
        "idempotent"
    );
}

#[test]
fn claude_uses_a_real_key_when_keys_are_on() {
    let mut t = target(8708);
    t.keys_required = true;
    assert!(matches!(claude::edit("{}", &t), Err(SetupError::KeyNeeded)));
    t.api_key = Some("sk-sy-real".to_owned());
    let out = claude::edit("", &t).unwrap();
    assert!(
        out.contains("\"ANTHROPIC_AUTH_TOKEN\": \"sk-sy-real\""),
        "{out}"
    );
}

#[test]
fn unparseable_files_are_left_alone() {
    assert!(matches!(
        codex::edit("model = [unclosed", &target(8708)),
        Err(SetupError::Unparseable(_))
    ));
    assert!(matches!(
        claude::edit("{\"env\": ", &target(8708)),
        Err(SetupError::Unparseable(_))
    ));
    assert!(matches!(
        claude::edit("{\"env\": \"x\"}", &target(8708)),
        Err(SetupError::Unparseable(_))
    ));
}

#[test]
fn plan_shows_a_diff_then_apply_backs_up_and_restore_puts_it_back() {
    let home = home_with(Client::Codex, CODEX_SAMPLE);
    let plan = plan(Client::Codex, home.path(), &target(8708)).unwrap();
    assert!(plan.changed);
    assert!(
        plan.diff.contains("-model_provider = \"openai\""),
        "{}",
        plan.diff
    );
    assert!(plan.diff.contains("+model_provider = \"switchyard\""));
    assert!(plan.diff.contains("+[model_providers.switchyard]"));
    // Nothing written by planning.
    let path = Client::Codex.path(home.path());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CODEX_SAMPLE);

    let applied = apply(&plan).unwrap();
    let backup = applied.backup.unwrap();
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), CODEX_SAMPLE);
    assert!(backup
        .to_string_lossy()
        .contains("config.toml.switchyard-backup-20"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), plan.after);

    // Re-planning after applying finds nothing to change.
    let again = super::plan(Client::Codex, home.path(), &target(8708)).unwrap();
    assert!(!again.changed);
    assert!(again.diff.is_empty());
    assert!(apply(&again).unwrap().backup.is_none());

    let restored_from = restore(Client::Codex, home.path()).unwrap();
    assert_eq!(restored_from, backup);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), CODEX_SAMPLE);
    // What the restore replaced is itself kept, so the restore can be undone.
    let left = backups(&path).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(std::fs::read_to_string(&left[0]).unwrap(), plan.after);
}

#[test]
fn apply_refuses_when_the_file_changed_after_the_diff_was_shown() {
    let home = home_with(Client::Claude, CLAUDE_SAMPLE);
    let plan = plan(Client::Claude, home.path(), &target(8708)).unwrap();
    let path = Client::Claude.path(home.path());
    std::fs::write(&path, "{\"model\": \"opus\"}\n").unwrap();
    assert!(matches!(apply(&plan), Err(SetupError::ChangedSincePlan)));
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "{\"model\": \"opus\"}\n"
    );
}

#[test]
fn a_missing_file_is_created_and_restore_without_backup_says_so() {
    let home = tempfile::tempdir().unwrap();
    let plan = plan(Client::Claude, home.path(), &target(8708)).unwrap();
    assert!(plan.before.is_none());
    let applied = apply(&plan).unwrap();
    assert!(applied.backup.is_none());
    assert!(Client::Claude.path(home.path()).exists());
    assert!(matches!(
        restore(Client::Claude, home.path()),
        Err(SetupError::NoBackup(_))
    ));
}

#[test]
fn a_loop_is_refused_for_both_clients() {
    let mut t = target(8708);
    t.upstream_base_url = "http://localhost:8708/backend-api/codex".to_owned();
    for client in [Client::Codex, Client::Claude] {
        let home = tempfile::tempdir().unwrap();
        let err = plan(client, home.path(), &t).unwrap_err();
        assert!(matches!(err, SetupError::Loop(_)), "{err}");
        assert!(err
            .to_string()
            .contains("refusing to create a request loop"));
        assert!(!client.path(home.path()).exists(), "nothing written");
    }
    // Another local port is a different service, not a loop.
    t.upstream_base_url = "http://127.0.0.1:9999/backend-api/codex".to_owned();
    assert!(codex::edit("", &t).is_ok());
}

#[test]
fn backup_names_sort_by_time() {
    let stamp = timestamp();
    assert_eq!(stamp.len(), "20261125T211600.123Z".len(), "{stamp}");
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(20_417), (2025, 11, 25));
}
